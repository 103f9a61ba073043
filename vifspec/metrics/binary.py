"""Binary classification metrics over scores (flattened to 1-D).

The positive class is ``target > 0``: labels ``1``/``True`` (and ``+1`` of ``-1/+1`` labels);
``0``, ``False`` and negative labels are negatives.
"""

from __future__ import annotations

from typing import Any

import torch

from vifspec.metrics._common import as_float, as_pair, average_ranks, float_dtype, quantiles, to_float, to_share


def _scores_and_positives(scores: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor]:
    s, t = as_pair(scores, target, as_float)
    return s, t > 0


def auroc(scores: Any, target: Any) -> float:
    """Area under the ROC curve, as the Mann-Whitney U statistic of the positives' ranks.

    ``AUC = (sum_{i positive} rank_i - n_pos (n_pos + 1) / 2) / (n_pos n_neg)`` with tied scores
    sharing their average rank. ``scores`` may be probabilities or logits: only their order
    matters. NaN when ``target`` holds one class only or a score is NaN. Registered as ``auc``.
    Reference: Hanley & McNeil 1982; scikit-learn ``roc_auc_score``. Higher is better.
    """
    s, positive = _scores_and_positives(scores, target)
    ranks = average_ranks(s)
    n_pos = positive.sum().to(ranks.dtype)
    n_neg = positive.numel() - n_pos
    u = ranks.where(positive, 0).sum() - n_pos * (n_pos + 1) / 2
    return to_float(u / (n_pos * n_neg))


def _confusion(scores: Any, target: Any, threshold: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """True positives, predicted positives and actual positives at ``scores >= threshold``."""
    s, positive = _scores_and_positives(scores, target)
    predicted = s >= threshold
    dtype = float_dtype(s.device)
    return (predicted & positive).sum().to(dtype), predicted.sum().to(dtype), positive.sum().to(dtype)


def precision(scores: Any, target: Any, threshold: float = 0.5) -> float:
    """Precision ``TP / (TP + FP)`` of the predictions ``scores >= threshold``.

    ``scores`` are probabilities of the positive class (apply a sigmoid to logits first, or set
    ``threshold = 0`` for logits). NaN when nothing is predicted positive (scikit-learn returns 0
    there with a warning). Reference: scikit-learn ``precision_score``. Higher is better.
    """
    true_positives, predicted, _ = _confusion(scores, target, threshold)
    return to_share(true_positives, predicted)


def recall(scores: Any, target: Any, threshold: float = 0.5) -> float:
    """Recall ``TP / (TP + FN)`` of the predictions ``scores >= threshold`` (see :func:`precision`).

    NaN when ``target`` has no positive (scikit-learn returns 0 there with a warning).
    Reference: scikit-learn ``recall_score``. Higher is better.
    """
    true_positives, _, actual = _confusion(scores, target, threshold)
    return to_share(true_positives, actual)


def score_spread(scores: Any) -> float:
    """Spread of predicted probabilities: ``P95(scores) - P5(scores)`` (linear-interpolated percentiles).

    Detects probability collapse (seed 004: predictions clustered near 0.5), where the spread is
    tiny. Reference: ``numpy.percentile``. Higher is better.
    """
    p5, p95 = quantiles(as_float(scores), (0.05, 0.95))
    return to_float(p95 - p5)

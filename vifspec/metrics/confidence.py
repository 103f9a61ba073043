"""Quality of predicted class probabilities: log loss and calibration.

``probs`` is either ``[..., K]`` class probabilities with ``target`` of shape ``[...]`` holding
labels ``first_label .. first_label + K - 1`` (column ``k`` is label ``first_label + k``; use
``first_label = -1`` for ``-1/0/+1`` labels), or has the shape of ``target``: then it is the
probability of the positive class ``target > 0`` of a binary problem.
"""

from __future__ import annotations

from typing import Any

import torch

from vifspec.metrics._common import (
    as_float,
    as_pair,
    as_labels,
    average_ranks,
    common_device,
    float_dtype,
    pearson_1d,
    to_float,
)


def _probabilities(probs: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Flattened probabilities, labels and whether the problem is binary (one probability per sample)."""
    p = as_float(probs, common_device(probs, target))
    t = as_labels(target, p.device)
    if p.shape == t.shape:
        return p.reshape(-1), (t > 0).reshape(-1), True
    if p.shape[:-1] == t.shape:
        return p.reshape(-1, p.shape[-1]), t.reshape(-1), False
    raise ValueError(f"probs {tuple(p.shape)} must have the shape of target {tuple(t.shape)} or add a class axis")


def _top_label(p: torch.Tensor, t: torch.Tensor, binary: bool, first_label: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Confidence (highest class probability) and absolute label error of the most probable class."""
    if binary:
        p, t, first_label = torch.stack([1 - p, p], dim=1), t.long(), 0
    confidence, index = p.max(dim=1)
    error = (index + first_label - t).abs().to(p.dtype)
    return confidence, error


def calibration(probs: Any, target: Any, first_label: int = 0) -> float:
    """Uncertainty-error calibration: Spearman correlation between uncertainty and error.

    ``calibration = spearman(1 - max_k p_k, |argmax_k p_k + first_label - target|)``: a calibrated
    model is least confident where it errs (for ordinal labels, where it errs by most classes).
    1 = uncertainty ranks errors perfectly, 0 = uninformative, < 0 = confident where wrong; with
    binary correctness it is a rank-biserial correlation between confidence and correctness. NaN
    when every prediction has the same error or the same confidence. Reference: the error-uncertainty
    Spearman correlation of the Twinkl VIF critic evaluation (seed 000) in class-probability form
    (the seed reads uncertainty from MC dropout: :func:`error_uncertainty`); ``scipy.stats.spearmanr``.
    Higher is better.
    """
    p, t, binary = _probabilities(probs, target)
    confidence, error = _top_label(p, t, binary, first_label)
    return to_float(pearson_1d(average_ranks(1 - confidence), average_ranks(error)))


def error_uncertainty(uncertainty: Any, preds: Any, target: Any) -> float:
    """Error-uncertainty calibration: Spearman correlation between an uncertainty and the absolute error.

    ``error_uncertainty = spearman(u, |preds - target|)`` over all elements (flattened), e.g. with
    ``u`` the standard deviation and ``preds`` the mean of Monte Carlo dropout passes (Gal &
    Ghahramani 2016). 1 = uncertainty ranks errors perfectly, 0 = uninformative, < 0 = most
    certain where most wrong (seed 000: -0.218 for a weighted-MSE critic, 0.63-0.85 for ordinal
    ones). NaN when the uncertainty or the error is constant or holds a NaN. Reference: the
    ``error_uncertainty_correlation`` of the Twinkl VIF critic evaluation (seed 000);
    ``scipy.stats.spearmanr``. Higher is better.
    """
    u = as_float(uncertainty, common_device(uncertainty, preds, target)).reshape(-1)
    p, t = as_pair(preds, target, as_float)
    if u.numel() != p.numel():
        raise ValueError(f"uncertainty has {u.numel()} elements but preds has {p.numel()}")
    return to_float(pearson_1d(average_ranks(u), average_ranks((p.to(u.device) - t.to(u.device)).abs())))


def ece(probs: Any, target: Any, n_bins: int = 15, first_label: int = 0) -> float:
    """Expected calibration error with ``n_bins`` uniform confidence bins on [0, 1] (L1 norm).

    ``ECE = sum_b (n_b / N) |acc_b - conf_b|``. Multiclass: ``conf`` is the top-label probability
    and ``acc`` whether the top label is right. Binary (one probability per sample): ``conf`` is
    the positive-class probability and ``acc`` the positive indicator.
    Reference: Guo et al. 2017, "On Calibration of Modern Neural Networks"; torchmetrics
    ``binary_calibration_error`` / ``multiclass_calibration_error`` (``norm="l1"``).
    Lower is better.
    """
    p, t, binary = _probabilities(probs, target)
    if binary:
        confidence, correct = p, t.to(p.dtype)
    else:
        confidence, error = _top_label(p, t, binary, first_label)
        correct = (error == 0).to(p.dtype)
    edges = torch.linspace(0, 1, n_bins + 1, dtype=p.dtype, device=p.device)[1:-1]
    bins = torch.bucketize(confidence, edges, right=True)
    gap = torch.zeros(n_bins, dtype=float_dtype(p.device), device=p.device)
    gap.index_add_(0, bins, correct - confidence)
    return to_float(gap.abs().sum() / confidence.numel())


def log_loss(probs: Any, target: Any, first_label: int = 0) -> float:
    """Log loss (cross-entropy) of predicted probabilities: ``-mean_i log p_i[y_i]``.

    Probabilities are clipped to ``[eps, 1 - eps]`` (``eps`` the machine epsilon of float64) and
    not renormalised. Binary (one probability per sample): ``p_i[y_i]`` is ``p_i`` for a
    positive and ``1 - p_i`` otherwise. Bind probabilities (``softmax`` / ``sigmoid`` of logits).
    Reference: scikit-learn ``log_loss``; Bishop (2006), PRML p. 209. Lower is better.
    """
    p, t, binary = _probabilities(probs, target)
    if binary:
        p, t, first_label = torch.stack([1 - p, p], dim=1), t.long(), 0
    index = t - first_label
    if index.numel() and not bool(((index >= 0) & (index < p.shape[1])).all()):
        raise ValueError(f"log_loss: target labels must lie in {first_label}..{first_label + p.shape[1] - 1}")
    eps = torch.finfo(p.dtype).eps
    likelihood = p.gather(1, index[:, None]).squeeze(1).clamp(eps, 1 - eps)
    return to_float(-likelihood.log().mean())

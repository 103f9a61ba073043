"""Metrics of predicted class labels against true labels: ordinal critics (seed 000) and any classifier.

``preds`` and ``target`` hold class labels, any integers (``0..K-1`` or ``-1/0/+1``), of any
shape; they are flattened (except in :func:`qwk_per_dim`). Floating predictions, e.g. from a
regressor, are rounded to the nearest integer label (half to even) by the label metrics;
:func:`mae` and :func:`mse` use the values as given. :func:`accuracy`, :func:`macro_f1`,
:func:`class_recall` and :func:`minority_recall` also take class scores ``[..., C]`` (logits or
probabilities of labels ``0..C-1``) against labels ``[...]``, scored by their argmax.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from vifspec.metrics._common import (
    as_class_labels,
    as_float,
    as_labels,
    as_pair,
    common_device,
    float_dtype,
    share,
    to_float,
)


def accuracy(preds: Any, target: Any) -> float:
    """Share of exact matches: ``mean(preds == target)``; class scores ``[N, C]`` count their argmax.

    One function serves predicted labels (ordinal critics, rounded regressor outputs) and class
    scores (a multi-class classifier's logits or probabilities): the shapes tell them apart.
    Reference: scikit-learn ``accuracy_score``. Higher is better.
    """
    p, t = as_class_labels(preds, target)
    return to_float(share(p == t))


def macro_f1(preds: Any, target: Any) -> float:
    """Macro-averaged F1: the unweighted mean over classes of ``F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)``.

    The classes are those occurring in ``target`` or in the predictions (scikit-learn's default
    ``labels``); class scores ``[N, C]`` count their argmax. A class never predicted scores 0.
    Reference: scikit-learn ``f1_score(average="macro")``. Higher is better.
    """
    p, t = as_class_labels(preds, target)
    labels, inverse = torch.unique(torch.cat([p, t]), return_inverse=True)
    predicted, actual = inverse[: p.numel()], inverse[p.numel():]
    classes = labels.numel()
    dtype = float_dtype(p.device)
    hits = torch.bincount(actual[p == t], minlength=classes).to(dtype)
    counts = torch.bincount(predicted, minlength=classes) + torch.bincount(actual, minlength=classes)
    return to_float((2 * hits / counts.to(dtype)).mean())


def mae(preds: Any, target: Any) -> float:
    """Mean absolute error: ``mean(|preds - target|)`` (for ordinal labels, the mean class distance).

    Reference: scikit-learn ``mean_absolute_error``. Lower is better.
    """
    p, t = as_pair(preds, target, as_float)
    return to_float((p - t).abs().mean())


def mse(preds: Any, target: Any) -> float:
    """Mean squared error: ``mean((preds - target)^2)``.

    Reference: scikit-learn ``mean_squared_error``. Lower is better.
    """
    p, t = as_pair(preds, target, as_float)
    return to_float(((p - t) ** 2).mean())


def _qwk_columns(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Quadratic weighted kappa of each column of two [N, D] label matrices (see :func:`qwk`)."""
    observed = ((p - t) ** 2).sum(0)
    n = p.shape[0]
    chance = (p * p).sum(0) + (t * t).sum(0) - 2 * p.sum(0) * t.sum(0) / n
    return 1 - observed / chance


def qwk(preds: Any, target: Any) -> float:
    """Quadratic weighted kappa (Cohen 1968) between predicted and true ordinal labels.

    Reference: Cohen 1968; scikit-learn ``cohen_kappa_score``.

    ``kappa = 1 - sum_ij w_ij O_ij / sum_ij w_ij E_ij`` with ``w_ij = (i - j)^2`` over label values,
    ``O`` the confusion counts and ``E`` the outer product of the marginals divided by ``N``.
    Summing over samples gives the closed form computed here without a confusion matrix:
    ``1 - sum_n (p_n - t_n)^2 / (sum p^2 + sum t^2 - 2 sum p sum t / N)``.

    Weights use the label *values*, i.e. scikit-learn's ``cohen_kappa_score(target, preds,
    weights="quadratic", labels=range(min, max + 1))``. 1 = perfect agreement, 0 = chance level;
    0 when one side is constant, NaN when both are the same constant. Higher is better.
    """
    p, t = as_pair(preds, target, as_labels)
    dtype = float_dtype(p.device)
    return to_float(_qwk_columns(p.to(dtype)[:, None], t.to(dtype)[:, None])[0])


def qwk_per_dim(preds: Any, target: Any, names: Sequence[str] | None = None) -> dict[str, float]:
    """Quadratic weighted kappa per column of [N, D] label matrices, plus their mean.

    Each column is scored as in :func:`qwk`; keys are ``names`` (one per column, default
    ``dim0 .. dim{D-1}``) and ``mean`` (the mean over columns whose kappa is defined, as the
    per-dimension QWK of seed 000). Reference: as :func:`qwk`. Higher is better.
    """
    p = as_labels(preds, common_device(preds, target))
    t = as_labels(target, p.device)
    if p.shape != t.shape or p.ndim != 2:
        raise ValueError(f"qwk_per_dim needs two [N, D] matrices, got {tuple(p.shape)} and {tuple(t.shape)}")
    keys = list(names) if names is not None else [f"dim{i}" for i in range(p.shape[1])]
    if len(keys) != p.shape[1]:
        raise ValueError(f"{len(keys)} names given for {p.shape[1]} columns")
    dtype = float_dtype(p.device)
    kappas = _qwk_columns(p.to(dtype), t.to(dtype))
    values = torch.cat([kappas, kappas.nanmean()[None]]).tolist()
    return dict(zip([*keys, "mean"], values))


def _class_recalls(preds: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Classes present in ``target`` (sorted), their counts and the recall of each."""
    p, t = as_class_labels(preds, target)
    classes, inverse, counts = torch.unique(t, sorted=True, return_inverse=True, return_counts=True)
    dtype = float_dtype(p.device)
    hits = torch.zeros(classes.numel(), dtype=dtype, device=p.device)
    hits.index_add_(0, inverse, (p == t).to(dtype))
    return classes, counts, hits / counts


def class_recall(preds: Any, target: Any, cls: int | None = None) -> float | dict[str, float]:
    """Recall of one class: ``#(preds == cls and target == cls) / #(target == cls)``; or of every class.

    The "-1 recall" of seed 000 is ``class_recall`` with ``cls = -1``. Without ``cls``: a table
    ``{label: recall}`` over the classes occurring in ``target`` (reported as ``NAME.<label>``,
    e.g. ``class_recall.2``). Class scores ``[N, C]`` count their argmax.
    NaN when ``cls`` does not occur in ``target``. Reference: scikit-learn ``recall_score``
    with ``labels=[cls]`` (or all classes), ``average=None``. Higher is better.
    """
    if cls is None:
        classes, _, recalls = _class_recalls(preds, target)
        return {str(label): value for label, value in zip(classes.tolist(), recalls.tolist())}
    p, t = as_class_labels(preds, target)
    relevant = t == cls
    dtype = float_dtype(p.device)
    return to_float(((p == t) & relevant).sum().to(dtype) / relevant.sum())


def minority_recall(preds: Any, target: Any) -> float:
    """Mean recall over the minority classes: every class of ``target`` except its most frequent one.

    ``mean_{c in classes(target), c != mode(target)} recall_c`` with
    ``recall_c = #(preds == c and target == c) / #(target == c)``; a tie for the most frequent
    class excludes the smallest such label. NaN when ``target`` holds fewer than two classes.
    Reference: scikit-learn ``recall_score(average=None)`` averaged over those classes.
    Higher is better.
    """
    classes, counts, recalls = _class_recalls(preds, target)
    if classes.numel() < 2:
        return float("nan")
    minority = torch.ones_like(recalls, dtype=torch.bool)
    minority[torch.argmax(counts)] = False
    return to_float(recalls[minority].mean())


def hedging(preds: Any, neutral: int = 0) -> float:
    """Share of predictions equal to the neutral class: ``mean(preds == neutral)``.

    A critic that hedges predicts the neutral label (0 of ``-1/0/+1``) for everything (seed 000:
    "hedging exceeds 80%"). Floating predictions are rounded first. NaN for no predictions.
    Reference: the hedging rate of the Twinkl VIF critic evaluation (seed 000). Lower is better.
    """
    return to_float(share(as_labels(preds) == neutral))

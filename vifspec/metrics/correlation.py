"""Correlation metrics between predictions and targets (flattened to 1-D)."""

from __future__ import annotations

from typing import Any

from vifspec.metrics._common import as_float, as_pair, average_ranks, pearson_1d, to_float


def pearson(preds: Any, target: Any) -> float:
    """Pearson correlation: ``cov(p, t) / (std(p) std(t))``.

    Reference: ``scipy.stats.pearsonr``. NaN when either side is constant. Higher is better.
    """
    p, t = as_pair(preds, target, as_float)
    return to_float(pearson_1d(p, t))


def spearman(preds: Any, target: Any) -> float:
    """Spearman rank correlation: the Pearson correlation of the ranks of ``preds`` and ``target``.

    Tied values share the average of their ranks. NaN when either side is constant or holds a NaN.
    Reference: Spearman 1904; ``scipy.stats.spearmanr``. Higher is better.
    """
    p, t = as_pair(preds, target, as_float)
    return to_float(pearson_1d(average_ranks(p), average_ranks(t)))

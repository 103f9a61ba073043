"""Regression metrics of real-valued predictions against real-valued targets.

``preds`` and ``target`` have the same shape: ``[N]`` (one output) or ``[N, D]`` (``D`` outputs,
each column scored on its own and the scores averaged, scikit-learn's ``"uniform_average"``).
"""

from __future__ import annotations

from typing import Any

import torch

from vifspec.metrics._common import as_float, common_device, to_float


def _columns(preds: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions and targets as float ``[N, D]`` matrices on one device."""
    p = as_float(preds, common_device(preds, target))
    t = as_float(target, p.device)
    if p.shape != t.shape:
        raise ValueError(f"preds has shape {tuple(p.shape)} but target has shape {tuple(t.shape)}")
    rows = p.shape[0] if p.ndim else 1
    return p.reshape(rows, -1), t.reshape(rows, -1)


def r2(preds: Any, target: Any) -> float:
    """Coefficient of determination ``R^2 = 1 - sum (y - p)^2 / sum (y - mean y)^2``.

    1 = perfect, 0 = no better than predicting the mean, negative = worse than the mean. NaN for a
    constant target (scikit-learn ``force_finite=False`` gives NaN or -inf there). With ``D``
    outputs, the mean of the per-column scores.
    Reference: scikit-learn ``r2_score``. Higher is better.
    """
    p, t = _columns(preds, target)
    residual = ((t - p) ** 2).sum(0)
    total = ((t - t.mean(0)) ** 2).sum(0)
    return to_float(torch.where(total > 0, 1 - residual / total, torch.nan).mean())


def rmse(preds: Any, target: Any) -> float:
    """Root mean squared error ``sqrt(mean_i (p_i - y_i)^2)``, in the target's unit; with ``D``
    outputs, the mean of the per-column values.
    Reference: scikit-learn ``root_mean_squared_error``. Lower is better.
    """
    p, t = _columns(preds, target)
    return to_float(((p - t) ** 2).mean(0).sqrt().mean())

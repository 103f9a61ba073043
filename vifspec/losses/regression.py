"""Regression and vector-prediction losses: MSE, MAE, Huber, cosine distance, neutral-aware weighted MSE,
directional margin.

``mse``, ``mae`` and ``huber_loss`` take an optional ``sample_weight`` [N] (a batch field bound in
the spec): the loss is then ``sum_i w_i l_i / sum_i w_i`` over rows (see ``weighted_mean``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from vifspec.losses._common import check_same_shape, float_like, weighted_mean


def mse(preds: Tensor, target: Tensor, sample_weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``mean((p - y)^2)`` over all elements. Reference: ``torch.nn.functional.mse_loss``."""
    check_same_shape(preds, target, ("preds", "target"))
    return weighted_mean(F.mse_loss(preds, float_like(target, preds), reduction="none"), sample_weight)


def mae(preds: Tensor, target: Tensor, sample_weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``mean(|p - y|)`` over all elements (L1 loss; its minimiser is the median).

    Reference: ``torch.nn.functional.l1_loss``; scikit-learn ``mean_absolute_error``.
    """
    check_same_shape(preds, target, ("preds", "target"))
    return weighted_mean(F.l1_loss(preds, float_like(target, preds), reduction="none"), sample_weight)


def huber_loss(preds: Tensor, target: Tensor, delta: float = 1.0, sample_weight: Tensor | None = None) -> Tensor:
    """Huber loss: ``0.5 e^2`` for ``|e| <= delta``, else ``delta (|e| - 0.5 delta)``, ``e = p - y``; mean.

    Quadratic near zero, linear for outliers. Reference: Huber (1964), "Robust Estimation of a
    Location Parameter", Ann. Math. Statist.; ``torch.nn.functional.huber_loss``.
    """
    check_same_shape(preds, target, ("preds", "target"))
    return weighted_mean(F.huber_loss(preds, float_like(target, preds), reduction="none", delta=delta), sample_weight)


def cosine(preds: Tensor, target: Tensor) -> Tensor:
    """Cosine distance ``1 - mean_i cos(p_i, y_i)``, vectors along the last dimension.

    Reference: ``torch.nn.functional.cosine_similarity`` (the "AR cosine" objective of vector predictors).
    """
    check_same_shape(preds, target, ("preds", "target"))
    return 1 - F.cosine_similarity(preds, float_like(target, preds), dim=-1).mean()


def weighted_mse(preds: Tensor, target: Tensor, num_classes: int, scale: float = 5.0) -> Tensor:
    """MSE on ordinal class indices whose errors on non-neutral targets count ``scale`` times.

    With an odd number of classes ``K`` the neutral class is the middle one, ``c = (K - 1) / 2``
    (label 0 of a -1/0/+1 scale, index 1 of 0/1/2). ``w_i = scale if y_i != c else 1`` and
    ``L = sum_i w_i (p_i - y_i)^2 / sum_i w_i`` (a weighted mean, so the loss keeps MSE's scale).
    ``preds`` are real-valued scores on the class-index scale ``0..K-1``; ``target`` holds class indices.
    Counteracts hedging towards the neutral class under class imbalance: cost-sensitive re-weighting
    (Elkan 2001, "The foundations of cost-sensitive learning", IJCAI).
    """
    check_same_shape(preds, target, ("preds", "target"))
    if num_classes < 3 or num_classes % 2 == 0:
        raise ValueError(f"weighted_mse needs an odd num_classes >= 3 (a middle, neutral class); got {num_classes}")
    target = float_like(target, preds)
    neutral = (num_classes - 1) / 2
    weights = torch.where(target == neutral, torch.ones_like(target), torch.full_like(target, scale))
    return (weights * (preds - target).pow(2)).sum() / weights.sum()


def directional(preds: Tensor, target: Tensor, last: Tensor, margin: float = 0.0) -> Tensor:
    """Hinge that asks a next-vector prediction to be closer to the target than to the last context vector.

    ``L = mean_i relu(margin - (cos(p_i, y_i) - cos(p_i, last_i)))``, vectors along the last dimension.
    Penalises the copy-last basin, where ``p ~ last`` gives a negative forward margin. It is
    ``torch.nn.functional.margin_ranking_loss(cos(p, y), cos(p, last), 1, margin)``.
    """
    check_same_shape(preds, target, ("preds", "target"))
    check_same_shape(preds, last, ("preds", "last"))
    forward = F.cosine_similarity(preds, float_like(target, preds), dim=-1)
    backward = F.cosine_similarity(preds, float_like(last, preds), dim=-1)
    return torch.relu(margin - (forward - backward)).mean()

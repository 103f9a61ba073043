"""Binary classification losses on logits: BCE, label smoothing, focal, asymmetric focal, calibrated focal.

``logits`` and ``target`` have the same shape (any); targets are 0/1 (bool, int or float). The
losses are averaged over every element.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from vifspec.losses._common import check_same_shape, float_like, reduce_loss, weighted_mean


def bce(
    logits: Tensor, target: Tensor, pos_weight: float | list[float] | None = None, sample_weight: Tensor | None = None
) -> Tensor:
    """Binary cross-entropy on logits, mean over elements.

    ``L = -mean[w_pos y log s(z) + (1 - y) log(1 - s(z))]`` with ``s`` the sigmoid and ``w_pos`` the
    optional weight of positives (a number, or one per last-dimension column). An optional
    ``sample_weight`` [N] (a bound batch field) weights the rows: ``sum_i w_i l_i / sum_i w_i``.
    Reference: ``torch.nn.functional.binary_cross_entropy_with_logits``.
    """
    check_same_shape(logits, target, ("logits", "target"))
    weight = None if pos_weight is None else torch.as_tensor(pos_weight, dtype=logits.dtype, device=logits.device)
    losses = F.binary_cross_entropy_with_logits(logits, float_like(target, logits), pos_weight=weight, reduction="none")
    return weighted_mean(losses, sample_weight)


def label_smoothing_bce(logits: Tensor, target: Tensor, epsilon: float = 0.1) -> Tensor:
    """BCE against targets smoothed towards 1/2: ``y' = y (1 - epsilon) + epsilon / 2``.

    Label smoothing with two classes. References: Szegedy et al. (2016), "Rethinking the Inception
    architecture for computer vision", CVPR; Müller, Kornblith & Hinton (2019), "When does label
    smoothing help?", NeurIPS.
    """
    check_same_shape(logits, target, ("logits", "target"))
    smoothed = float_like(target, logits) * (1 - epsilon) + epsilon / 2
    return F.binary_cross_entropy_with_logits(logits, smoothed)


def focal_loss(
    inputs: Tensor, targets: Tensor, alpha: float = 0.25, gamma: float = 2.0, reduction: str | None = "mean"
) -> Tensor:
    """Sigmoid focal loss, torchvision's ``sigmoid_focal_loss`` (except the default reduction, "mean" here).

    ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``,
    ``FL = -alpha_t (1 - p_t)^gamma log(p_t)``; ``alpha < 0`` disables the class weighting, and
    ``gamma = 0, alpha < 0`` is plain BCE. Reference: Lin et al. (2017), "Focal loss for dense object
    detection", ICCV.
    """
    check_same_shape(inputs, targets, ("inputs", "targets"))
    targets = float_like(targets, inputs)
    probs = torch.sigmoid(inputs)
    cross_entropy = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = probs * targets + (1 - probs) * (1 - targets)
    loss = cross_entropy * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return reduce_loss(loss, reduction)


def focal(logits: Tensor, target: Tensor, alpha: float = 0.25, gamma: float = 2.0) -> Tensor:
    """Spec-facing :func:`focal_loss` (mean). "Mild focal" is ``gamma = 1``. Reference: Lin et al. (2017)."""
    return focal_loss(logits, target, alpha=alpha, gamma=gamma)


def asymmetric_focal_loss(
    logits: Tensor,
    target: Tensor,
    gamma_pos: float = 0.0,
    gamma_neg: float = 4.0,
    clip: float = 0.05,
    eps: float = 1e-8,
    reduction: str | None = "mean",
) -> Tensor:
    """Asymmetric loss (ASL): separate focusing for positives and negatives, shifted negative probability.

    ``p_m = max(p - clip, 0)``; ``L+ = (1 - p)^gamma_pos log(p)``; ``L- = p_m^gamma_neg log(1 - p_m)``;
    ``L = -[y L+ + (1 - y) L-]``, logs clamped at ``eps``. The reference implementation returns the sum;
    this one reduces per ``reduction`` (mean by default) and keeps the gradient through the focusing weights.
    Reference: Ridnik et al. (2021), "Asymmetric loss for multi-label classification", ICCV
    (github.com/Alibaba-MIIL/ASL, ``AsymmetricLoss``).
    """
    check_same_shape(logits, target, ("logits", "target"))
    target = float_like(target, logits)
    prob = torch.sigmoid(logits)
    prob_neg = (1 - prob + clip).clamp(max=1) if clip > 0 else 1 - prob
    log_likelihood = target * torch.log(prob.clamp(min=eps)) + (1 - target) * torch.log(prob_neg.clamp(min=eps))
    p_t = prob * target + prob_neg * (1 - target)
    focusing = (1 - p_t).pow(gamma_pos * target + gamma_neg * (1 - target))
    return reduce_loss(-log_likelihood * focusing, reduction)


def calibrated_focal(
    logits: Tensor, target: Tensor, gamma: float = 2.0, beta: float = 1.0, alpha: float = -1.0
) -> Tensor:
    """Focal loss plus a calibration-in-the-large penalty: ``FL + beta (mean p - mean y)^2``.

    The focal term (no class weighting by default, ``alpha = -1``) improves calibration (Mukhoti et al.
    2020, "Calibrating deep neural networks using focal loss", NeurIPS); the penalty pulls the batch's
    mean predicted probability to its base rate ("calibration-in-the-large", Van Calster et al. 2019,
    "Calibration: the Achilles heel of predictive analytics", BMC Medicine), which guards a
    rare-positive classifier against probability collapse.
    """
    probs = torch.sigmoid(logits)
    miscalibration = (probs.mean() - float_like(target, logits).mean()).pow(2)
    return focal_loss(logits, target, alpha=alpha, gamma=gamma) + beta * miscalibration

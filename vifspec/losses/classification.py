"""Multi-class classification loss on class logits: softmax cross-entropy with label smoothing and weights."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from vifspec.losses._common import float_like


def cross_entropy(
    logits: Tensor,
    target: Tensor,
    sample_weight: Tensor | None = None,
    label_smoothing: float = 0.0,
    class_weights: Sequence[float] | None = None,
    first_label: int = 0,
) -> Tensor:
    """Softmax cross-entropy of class logits ``[..., C]`` against labels ``[...]``.

    ``l_i = -sum_c q_ic log softmax(z_i)_c`` with ``q_i = (1 - eps) onehot(y_i) + eps / C`` (label
    smoothing ``eps``); class weights ``w_c`` weight each row's terms as PyTorch does, and the mean is
    ``sum_i s_i l_i / sum_i s_i w_{y_i}`` with optional sample weights ``s_i`` (a bound batch field,
    one per row; 1 without it). Labels run ``first_label .. first_label + C - 1`` (column ``k`` is
    label ``first_label + k``). Reference: ``torch.nn.functional.cross_entropy``; label smoothing:
    Szegedy et al. (2016), "Rethinking the Inception architecture", CVPR.
    """
    classes = logits.shape[-1]
    if logits.shape[:-1] != target.shape:
        raise ValueError(
            f"logits have shape {tuple(logits.shape)} and target {tuple(target.shape)}; "
            "expected logits [..., C] for labels [...]"
        )
    labels = torch.as_tensor(target, device=logits.device).reshape(-1).long() - first_label
    flat = logits.reshape(-1, classes)
    weight = None if class_weights is None else torch.as_tensor(class_weights, dtype=logits.dtype, device=logits.device)
    if weight is not None and weight.shape != (classes,):
        raise ValueError(f"class_weights has {weight.numel()} entries for {classes} classes")
    if sample_weight is None:
        return F.cross_entropy(flat, labels, weight=weight, label_smoothing=label_smoothing)
    losses = F.cross_entropy(flat, labels, weight=weight, label_smoothing=label_smoothing, reduction="none")
    rows = float_like(sample_weight, flat).reshape(-1)
    denominator = rows if weight is None else rows * weight[labels]
    return (rows * losses).sum() / denominator.sum()

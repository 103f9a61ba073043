"""Ordinal-regression losses (CORAL, CORN, squared EMD, SORD) and the decoders that turn their logits into labels.

Conventions: ``K`` ordered classes labelled ``0..K-1``. CORAL and CORN heads output ``K-1`` binary logits
(``logits[..., k]`` scores "label > k"); EMD and SORD heads output ``K`` class logits. Every function
accepts any number of leading dimensions (an ordinal critic with ``D`` value dimensions passes logits
``[N, D, K-1]`` and labels ``[N, D]``); the spec-facing losses average over all of them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from vifspec.losses._common import reduce_loss


def levels_from_labels(labels: Tensor, num_classes: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """Extended binary encoding: ``levels[..., k] = 1 if label > k else 0``, shape ``[..., K-1]``.

    Same output as coral-pytorch's ``levels_from_labelbatch`` (Cao et al. 2020), vectorised.
    """
    labels = torch.as_tensor(labels)
    thresholds = torch.arange(num_classes - 1, device=labels.device)
    return (labels.unsqueeze(-1) > thresholds).to(dtype)


def coral_loss(
    logits: Tensor, levels: Tensor, importance_weights: Tensor | None = None, reduction: str | None = "mean"
) -> Tensor:
    """CORAL loss, the coral-pytorch function of the same name.

    ``L_i = -sum_k w_k [l_ik log s(z_ik) + (1 - l_ik) log(1 - s(z_ik))]`` with ``s`` the sigmoid,
    ``l`` the extended binary levels (:func:`levels_from_labels`) and ``w`` the optional importance
    weights; reduced over examples (rows).
    Reference: Cao, Mirjalili & Raschka (2020), "Rank consistent ordinal regression for neural
    networks with application to age estimation", Pattern Recognition Letters 140.
    """
    if logits.shape != levels.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and levels {tuple(levels.shape)} must have the same shape")
    log_p = F.logsigmoid(logits)
    terms = log_p * levels + (log_p - logits) * (1 - levels)
    if importance_weights is not None:
        terms = terms * importance_weights
    return reduce_loss(-terms.sum(dim=-1), reduction)


def corn_loss(logits: Tensor, y_train: Tensor, num_classes: int) -> Tensor:
    """CORN loss, the coral-pytorch function of the same name (vectorised over tasks).

    Task ``k`` is the conditional binary question "label > k given label > k-1", trained only on the
    examples with ``label >= k``: ``L = sum_k sum_{i: y_i >= k} BCE(z_ik, [y_i > k]) / sum_k |{i: y_i >= k}|``.
    Reference: Shi, Cao & Raschka (2023), "Deep neural networks for rank-consistent ordinal regression
    based on conditional probabilities", Pattern Analysis and Applications 26.
    """
    logits, y_train = _flatten_ordinal(logits, y_train, num_classes, num_classes - 1)
    thresholds = torch.arange(num_classes - 1, device=logits.device)
    labels = y_train.unsqueeze(-1)
    in_task = (labels >= thresholds).to(logits.dtype)
    exceeds = (labels > thresholds).to(logits.dtype)
    per_task = F.binary_cross_entropy_with_logits(logits, exceeds, reduction="none")
    return (per_task * in_task).sum() / in_task.sum()


def coral(logits: Tensor, target: Tensor, num_classes: int | None = None) -> Tensor:
    """Spec-facing CORAL: class labels ``target [...]`` (0..K-1) against logits ``[..., K-1]``.

    Formula of :func:`coral_loss` on :func:`levels_from_labels` ``(target)``, averaged over all leading
    dimensions. Reference: Cao, Mirjalili & Raschka (2020).
    """
    num_classes = _num_classes(logits, num_classes)
    logits, target = _flatten_ordinal(logits, target, num_classes, num_classes - 1)
    return coral_loss(logits, levels_from_labels(target, num_classes, logits.dtype))


def corn(logits: Tensor, target: Tensor, num_classes: int | None = None) -> Tensor:
    """Spec-facing CORN: :func:`corn_loss` with class labels ``target [...]`` and logits ``[..., K-1]``.

    Reference: Shi, Cao & Raschka (2023).
    """
    return corn_loss(logits, target, _num_classes(logits, num_classes))


def emd_loss(logits: Tensor, target: Tensor, reduction: str | None = "mean") -> Tensor:
    """Squared Earth Mover's Distance between the softmax and the one-hot target, per example.

    ``EMD^2 = sum_k (CDF_k(softmax(z)) - CDF_k(onehot(y)))^2`` with ``CDF_k(p) = sum_{j<=k} p_j`` and
    ``CDF_k(onehot(y)) = [k >= y]``; logits ``[..., K]``, labels ``[...]``.
    Reference: Hou, Yu & Samaras (2016), "Squared Earth Mover's Distance-based loss for training deep
    neural networks", arXiv:1611.05916.
    """
    num_classes = logits.shape[-1]
    _check_labels(target, logits, num_classes, num_classes)
    predicted_cdf = torch.softmax(logits, dim=-1).cumsum(dim=-1)
    classes = torch.arange(num_classes, device=logits.device)
    target_cdf = (classes >= target.long().unsqueeze(-1)).to(logits.dtype)
    return reduce_loss((predicted_cdf - target_cdf).pow(2).sum(dim=-1), reduction)


def soft_ordinal_loss(logits: Tensor, target: Tensor, phi: float = 1.0, reduction: str | None = "mean") -> Tensor:
    """SORD: cross-entropy between the softmax and soft ordinal labels.

    ``q_k = exp(-phi (k - y)^2) / sum_j exp(-phi (j - y)^2)``, ``L = -sum_k q_k log softmax(z)_k``;
    logits ``[..., K]``, labels ``[...]``. Larger ``phi`` gives sharper labels (one-hot as phi -> inf).
    Reference: Diaz & Marathe (2019), "Soft labels for ordinal regression", CVPR.
    """
    num_classes = logits.shape[-1]
    _check_labels(target, logits, num_classes, num_classes)
    classes = torch.arange(num_classes, device=logits.device, dtype=logits.dtype)
    squared_distance = (classes - target.to(logits.dtype).unsqueeze(-1)).pow(2)
    soft_labels = torch.softmax(-phi * squared_distance, dim=-1)
    return reduce_loss(-(soft_labels * torch.log_softmax(logits, dim=-1)).sum(dim=-1), reduction)


def coral_predict(logits: Tensor) -> Tensor:
    """Label from CORAL logits ``[..., K-1]``: ``sum_k [sigmoid(z_k) > 0.5]`` (coral-pytorch ``proba_to_label``)."""
    return (torch.sigmoid(logits) > 0.5).sum(dim=-1)


def corn_predict(logits: Tensor) -> Tensor:
    """Label from CORN logits ``[..., K-1]``: ``sum_k [prod_{j<=k} sigmoid(z_j) > 0.5]``
    (coral-pytorch ``corn_label_from_logits``)."""
    return (_corn_exceedance(logits) > 0.5).sum(dim=-1)


def class_probs_coral(logits: Tensor) -> Tensor:
    """Class probabilities ``[..., K]`` from CORAL logits: ``P(y=k) = P(y>k-1) - P(y>k)``, ``P(y>k) = sigmoid(z_k)``.

    CORAL's rank consistency (shared weights, ordered biases) makes ``P(y>k)`` non-increasing; if a
    head breaks it, negative differences are clipped to 0 and the row renormalised.
    Reference: Cao, Mirjalili & Raschka (2020).
    """
    return _probs_from_exceedance(torch.sigmoid(logits))


def class_probs_corn(logits: Tensor) -> Tensor:
    """Class probabilities ``[..., K]`` from CORN logits, with ``P(y>k) = prod_{j<=k} sigmoid(z_j)``.

    Reference: Shi, Cao & Raschka (2023).
    """
    return _probs_from_exceedance(_corn_exceedance(logits))


def _corn_exceedance(logits: Tensor) -> Tensor:
    return torch.cumprod(torch.sigmoid(logits), dim=-1)


def _probs_from_exceedance(exceeds: Tensor) -> Tensor:
    ones = torch.ones_like(exceeds[..., :1])
    padded = torch.cat([ones, exceeds, torch.zeros_like(ones)], dim=-1)
    probs = (padded[..., :-1] - padded[..., 1:]).clamp_min(0)
    return probs / probs.sum(dim=-1, keepdim=True)


def _num_classes(logits: Tensor, num_classes: int | None) -> int:
    """K from ``[..., K-1]`` threshold logits, checked against ``num_classes`` when one is given."""
    inferred = logits.shape[-1] + 1
    if num_classes is not None and num_classes != inferred:
        raise ValueError(f"num_classes={num_classes} but logits' last dimension {logits.shape[-1]} implies {inferred}")
    return inferred


def _flatten_ordinal(logits: Tensor, target: Tensor, num_classes: int, width: int) -> tuple[Tensor, Tensor]:
    """Check labels against ``[..., width]`` logits and flatten to ``[M, width]`` and ``[M]`` long labels."""
    _check_labels(target, logits, num_classes, width)
    return logits.reshape(-1, width), target.reshape(-1).long()


def _check_labels(target: Tensor, logits: Tensor, num_classes: int, width: int) -> None:
    """Labels must be class indices 0..K-1 with the logits' leading shape (catches -1/0/+1 labels)."""
    if logits.shape[-1] != width or target.shape != logits.shape[:-1]:
        raise ValueError(
            f"logits {tuple(logits.shape)} do not fit labels {tuple(target.shape)} with {num_classes} classes: "
            f"expected logits of shape {tuple(target.shape) + (width,)}"
        )
    if not target.numel():
        return
    if torch._C._functorch.is_batchedtensor(target):  # seeds trained together (vmap): labels were checked when prepared
        return
    in_range = (target.min() >= 0) & (target.max() <= num_classes - 1)
    if target.device.type != "cpu":  # checked on the device, without a host sync per step
        torch._assert_async(in_range, "ordinal labels must be class indices 0..K-1")
    elif not in_range:
        raise ValueError(
            f"ordinal labels must be class indices 0..{num_classes - 1}; got values in "
            f"[{target.min().item()}, {target.max().item()}] (map e.g. -1/0/+1 to 0/1/2)"
        )

"""Next-vector prediction metrics (seed 002): cosine agreement and the copy-last test.

``preds``, ``target`` and ``last`` (the context's last vector) are ``[..., D]`` vectors; leading
dimensions are flattened into samples. ``cos`` is the cosine similarity along the last axis
(``torch.nn.functional.cosine_similarity``, eps = 1e-8).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from vifspec.metrics._common import as_vectors, common_device, float_dtype, to_float


def _cosines(a: Any, b: Any, device: torch.device | None) -> torch.Tensor:
    """Row-wise cosine similarities of two ``[..., D]`` inputs on ``device``, flattened to ``[N]``."""
    x = as_vectors(a, device)
    y = as_vectors(b, device)
    if x.shape != y.shape:
        raise ValueError(f"vector inputs differ in shape: {tuple(x.shape)} vs {tuple(y.shape)}")
    cos = F.cosine_similarity(x.reshape(-1, x.shape[-1]), y.reshape(-1, y.shape[-1]), dim=-1)
    return cos.to(float_dtype(cos.device))


def mean_cosine(preds: Any, target: Any) -> float:
    """Mean cosine similarity ``mean_i cos(p_i, t_i)`` (e.g. validation cosine, rollout cosine; seed 002).

    Reference: ``torch.nn.functional.cosine_similarity``. Higher is better.
    """
    return to_float(_cosines(preds, target, common_device(preds, target)).mean())


def offset_margin(preds: Any, target: Any, last: Any) -> float:
    """Forward margin ``mean_i cos(p_i, t_i) - mean_i cos(p_i, last_i)``.

    Positive: the prediction is closer to the next vector than to the last context vector
    (predicts forward); negative: it copies backwards. Reference: the offset-margin gate of seed
    002 ("Offset Margin >= +0.02"). Higher is better.
    """
    device = common_device(preds, target, last)
    return to_float(_cosines(preds, target, device).mean() - _cosines(preds, last, device).mean())


def cosine_drop(preds: Any, preds_ablated: Any, target: Any) -> float:
    """Ablation drop ``mean_i cos(p_i, t_i) - mean_i cos(p'_i, t_i)``, ``p'`` predicted from an ablated context.

    Positive: the ablated input carried information the model uses. Reference: the ablation gate
    of seed 002. Higher is better.
    """
    device = common_device(preds, preds_ablated, target)
    return to_float(_cosines(preds, target, device).mean() - _cosines(preds_ablated, target, device).mean())


def cosines(preds: Any, target: Any) -> torch.Tensor:
    """Each sample's ``cos(p_i, t_i)``; their mean is :func:`mean_cosine`."""
    return _cosines(preds, target, common_device(preds, target))


def margins(preds: Any, target: Any, last: Any) -> torch.Tensor:
    """Each sample's ``cos(p_i, t_i) - cos(p_i, last_i)``; their mean is :func:`offset_margin`."""
    device = common_device(preds, target, last)
    return _cosines(preds, target, device) - _cosines(preds, last, device)


def drops(preds: Any, preds_ablated: Any, target: Any) -> torch.Tensor:
    """Each sample's ``cos(p_i, t_i) - cos(p'_i, t_i)``; their mean is :func:`cosine_drop`."""
    device = common_device(preds, preds_ablated, target)
    return _cosines(preds, target, device) - _cosines(preds_ablated, target, device)


# Means of per-sample values: test resampling draws these values (vifspec.executor.resample), not the vectors.
mean_cosine.per_example_values = cosines  # type: ignore[attr-defined]
offset_margin.per_example_values = margins  # type: ignore[attr-defined]
cosine_drop.per_example_values = drops  # type: ignore[attr-defined]


def bins_delta(preds: Any, target: Any, last: Any, n_bins: int = 4) -> float:
    """Worst per-bin gain over copy-last, with bins by forward distinctness.

    ``d_i = 1 - cos(last_i, t_i)``; samples are split into ``n_bins`` equal-count quantile bins of
    ``d``; in each bin ``delta_b = mean_{i in b} [cos(p_i, t_i) - cos(last_i, t_i)]``; the metric
    is ``min_b delta_b``. Positive: the model beats the copy-last baseline in every bin, including
    the most forward-distinct samples. Empty bins (fewer samples than bins) are skipped.
    Reference: the "Bins Delta" gate of seed 002. Higher is better.
    """
    return to_float(_worst_bin(bin_features(preds, target, last), n_bins))


def bin_features(preds: Any, target: Any, last: Any, n_bins: int = 4) -> torch.Tensor:
    """Each sample's ``(cos(p_i, t_i), cos(last_i, t_i))`` [..., 2] (the inputs' leading shape): all
    :func:`bins_delta` reads of them."""
    device = common_device(preds, target, last)
    lead = as_vectors(preds, device).shape[:-1]
    return torch.stack([_cosines(preds, target, device), _cosines(last, target, device)], dim=1).reshape(*lead, 2)


def _worst_bin(features: torch.Tensor, n_bins: int = 4) -> torch.Tensor:
    """:func:`bins_delta` of per-sample ``(forward, copy)`` cosines (fixed shapes, so ``vmap`` batches it)."""
    features = features.reshape(-1, 2)
    forward, copy = features[:, 0], features[:, 1]
    if forward.numel() == 0:
        return torch.full((), float("nan"), dtype=features.dtype, device=features.device)
    order = torch.argsort(1 - copy, stable=True)
    bin_of_rank = torch.arange(order.numel(), device=order.device) * n_bins // order.numel()
    bins = torch.empty_like(order).scatter(0, order, bin_of_rank)
    zeros = torch.zeros(n_bins, dtype=forward.dtype, device=forward.device)
    sums, counts = zeros.scatter_add(0, bins, forward - copy), zeros.scatter_add(0, bins, torch.ones_like(forward))
    return torch.where(counts > 0, sums / counts, torch.inf).min()


# A statistic of a few numbers per sample: test resampling draws those numbers, not the vectors.
bins_delta.per_example_features = (bin_features, _worst_bin)  # type: ignore[attr-defined]

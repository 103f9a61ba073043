"""Per-epoch statistics of named parameters and outputs (``[track]``)."""

from __future__ import annotations

from typing import Any

import torch

from vifspec.spec import Track
from vifspec.prepare.bindings import BindingError

STATS = ("mean", "std", "min", "max")


def tracked_stats(track: Track, model: torch.nn.Module, outputs: dict[str, Any]) -> dict[str, dict[str, float]]:
    """mean/std/min/max of each tracked parameter (current weights) and validation output."""
    tensors = {}
    for name in track.params:
        try:
            tensors[name] = model.get_parameter(name)
        except AttributeError:
            raise BindingError(("track", "params"), name, [n for n, _ in model.named_parameters()]) from None
    tensors.update({name: outputs[name] for name in track.outputs if name in outputs})
    if not tensors:
        return {}
    with torch.no_grad():
        rows = torch.stack([_stats(t.detach().float().flatten()) for t in tensors.values()]).tolist()
    return {name: dict(zip(STATS, row)) for name, row in zip(tensors, rows)}


def _stats(x: torch.Tensor) -> torch.Tensor:
    std = x.std() if x.numel() > 1 else torch.zeros((), device=x.device)
    return torch.stack([x.mean(), std, x.min(), x.max()])

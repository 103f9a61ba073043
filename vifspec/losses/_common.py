"""Helpers shared by the loss modules: reductions, shape checks, a collapse-safe standard deviation."""

from __future__ import annotations

import torch
from torch import Tensor

REDUCTIONS = ("mean", "sum", "none", None)

# Added to the variance before the square root so that d std / d x stays finite when every
# element is equal (the collapsed state the spread regularisers exist to escape).
STD_EPS = 1e-12


def reduce_loss(values: Tensor, reduction: str | None) -> Tensor:
    """Reduce per-element losses: ``"mean"``, ``"sum"``, or ``None``/``"none"`` (unreduced)."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    if reduction is None or reduction == "none":
        return values
    raise ValueError(f"invalid reduction {reduction!r}; expected one of {REDUCTIONS}")


def weighted_mean(values: Tensor, sample_weight: Tensor | None) -> Tensor:
    """Mean of per-element losses; with ``sample_weight`` [N] (one weight per row of the leading
    dimension), the weighted mean of the rows' means: ``sum_i w_i l_i / sum_i w_i``.

    Integer weights count a row that many times (scikit-learn's ``sample_weight`` convention).
    """
    if sample_weight is None:
        return values.mean()
    weight = float_like(sample_weight, values).reshape(-1)
    rows = values.reshape(values.shape[0], -1).mean(1) if values.dim() else values.reshape(1)
    if weight.shape != rows.shape:
        raise ValueError(f"sample_weight has {weight.numel()} entries for {rows.numel()} rows; give one weight per row")
    return (weight * rows).sum() / weight.sum()


def check_same_shape(first: Tensor, second: Tensor, names: tuple[str, str]) -> None:
    """Refuse silent broadcasting, e.g. logits ``[N, 1]`` against a target ``[N]``."""
    if first.shape != second.shape:
        raise ValueError(
            f"{names[0]} has shape {tuple(first.shape)} but {names[1]} has shape {tuple(second.shape)}; "
            "they must match"
        )


def float_like(target: Tensor, reference: Tensor) -> Tensor:
    """``target`` (bool, int or float) as the floating dtype and device of ``reference``."""
    return torch.as_tensor(target).to(device=reference.device, dtype=reference.dtype)


def safe_std(x: Tensor, dim: int | None = None) -> Tensor:
    """Population standard deviation sqrt(mean((x - mean x)^2) + 1e-12), over all elements or ``dim``."""
    if dim is None:
        x = x.reshape(-1)
        dim = 0
    variance = x.var(dim=dim, correction=0)
    return torch.sqrt(variance + STD_EPS)


def std_shortfall(x: Tensor, floor: float) -> Tensor:
    """relu(floor - std(x)) over all elements: zero once the spread of ``x`` reaches ``floor``."""
    return torch.relu(floor - safe_std(x))

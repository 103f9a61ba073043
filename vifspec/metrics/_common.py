"""Shared tensor helpers of the metric library: input conversion, ranks, correlation, quantiles.

Every metric converts its inputs with :func:`as_float` / :func:`as_labels`, computes on the device
of its first tensor input and returns one Python float (a single host sync, :func:`to_float`).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Iterator, Sequence

import torch

_TENSOR_RESULTS = contextvars.ContextVar("vifspec_metric_tensor_results", default=False)

def as_tensor(x: Any, device: torch.device | None = None) -> torch.Tensor:
    """A tensor on ``device`` (default: where ``x`` already is; array-likes go to the CPU)."""
    tensor = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    return tensor if device is None else tensor.to(device)


def common_device(*inputs: Any) -> torch.device | None:
    """The device of the first torch tensor among ``inputs`` (None when all are array-likes)."""
    return next((x.device for x in inputs if isinstance(x, torch.Tensor)), None)


def float_dtype(device: torch.device) -> torch.dtype:
    """float64 for exact accumulation, except on MPS which has no float64."""
    return torch.float32 if device.type == "mps" else torch.float64


def as_float(x: Any, device: torch.device | None = None) -> torch.Tensor:
    """``x`` as a floating tensor of the accumulation dtype of its device."""
    tensor = as_tensor(x, device)
    return tensor.to(float_dtype(tensor.device))


def as_vectors(x: Any, device: torch.device | None = None) -> torch.Tensor:
    """Embedding-like ``[..., D]`` input kept in its own floating dtype (float32 at least, for memory)."""
    tensor = as_tensor(x, device)
    if not tensor.is_floating_point() or tensor.dtype in (torch.float16, torch.bfloat16):
        tensor = tensor.to(torch.float32)
    return tensor


def as_labels(x: Any, device: torch.device | None = None) -> torch.Tensor:
    """Integer class labels; floating predictions are rounded to the nearest integer (half to even)."""
    tensor = as_tensor(x, device)
    if tensor.is_floating_point():
        tensor = torch.round(tensor)
    return tensor.to(torch.int64)


def as_class_labels(preds: Any, target: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted and true class labels, flattened to 1-D (see :func:`as_pair`).

    ``preds`` holding one more axis than ``target`` with at least two entries (class scores
    ``[..., C]``: logits or probabilities, column ``k`` for label ``k``) become their argmax;
    otherwise ``preds`` are labels (floats rounded half to even, so probabilities of the positive
    class of a binary problem mean ``p > 0.5``). Floats outside [0, 1] against a 0/1 target are
    scores or logits, which rounding would turn into nonsense: a ``ValueError`` saying to bind
    probabilities (checked once per split; not inside :func:`tensor_results`, whose resamples are
    drawn from a split already checked).
    """
    scores = as_tensor(preds, common_device(preds, target))
    t = as_tensor(target, scores.device)
    if scores.ndim == t.ndim + 1 and scores.shape[:-1] == t.shape and scores.shape[-1] >= 2:
        scores = scores.argmax(-1)
    elif not _TENSOR_RESULTS.get():
        _refuse_binary_scores(scores, t)
    return as_pair(scores, t, as_labels)


def _refuse_binary_scores(preds: torch.Tensor, target: torch.Tensor) -> None:
    """Raise when float ``preds`` leave [0, 1] while ``target`` holds only 0 and 1 (a binary task's logits)."""
    if not preds.is_floating_point() or preds.numel() == 0 or target.numel() == 0:
        return
    binary = bool(((target == 0) | (target == 1)).all())
    if binary and bool(((preds < 0) | (preds > 1)).any()):
        raise ValueError("preds hold scores outside [0, 1] for a 0/1 target (logits?), and a label metric would "
                         "round them: bind preds to probabilities or labels, e.g. inputs = { preds = \"probs\", target = \"target\" }")


def as_pair(preds: Any, target: Any, convert: Callable[..., torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Convert two same-sized inputs onto the device of the first tensor, flattened to 1-D."""
    p = convert(preds, common_device(preds, target))
    t = convert(target, p.device)
    if p.numel() != t.numel():
        raise ValueError(f"preds has {p.numel()} elements but target has {t.numel()}")
    return p.reshape(-1), t.reshape(-1)


def to_float(value: torch.Tensor) -> float:
    """The one host sync of a metric call (skipped inside :func:`tensor_results`)."""
    if _TENSOR_RESULTS.get():
        return value
    return float(value.item())


class Share(float):
    """A share ``numerator / denominator`` that keeps its counts (precision 8/11), so reports can show
    how many examples a rate rests on. Behaves as the float it is everywhere else."""

    numerator: int
    denominator: int

    def __new__(cls, numerator: int, denominator: int) -> "Share":
        value = super().__new__(cls, numerator / denominator if denominator else float("nan"))
        value.numerator, value.denominator = numerator, denominator
        return value

    def __reduce__(self) -> tuple[type["Share"], tuple[int, int]]:
        """Pickled (a record shipped back from a Ray worker, a deep copy) as its counts."""
        return Share, (self.numerator, self.denominator)


def to_share(numerator: torch.Tensor, denominator: torch.Tensor) -> Any:
    """``numerator / denominator`` as a :class:`Share` (a tensor inside :func:`tensor_results`)."""
    if _TENSOR_RESULTS.get():
        return numerator / denominator
    return Share(int(numerator.item()), int(denominator.item()))


@contextlib.contextmanager
def tensor_results() -> Iterator[None]:
    """Within this block the built-in metrics return their 0-d result tensor instead of a float: no
    host sync, so ``torch.func.vmap`` can batch them (``vifspec.executor.resample`` does)."""
    token = _TENSOR_RESULTS.set(True)
    try:
        yield
    finally:
        _TENSOR_RESULTS.reset(token)


def share(mask: torch.Tensor) -> torch.Tensor:
    """Fraction of true entries of a boolean tensor (NaN when empty)."""
    return mask.sum().to(float_dtype(mask.device)) / mask.numel()


def nan_like(x: torch.Tensor) -> torch.Tensor:
    """A 0-d NaN of the accumulation dtype on the device of ``x``."""
    return torch.full((), float("nan"), dtype=float_dtype(x.device), device=x.device)


def average_ranks(x: torch.Tensor) -> torch.Tensor:
    """1-based ranks of a 1-D tensor, ties sharing the mean of their ranks (scipy ``rankdata``); all
    NaN when ``x`` holds a NaN, so a statistic of them is NaN (scipy's ``nan_policy="propagate"``).

    After one sort, equal values are runs; a run of ``c`` values ending at rank ``r`` shares the
    rank ``r - (c - 1) / 2``. Every shape is fixed by ``x``'s (no ``torch.unique``), so
    ``torch.func.vmap`` batches it over the resamples of a test split.
    """
    n, dtype = x.shape[-1], float_dtype(x.device)
    ordered, order = x.sort()
    starts = torch.cat([torch.ones_like(ordered[:1], dtype=torch.bool), ordered[1:] != ordered[:-1]])
    run = starts.cumsum(0) - 1  # the run each sorted value belongs to: 0, 1, ...
    counts = torch.zeros(n, dtype=torch.long, device=x.device).scatter_add(0, run, torch.ones_like(run))
    shared = counts.cumsum(0).to(dtype) - (counts.to(dtype) - 1) / 2
    ranks = torch.empty(n, dtype=dtype, device=x.device).scatter(0, order, shared[run])
    return torch.where(x.isnan().any(), torch.nan, ranks) if x.is_floating_point() else ranks


def pearson_columns(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of each column of ``x`` [N, D] with the same column of ``y``.

    NaN for a column where either side is constant (the correlation is undefined there).
    """
    xc = x - x.mean(0)
    yc = y - y.mean(0)
    r = (xc * yc).sum(0) / torch.sqrt((xc * xc).sum(0) * (yc * yc).sum(0))
    constant = (x.amin(0) == x.amax(0)) | (y.amin(0) == y.amax(0))
    return torch.where(constant, torch.nan, r.clamp(-1.0, 1.0))


def pearson_1d(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of two 1-D tensors (0-d result, NaN if either is constant or empty)."""
    if x.numel() == 0:
        return nan_like(x)
    return pearson_columns(x[:, None], y[:, None])[0]


def quantiles(x: torch.Tensor, levels: Sequence[float]) -> torch.Tensor:
    """The quantiles of ``x`` at ``levels`` (each in [0, 1]), linearly interpolated as ``numpy.quantile``.

    Uses order statistics (``torch.kthvalue``, linear time) instead of a full sort, and unlike
    ``torch.quantile`` has no input-size limit. NaN for an empty ``x``.
    """
    if not all(0.0 <= q <= 1.0 for q in levels):
        raise ValueError(f"quantile levels must lie in [0, 1], got {list(levels)}")
    values = x.reshape(-1)
    n = values.numel()
    if n == 0:
        return torch.full((len(levels),), float("nan"), dtype=x.dtype, device=x.device)
    results = []
    for q in levels:
        position = q * (n - 1)
        lower = int(position)
        low = torch.kthvalue(values, lower + 1).values
        high = torch.kthvalue(values, lower + 2).values if lower + 1 < n else low
        results.append(torch.lerp(low, high, position - lower))
    return torch.stack(results)

"""One run's interval by resampling its test examples: a seeded bootstrap on the device, vectorised.

A metric registered ``per_example`` is a function of independent examples along the first
dimension, so drawing N examples with replacement B times and scoring each draw gives its sampling
distribution (Efron & Tibshirani 1993, ch. 13); the interval is the percentile interval of the
B values (``vifspec.verdict.stats.percentile_interval``). Every per-example input is indexed by the
same draw. A metric that is the mean of per-example values (the mean cosine, the offset margin; R@k,
each query's hit scored against *all* candidates of the split) carries ``per_example_values``: its
values are computed once and each draw is a mean of them, which is cheaper (N numbers gathered, not
N vectors) and, for R@k, keeps the candidate pool whole; a pool drawn with the queries would hold
~63% distinct candidates and shift the interval. A metric that is another statistic of a few
numbers per example (the bins delta: each sample's forward and copy-last cosines) carries
``per_example_features = (features, statistic)``: the features are computed once and each draw
scores the statistic on its rows.

How the B evaluations run: the metric is called inside ``vifspec.metrics._common.tensor_results``,
where the built-in metrics return their 0-d result tensor instead of calling ``.item()``. On an
accelerator, and on a CPU for small splits, chunks of index sets are batched with
``torch.func.vmap`` when every op of the metric has a batching rule (accuracy, precision, QWK,
MAE, R², AUC, Spearman ...). A metric that cannot be batched (data-dependent shapes such as
``torch.unique`` in the minority recall's classes, or a plugin that returns a float), and every
metric on a CPU for larger splits, is called once per resample instead, without a host sync per
call where it returns a tensor. Both paths see the same index sets and give the same values.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import torch

from vifspec.metrics._common import as_tensor, common_device, float_dtype, tensor_results
from vifspec.verdict.stats import DEFAULT_CONFIDENCE, NONE, TEST_RESAMPLING, Interval, percentile_interval

DEFAULT_RESAMPLES = 1000
DRAW_ELEMENTS = 1 << 24
CHUNK_ELEMENTS = 1 << 24
MAX_CHUNK = 16
CPU_VMAP_ELEMENTS = 1 << 16
"""On a CPU, ``vmap`` is tried when one resample gathers at most this many input elements."""
METHOD = "bootstrap percentile"


@dataclass(frozen=True)
class Resampled:
    """The metric on each of B resamples (``values``: float64 on the CPU, NaN where it is undefined),
    their percentile ``interval`` around the metric on the whole split, and whether ``vmap`` batched it."""

    values: torch.Tensor
    interval: Interval
    vectorised: bool


def resample_indices(n: int, resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                     device: torch.device | str | None = None) -> Iterator[torch.Tensor]:
    """The bootstrap's index sets, in order, as ``[rows, n]`` int64 blocks on ``device``: uniform draws
    from ``0..n-1`` by one ``torch.Generator(device).manual_seed(seed)``, ``max(1, 2^24 // n)`` rows
    per draw (the last block smaller). ``torch.cat`` of the blocks is the ``[resamples, n]`` index matrix.

    The same arguments give the same indices on the same device type; CPU and CUDA generators
    differ, so resample on the same device type to reproduce an interval.
    """
    if n < 1 or resamples < 1:
        raise ValueError(f"need n >= 1 and resamples >= 1, got n={n}, resamples={resamples}")
    device = torch.device(device or "cpu")
    generator = torch.Generator(device=device).manual_seed(seed)
    step = max(1, DRAW_ELEMENTS // n)
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        yield torch.randint(0, n, (rows, n), generator=generator, device=device)


def resample_metric(metric: Callable[..., Any], inputs: Mapping[str, Any], params: Mapping[str, Any] | None = None,
                    *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0, confidence: float = DEFAULT_CONFIDENCE,
                    chunk: int | None = None, vectorise: bool | None = None) -> Resampled:
    """Bootstrap ``metric(**inputs, **params)`` over the examples of ``inputs``.

    ``inputs``: the per-example tensors (or array-likes), all of length N along the first dimension,
    resampled together; ``params``: passed through unchanged (``k``, ``threshold``, a constant).
    Runs on the device of the first tensor input, with the index sets of :func:`resample_indices`.
    ``chunk``: resamples batched per ``vmap`` call (default: as many as keep the gathered inputs
    under 2^24 elements, between 1 and 16; halved when CUDA runs out of memory). The chunk never
    changes the values. ``vectorise``: try ``vmap`` (True) or call the metric once per resample
    (False: the same values, less memory); by default ``vmap`` on an accelerator, where it saves
    kernel launches, and on a CPU for small splits (at most :data:`CPU_VMAP_ELEMENTS` input
    elements per resample), where it saves Python's cost per call; the loop on a CPU for larger
    ones, where a chunk's intermediates fall out of cache (``benchmarks/resample_speed.py``).
    The interval's estimate is the metric on the whole split, ``n`` = N.
    """
    tensors = _per_example(inputs)
    n = next(iter(tensors.values())).shape[0]
    params = dict(params or {})
    values_of = getattr(metric, "per_example_values", None)
    if values_of is not None:
        return _resample_values(metric, values_of, tensors, params, resamples, seed, confidence)
    staged = getattr(metric, "per_example_features", None)
    if staged is not None:  # (features of each example, the statistic of them): draw the features
        features_of, statistic = staged
        with torch.no_grad():
            features = as_tensor(features_of(**tensors, **params))
        return resample_metric(statistic, {"features": features}, params, resamples=resamples, seed=seed,
                               confidence=confidence, chunk=chunk, vectorise=vectorise)
    width = sum(t[0].numel() for t in tensors.values())
    chunk = chunk or min(MAX_CHUNK, max(1, CHUNK_ELEMENTS // (width * n)))
    device = next(iter(tensors.values())).device
    if vectorise is None:
        vectorise = device.type != "cpu" or width * n <= CPU_VMAP_ELEMENTS
    evaluate = _Evaluator(metric, tensors, params, chunk, vectorise)
    estimate = _number(metric(**tensors, **params))
    with torch.no_grad(), tensor_results():
        values = torch.cat([evaluate(block) for block in resample_indices(n, resamples, seed, device)])
    values = values.cpu().to(torch.float64)
    interval = percentile_interval(values.numpy(), estimate, n, confidence, TEST_RESAMPLING, NONE, METHOD)
    return Resampled(values, interval, bool(evaluate.batched))


def _resample_values(metric: Callable[..., Any], values_of: Callable[..., Any], tensors: Mapping[str, torch.Tensor],
                     params: Mapping[str, Any], resamples: int, seed: int, confidence: float) -> Resampled:
    """The bootstrap of a mean of per-example values (``metric.per_example_values``), each draw a mean of
    them. An example holding several values (``[N, T, D]`` vectors: T cosines) is drawn whole."""
    estimate = _number(metric(**tensors, **params))
    n = next(iter(tensors.values())).shape[0]
    with torch.no_grad():
        per_example = as_tensor(values_of(**tensors, **params))
        per_example = per_example.reshape(n, -1).to(float_dtype(per_example.device)).mean(dim=1)
        values = torch.cat([per_example[block].mean(dim=1) for block in resample_indices(n, resamples, seed, per_example.device)])
    values = values.cpu().to(torch.float64)
    interval = percentile_interval(values.numpy(), estimate, n, confidence, TEST_RESAMPLING, NONE, METHOD)
    return Resampled(values, interval, True)


def _per_example(inputs: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """The inputs as tensors on one device, checked to share their first dimension."""
    if not inputs:
        raise ValueError("resampling needs at least one per-example input")
    device = common_device(*inputs.values())
    tensors = {name: as_tensor(value, device) for name, value in inputs.items()}
    lengths = {name: (t.shape[0] if t.ndim else None) for name, t in tensors.items()}
    if None in lengths.values() or len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(f"per-example inputs must share a non-zero first dimension, got lengths {lengths}; "
                         "pass scalars and parameters in params")
    return tensors


class _Evaluator:
    """The metric on blocks of index sets: batched with ``vmap`` while that works, else one call per row."""

    def __init__(self, metric: Callable[..., Any], tensors: Mapping[str, torch.Tensor], params: Mapping[str, Any],
                 chunk: int, vectorise: bool) -> None:
        self.metric, self.tensors, self.params, self.chunk = metric, tensors, params, chunk
        self.batched: bool | None = None if vectorise else False  # None: not tried yet

    def __call__(self, block: torch.Tensor) -> torch.Tensor:
        results, start = [], 0
        while start < block.shape[0]:
            rows = block[start : start + self.chunk]
            try:
                results.append(self._evaluate(rows))
            except torch.cuda.OutOfMemoryError:
                if self.chunk == 1:
                    raise
                torch.cuda.empty_cache()
                self.chunk //= 2  # retry these rows in a smaller chunk: the values stay the same
                continue
            start += rows.shape[0]
        return torch.cat(results)

    def _evaluate(self, rows: torch.Tensor) -> torch.Tensor:
        if self.batched is not False:
            result = self._batched(rows)
            self.batched = result is not None
            if result is not None:
                return result
        return self._looped(rows)

    def _call(self, rows: torch.Tensor) -> Any:
        return self.metric(**{name: tensor[rows] for name, tensor in self.tensors.items()}, **self.params)

    def _batched(self, index: torch.Tensor) -> torch.Tensor | None:
        """The metric on every row of ``index`` through ``torch.func.vmap``; ``None`` when it cannot be batched."""
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="There is a performance drop")
                result = torch.func.vmap(self._call)(index)
        except torch.cuda.OutOfMemoryError:
            raise
        except Exception:  # noqa: BLE001 - no batching rule, data-dependent control flow, a float result...
            return None  # ...: the loop then makes the same calls and raises any genuine error itself
        if not isinstance(result, torch.Tensor) or result.shape != index.shape[:1]:
            return None
        return result.to(float_dtype(index.device))

    def _looped(self, index: torch.Tensor) -> torch.Tensor:
        """The metric on each row of ``index`` in turn (0-d tensor results are stacked without a host sync)."""
        dtype, results = float_dtype(index.device), []
        for rows in index:
            value = self._call(rows)
            if isinstance(value, torch.Tensor) and value.numel() == 1:
                results.append(value.reshape(()).to(dtype))
            else:
                results.append(torch.tensor(_number(value), dtype=dtype, device=index.device))
        return torch.stack(results)


def _number(value: Any) -> float:
    """A metric's result as a float; anything but one number is an error."""
    if (isinstance(value, torch.Tensor) and value.numel() == 1) or isinstance(value, (int, float)):
        return float(value)
    raise ValueError(f"resampling needs a metric that returns one number, got {type(value).__name__}")

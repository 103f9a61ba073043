"""Statistics of one output's distribution: level, dispersion, group structure, percentiles.

Used on model outputs and learned parameters (seed 001: per-sample learning gains must not
collapse to a constant; seed 003: P95 latency). Inputs of any shape are flattened. Standard
deviations are population ones (``ddof = 0``, as ``numpy.std``).
"""

from __future__ import annotations

from typing import Any

import torch

from vifspec.metrics._common import as_float, as_pair, quantiles, to_float


def _cv(x: torch.Tensor) -> torch.Tensor:
    return x.std(correction=0) / x.mean().abs()


def mean_value(x: Any) -> float:
    """Mean of all values: ``sum(x) / N``.

    Reference: ``numpy.mean``. The direction is nominal (criteria state the target): Higher is better.
    """
    return to_float(as_float(x).mean())


def dispersion_std(x: Any) -> float:
    """Population standard deviation ``sqrt(mean((x - mean(x))^2))`` (``numpy.std``).

    A spread that must not collapse, e.g. "Gain Std > 0.10" (seed 001). Reference: ``numpy.std``.
    Higher is better.
    """
    return to_float(as_float(x).std(correction=0))


def dispersion_cv(x: Any) -> float:
    """Coefficient of variation ``std(x) / |mean(x)|`` (more differentiated values score higher).

    NaN or inf when the mean is 0. Reference: ``scipy.stats.variation`` (which divides by the signed
    mean). Higher is better.
    """
    return to_float(_cv(as_float(x).reshape(-1)))


def group_cv(x: Any, groups: Any) -> float:
    """Coefficient of variation of the per-group means: ``std(m_g) / |mean(m_g)|``, ``m_g = mean(x[groups == g])``.

    ``groups`` holds integer ids (e.g. skill ids); every group present counts once ("CV of skill
    means > 0.20", seed 001). Reference: pandas ``x.groupby(groups).mean()``, then
    ``std(ddof=0) / |mean|``. Higher is better.
    """
    values, ids = as_pair(x, groups, as_float)
    _, inverse, counts = torch.unique(ids, return_inverse=True, return_counts=True)
    sums = torch.zeros(counts.numel(), dtype=values.dtype, device=values.device)
    sums.index_add_(0, inverse, values)
    return to_float(_cv(sums / counts))


def conditional_ratio(x: Any, condition: Any) -> float:
    """``mean(x[condition == 1]) / mean(x[condition == 0])``; samples with other conditions are ignored.

    E.g. learning gains after correct vs incorrect responses ("ratio > 1.2", seed 001). NaN when
    either side has no sample. Reference: the response-conditional gain ratio of seed 001.
    Higher is better.
    """
    values, cond = as_pair(x, condition, as_float)
    return to_float(values[cond == 1].mean() / values[cond == 0].mean())


def percentile(x: Any, q: float = 95.0) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation (``numpy.percentile`` default).

    E.g. P95 latency (seed 003). Reference: ``numpy.percentile``. Registered for latency:
    Lower is better.
    """
    return to_float(quantiles(as_float(x), (q / 100.0,))[0])

"""Interval estimates over seeds: aggregates, Student t and bootstrap intervals, paired and unpaired differences.

Torch-free (Python and numpy). Every function is pure and deterministic: a bootstrap draws its
resamples from ``numpy.random.default_rng(seed)``. Why the defaults are what they are (Student t for
the mean; percentile bootstrap when another aggregate is declared) is argued in ``docs/uncertainty.md``.

References: Student 1908; Welch 1947; Efron & Tibshirani 1993, *An Introduction to the Bootstrap*
(chapters 13-14); Agarwal et al. 2021, "Deep Reinforcement Learning at the Edge of the Statistical
Precipice" (rliable: IQM). The results agree with ``scipy.stats`` (``t.interval``, ``bootstrap``,
``ttest_rel``, ``ttest_ind``, ``trim_mean``) to 1e-9 (see ``tests/verdict/test_stats.py``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from statistics import NormalDist
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from vifspec.verdict.student_t import t_quantile

SEEDS, TEST_RESAMPLING, NONE = "seeds", "test resampling", "none"
T, BOOTSTRAP, PERCENTILE, BCA = "t", "bootstrap", "percentile", "bca"
WELCH_T, PAIRED = "welch t", "paired"
AGGREGATES = ("mean", "median", "iqm")
METHODS = (T, BOOTSTRAP)
BOOTSTRAP_VARIANTS = (PERCENTILE, BCA)
DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 10_000
_AGREE = "the seeds agree exactly: the interval is the value itself"


@dataclass(frozen=True)
class Interval:
    """An estimate (``value``) with its confidence interval, and what uncertainty the interval expresses.

    ``low``/``high`` are ``None`` when there is no interval (one seed, nothing to resample): the
    value then stands alone and is never dressed up as a zero-width interval. ``n`` counts the
    independent units the interval rests on: seeds for ``kind == "seeds"``, test examples for
    ``kind == "test resampling"``. ``method`` names the construction (``"t"``, ``"welch t"``,
    ``"bootstrap percentile"``, ``"bootstrap bca"``, prefixed ``"paired "`` for per-seed
    differences; ``"none"``). ``resamples`` is the bootstrap's B and ``undefined`` how many of them
    gave no value (NaN: e.g. a resample with a single class for AUC); the interval is taken over the
    defined ones. ``note`` says anything a reader should know (why there is no interval).
    ``Interval(value, n=3)`` is a bare estimate without an interval.
    """

    value: float
    low: float | None = None
    high: float | None = None
    n: int = 1
    confidence: float = DEFAULT_CONFIDENCE
    method: str = NONE
    kind: str = NONE
    aggregate: str = "mean"
    resamples: int | None = None
    undefined: int = 0
    note: str = ""

    @classmethod
    def point(cls, value: float, n: int, note: str, aggregate: str = "mean",
              confidence: float = DEFAULT_CONFIDENCE) -> Interval:
        """A value without an interval (``kind == "none"``), ``note`` saying why."""
        return cls(float(value), None, None, n, confidence, NONE, NONE, aggregate, note=note)

    @property
    def has_interval(self) -> bool:
        """Whether there is an interval (``low`` and ``high`` are numbers)."""
        return self.low is not None and self.high is not None

    @property
    def label(self) -> str:
        """Which uncertainty this is, for a report: ``"seeds, n = 5"``, ``"test resampling, 1 seed"``, ``"none"``."""
        if self.kind == SEEDS:
            return f"seeds, n = {self.n}"
        if self.kind == TEST_RESAMPLING:
            return "test resampling, 1 seed"
        return NONE

    def contains(self, value: float) -> bool:
        """``low <= value <= high`` (False without an interval)."""
        return self.has_interval and self.low <= value <= self.high

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: a non-finite value or bound is written as ``None``."""
        data = asdict(self)
        for key in ("value", "low", "high"):
            value = data[key]
            data[key] = value if value is not None and math.isfinite(value) else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Interval:
        """The inverse of :meth:`to_dict`; ``ValueError`` names unknown or missing keys."""
        values = dict(data)
        unknown = sorted(set(values) - {field.name for field in fields(cls)})
        if unknown:
            raise ValueError(f"an interval has no keys {unknown}")
        if values.get("value") is None:
            values["value"] = math.nan
        try:
            return cls(**values)
        except TypeError as error:
            raise ValueError(f"malformed interval: {error}") from None


# ------------------------------------------------------------------------------------ aggregates


def iqm(values: Any, axis: int = -1) -> np.ndarray | float:
    """Interquartile mean as rliable defines it: ``scipy.stats.trim_mean(values, 0.25)``.

    The ``k = floor(0.25 n)`` smallest and ``k`` largest values are dropped and the rest averaged
    (whole values, no fractional weights): with 3 seeds nothing is dropped (IQM = mean), with 4 it is
    the mean of the middle two (= median), with 5-7 the extremes go, with 8 two from each end.
    Reference: Agarwal et al. 2021 (rliable ``aggregate_iqm``).
    """
    array = np.sort(np.asarray(values, dtype=float), axis=axis)
    n = array.shape[axis]
    cut = int(0.25 * n)
    return np.mean(np.take(array, np.arange(cut, n - cut), axis=axis), axis=axis)


AGGREGATE_FUNCTIONS: dict[str, Callable[..., Any]] = {"mean": np.mean, "median": np.median, "iqm": iqm}


def aggregate(values: Sequence[float], how: str = "mean") -> float:
    """The per-seed values reduced to one number: ``"mean"``, ``"median"`` (numpy: the middle value,
    or the mean of the two middle values) or ``"iqm"`` (:func:`iqm`)."""
    return float(_aggregate_function(how)(finite_values(values), axis=-1))


def _aggregate_function(how: str) -> Callable[..., Any]:
    if how not in AGGREGATE_FUNCTIONS:
        raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, got {how!r}")
    return AGGREGATE_FUNCTIONS[how]


def finite_values(values: Sequence[float]) -> np.ndarray:
    """``values`` as a 1-D float array; non-finite values are an error (a missing seed is never dropped)."""
    array = np.asarray(values, dtype=float).reshape(-1)
    if array.size == 0:
        raise ValueError("no values")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"values at positions {bad.tolist()} are missing or not finite; judge them MISSING first")
    return array


# ---------------------------------------------------------------------------------- seed intervals


def t_interval(values: Sequence[float], confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Student t interval for the mean of per-seed values: ``x̄ ± t_{1-α/2, n-1} · s / √n``.

    ``s`` is the sample standard deviation (``n - 1`` in the denominator), ``α = 1 - confidence``.
    Exact for normally distributed seeds, and at n = 3-10 the only interval here whose coverage
    holds near its nominal level (docs/uncertainty.md). One value: no interval. All values equal:
    the interval is that value (the seeds agree exactly). Reference: Student 1908;
    ``scipy.stats.t.interval(confidence, n - 1, loc=x̄, scale=s / √n)``.
    """
    array = finite_values(values)
    n, mean = array.size, float(np.mean(array))
    _check_confidence(confidence)
    if n < 2:
        return Interval.point(mean, n, "one seed: no spread to estimate an interval from", confidence=confidence)
    if _constant(array):
        value = float(array[0])
        return Interval(value, value, value, n, confidence, T, SEEDS, note=_AGREE)
    half = t_quantile(0.5 + confidence / 2, n - 1) * float(np.std(array, ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, confidence, T, SEEDS)


def bootstrap_indices(n: int, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> np.ndarray:
    """The ``[resamples, n]`` index sets of a bootstrap: ``default_rng(seed).integers(0, n, (resamples, n))``,
    the same draws ``scipy.stats.bootstrap(..., rng=np.random.default_rng(seed))`` makes."""
    return np.random.default_rng(seed).integers(0, n, (resamples, n))


def bootstrap_interval(values: Sequence[float], confidence: float = DEFAULT_CONFIDENCE, aggregate: str = "mean",
                       variant: str = PERCENTILE, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Interval:
    """Bootstrap interval of any aggregate of per-seed values (Efron & Tibshirani 1993, ch. 13-14).

    ``B = resamples`` index sets from :func:`bootstrap_indices`; ``θ*_b`` is the aggregate of
    resample b. ``"percentile"``: the ``α/2`` and ``1 - α/2`` quantiles of ``θ*`` (linear
    interpolation). ``"bca"``: the quantiles at ``Φ(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))`` for
    ``z_q = ±z_{1-α/2}``, with bias ``z0 = Φ^{-1}(#{θ* < θ̂}/B + #{θ* = θ̂}/(2B))`` and acceleration
    ``a = Σ U_i³ / (6 (Σ U_i²)^{3/2})`` from the jackknife ``U_i = (n - 1)(θ̄_(·) - θ̂_(i))``.
    Both are too narrow at n = 3-5 seeds (docs/uncertainty.md). Deterministic for a ``seed``; equal
    to ``scipy.stats.bootstrap((values,), statistic, method=variant, n_resamples=B,
    rng=np.random.default_rng(seed))``.
    """
    array = finite_values(values)
    return _bootstrap((array,), _aggregate_function(aggregate), confidence, aggregate, variant, resamples, seed)


def seed_interval(values: Sequence[float], confidence: float = DEFAULT_CONFIDENCE, aggregate: str = "mean",
                  method: str = T, variant: str = PERCENTILE, resamples: int = DEFAULT_RESAMPLES,
                  seed: int = 0) -> Interval:
    """The interval a criterion is judged on: :func:`t_interval` (``method="t"``, the mean only) or
    :func:`bootstrap_interval` (``method="bootstrap"``, any aggregate of :data:`AGGREGATES`)."""
    check_settings(aggregate, method, variant)
    if method == T:
        return t_interval(values, confidence)
    return bootstrap_interval(values, confidence, aggregate, variant, resamples, seed)


def check_settings(aggregate: str = "mean", method: str = T, variant: str = PERCENTILE,
                   confidence: float = DEFAULT_CONFIDENCE) -> None:
    """Raise ``ValueError`` for an unknown aggregate, method or bootstrap variant, a confidence outside
    (0, 1), or the t method with an aggregate other than the mean (the t interval is the mean's)."""
    _check_confidence(confidence)
    _aggregate_function(aggregate)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if variant not in BOOTSTRAP_VARIANTS:
        raise ValueError(f"bootstrap variant must be one of {', '.join(BOOTSTRAP_VARIANTS)}, got {variant!r}")
    if method == T and aggregate != "mean":
        raise ValueError(f"the t interval is for the mean; aggregate {aggregate!r} needs method 'bootstrap'")


def paired_difference(x: Sequence[float], y: Sequence[float], confidence: float = DEFAULT_CONFIDENCE,
                      aggregate: str = "mean", method: str = T, variant: str = PERCENTILE,
                      resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Interval:
    """Interval of ``x - y`` for arms that share seeds: :func:`seed_interval` of the per-seed
    differences ``d_i = x_i - y_i`` (position i is seed i in both). The shared seed's luck cancels,
    so this is narrower than :func:`unpaired_difference` whenever the arms' seeds correlate.
    With the t method it is ``scipy.stats.ttest_rel(x, y).confidence_interval(confidence)``.
    """
    a, b = finite_values(x), finite_values(y)
    if a.size != b.size:
        raise ValueError(f"paired values need one per seed on both sides, got {a.size} and {b.size}")
    interval = seed_interval(a - b, confidence, aggregate, method, variant, resamples, seed)
    return interval if not interval.has_interval else replace(interval, method=f"{PAIRED} {interval.method}")


def unpaired_difference(x: Sequence[float], y: Sequence[float], confidence: float = DEFAULT_CONFIDENCE,
                        aggregate: str = "mean", method: str = T, variant: str = PERCENTILE,
                        resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Interval:
    """Interval of ``agg(x) - agg(y)`` for independent samples (seeds not shared).

    ``method="t"``: Welch's interval ``x̄ - ȳ ± t_{1-α/2, ν} · √(s_x²/n_x + s_y²/n_y)`` with the
    Welch-Satterthwaite ``ν = (s_x²/n_x + s_y²/n_y)² / ((s_x²/n_x)²/(n_x-1) + (s_y²/n_y)²/(n_y-1))``
    (Welch 1947; ``scipy.stats.ttest_ind(x, y, equal_var=False).confidence_interval``).
    ``method="bootstrap"``: x and y resampled independently (x first, from one generator), as
    ``scipy.stats.bootstrap((x, y), ..., paired=False)``. A side with a single value (a baseline
    given as one number) is taken as exact: the interval is that of the other side, shifted, and its
    ``note`` says so. n is ``n_x + n_y``.
    """
    a, b = finite_values(x), finite_values(y)
    check_settings(aggregate, method, variant)
    if min(a.size, b.size) == 1:
        return _against_single_value(a, b, confidence, aggregate, method, variant, resamples, seed)
    if method == BOOTSTRAP:
        function = _aggregate_function(aggregate)
        difference = lambda u, v, axis=-1: function(u, axis=axis) - function(v, axis=axis)  # noqa: E731
        return _bootstrap((a, b), difference, confidence, aggregate, variant, resamples, seed)
    _check_confidence(confidence)
    return _welch(a, b, confidence)


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> Interval:
    estimate, n = float(np.mean(a) - np.mean(b)), a.size + b.size
    if _constant(a) and _constant(b):
        estimate = float(a[0] - b[0])
        return Interval(estimate, estimate, estimate, n, confidence, WELCH_T, SEEDS, note=_AGREE)
    va, vb = float(np.var(a, ddof=1)) / a.size, float(np.var(b, ddof=1)) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = t_quantile(0.5 + confidence / 2, df) * math.sqrt(va + vb)
    return Interval(estimate, estimate - half, estimate + half, n, confidence, WELCH_T, SEEDS,
                    note=f"{a.size} vs {b.size} seeds, {df:.1f} degrees of freedom")


def _against_single_value(a: np.ndarray, b: np.ndarray, confidence: float, aggregate: str, method: str,
                          variant: str, resamples: int, seed: int) -> Interval:
    """``x - y`` when one side is a single value, which is taken as exact."""
    if a.size == 1 and b.size == 1:
        return Interval.point(float(a[0] - b[0]), 2, "one value on each side: no interval", aggregate, confidence)
    sign = 1.0 if b.size == 1 else -1.0
    spread, single = (a, b[0]) if b.size == 1 else (b, a[0])
    shifted = seed_interval(sign * (spread - single), confidence, aggregate, method, variant, resamples, seed)
    side = "the second" if b.size == 1 else "the first"
    return Interval(shifted.value, shifted.low, shifted.high, shifted.n + 1, confidence, shifted.method,
                    SEEDS, aggregate, shifted.resamples, note=f"{side} side is one value, taken as exact")


# ------------------------------------------------------------------------------------- bootstrap


def percentile_interval(resampled: Any, value: float, n: int, confidence: float = DEFAULT_CONFIDENCE,
                        kind: str = SEEDS, aggregate: str = "mean", method: str = f"{BOOTSTRAP} {PERCENTILE}",
                        levels: tuple[float, float] | None = None) -> Interval:
    """The interval between two quantiles (default ``α/2`` and ``1 - α/2``; numpy's linear
    interpolation) of the resampled statistics, around ``value`` (the statistic on the data itself).
    NaN-aware: undefined (NaN) resamples are left out and counted in ``undefined``; when none is
    defined there is no interval.
    Used for the bootstrap over seeds and, by ``vifspec.executor.resample``, over test examples.
    """
    _check_confidence(confidence)
    values = np.asarray(resampled, dtype=float).reshape(-1)
    defined = values[~np.isnan(values)]
    undefined = int(values.size - defined.size)
    if defined.size == 0:
        return Interval.point(value, n, f"the statistic is undefined on all {values.size} resamples",
                              aggregate, confidence)
    alpha = 1.0 - confidence
    low, high = np.quantile(defined, levels or (alpha / 2, 1 - alpha / 2))
    note = f"undefined on {undefined} of {values.size} resamples; the interval is over the rest" if undefined else ""
    return Interval(float(value), float(low), float(high), n, confidence, method, kind, aggregate,
                    int(values.size), undefined, note)


def _bootstrap(samples: tuple[np.ndarray, ...], statistic: Callable[..., Any], confidence: float, aggregate: str,
               variant: str, resamples: int, seed: int) -> Interval:
    """Percentile or BCa interval of ``statistic(*samples)``, each sample resampled independently."""
    _check_confidence(confidence)
    check_settings(aggregate, BOOTSTRAP, variant)
    estimate, n = float(statistic(*samples, axis=-1)), sum(sample.size for sample in samples)
    if any(sample.size < 2 for sample in samples):
        return Interval.point(estimate, n, "one seed: no spread to resample", aggregate, confidence)
    if all(_constant(sample) for sample in samples):
        return Interval(estimate, estimate, estimate, n, confidence, f"{BOOTSTRAP} {variant}", SEEDS, aggregate,
                        resamples, note=_AGREE)
    rng = np.random.default_rng(seed)
    theta = statistic(*(sample[rng.integers(0, sample.size, (resamples, sample.size))] for sample in samples),
                      axis=-1)
    method = f"{BOOTSTRAP} {variant}"
    levels = _bca_levels(samples, statistic, theta, estimate, confidence) if variant == BCA else None
    if levels is not None and not all(0.0 < level < 1.0 for level in levels):
        return Interval.point(estimate, n, "BCa is undefined here (the estimate lies outside every resample)",
                              aggregate, confidence)
    return percentile_interval(theta, estimate, n, confidence, SEEDS, aggregate, method, levels)


def _bca_levels(samples: tuple[np.ndarray, ...], statistic: Callable[..., Any], theta: np.ndarray, estimate: float,
                confidence: float) -> tuple[float, float]:
    """BCa's adjusted quantile levels (Efron & Tibshirani 1993, section 14.3; several samples as scipy does).

    NaN levels when the estimate lies below or above every resample; no acceleration (``a = 0``)
    when the jackknife values are all equal (scipy returns NaN there).
    """
    normal = NormalDist()
    below = (np.count_nonzero(theta < estimate) + np.count_nonzero(theta <= estimate)) / (2 * theta.size)
    if not 0.0 < below < 1.0:
        return math.nan, math.nan
    z0 = normal.inv_cdf(below)
    cubes = squares = 0.0
    for j, sample in enumerate(samples):
        jackknife = np.array([statistic(*samples[:j], np.delete(sample, i), *samples[j + 1:], axis=-1)
                              for i in range(sample.size)])
        u = (sample.size - 1) * (jackknife.mean() - jackknife)
        cubes += np.sum(u**3) / sample.size**3
        squares += np.sum(u**2) / sample.size**2
    acceleration = cubes / (6 * squares**1.5) if squares > 0 else 0.0
    z = normal.inv_cdf(0.5 + confidence / 2)
    return tuple(normal.cdf(z0 + (z0 + zq) / (1 - acceleration * (z0 + zq))) for zq in (-z, z))


def _constant(values: np.ndarray) -> bool:
    return bool(np.all(values == values[0]))


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")

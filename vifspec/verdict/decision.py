"""What an interval decides, how many seeds would decide it, and how two arms' per-seed values compare.

Torch-free (Python and numpy). :func:`decide` turns an :class:`~vifspec.verdict.stats.Interval` and a
criterion's comparison into PASS / FAIL / INCONCLUSIVE; :func:`seeds_needed` says roughly how many
seeds would make an INCONCLUSIVE criterion decisive; :func:`probability_of_improvement` (rliable) and
:func:`almost_stochastic_order` (deep-significance) compare two arms' score distributions.
References: Agarwal et al. 2021 (rliable); del Barrio et al. 2018, Dror et al. 2019 and Ulmer et al.
2022 (Almost Stochastic Order, deep-significance).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Sequence

import numpy as np

from vifspec.expr import compare
from vifspec.verdict.status import FAIL, INCONCLUSIVE, MISSING, PASS
from vifspec.verdict.stats import DEFAULT_CONFIDENCE, Interval, finite_values
from vifspec.verdict.student_t import t_quantile

OPERATORS = (">", ">=", "<", "<=", "==")
_PASSING_END = {">": "high", ">=": "high", "<": "low", "<=": "low"}


def decide(interval: Interval, op: str, target: float) -> str:
    """PASS, FAIL or INCONCLUSIVE for the criterion ``value op target`` judged on ``interval``.

    PASS when every point of ``[low, high]`` satisfies ``op target``, FAIL when none does,
    INCONCLUSIVE when the interval straddles the target. For ``==`` no interval of positive width
    can PASS (equality is never established by noisy data); it FAILs when the target lies outside.
    Without an interval the estimate alone decides (PASS or FAIL, today's point verdict); a
    non-finite estimate or target is MISSING. Comparisons count values within a relative 1e-9 as
    equal, as the criterion language does (:func:`vifspec.expr.compare`).
    """
    if op not in OPERATORS:
        raise ValueError(f"op must be one of {' '.join(OPERATORS)}, got {op!r}")
    if not (math.isfinite(interval.value) and math.isfinite(target)):
        return MISSING
    if not interval.has_interval:
        return PASS if compare(op, interval.value, target) else FAIL
    low, high = interval.low, interval.high
    if compare(op, low, target) and compare(op, high, target):
        return PASS
    if op == "==":
        return FAIL if compare(">", low, target) or compare("<", high, target) else INCONCLUSIVE
    passing_end = high if _PASSING_END[op] == "high" else low
    return INCONCLUSIVE if compare(op, passing_end, target) else FAIL


def within_noise(interval: Interval) -> bool | None:
    """Whether a difference's interval contains zero (``low <= 0 <= high``): the change cannot be told
    from noise at the interval's confidence. ``None`` when there is no interval to say it with."""
    return interval.contains(0.0) if interval.has_interval else None


def seeds_needed(spread: float, distance: float, confidence: float = DEFAULT_CONFIDENCE) -> int | None:
    """Roughly how many seeds would make a criterion decisive at the observed spread.

    The smallest ``n >= 2`` whose Student t half-width falls short of the distance to the target:
    ``t_{1-α/2, n-1} · s / √n < |x̄ - target|``, i.e. ``n > (t_{1-α/2, n-1} · s / |x̄ - target|)²``.
    Found from the normal approximation ``n_z = ⌈(z_{1-α/2} · s / |x̄ - target|)²⌉`` (a lower bound,
    as t > z) counting up until the t inequality holds. It assumes the mean and the spread stay as
    observed; for a median or IQM it is the same rough guide.

    ``spread``: the per-seed standard deviation ``s`` (``n - 1`` denominator) of the values, of the
    per-seed differences for paired arms, or ``√(s_x² + s_y²)`` for unpaired arms (the answer is then
    seeds per arm). ``distance``: ``x̄ - target`` (its sign is ignored). ``None`` when no number of
    seeds resolves it: the estimate sits at the target (distance 0), the spread is unknown (one
    seed: NaN) or the count would exceed 10^200. Zero spread away from the target gives 2, the fewest seeds an interval needs.
    """
    distance = abs(distance)
    if not (math.isfinite(spread) and math.isfinite(distance)) or distance == 0.0:
        return None
    if spread == 0.0:
        return 2
    level = 0.5 + confidence / 2
    ratio = NormalDist().inv_cdf(level) * spread / distance
    if ratio > 1e100:
        return None
    n = max(2, math.ceil(ratio**2))
    while t_quantile(level, n - 1) * spread / math.sqrt(n) >= distance:
        n += 1
    return n


def probability_of_improvement(x: Sequence[float], y: Sequence[float]) -> float:
    """``P(X > Y)``: the chance that a seed of arm x scores higher than a seed of arm y.

    ``(1 / (n m)) Σ_i Σ_j S(x_i, y_j)`` with ``S = 1`` if ``x_i > y_j``, ``1/2`` on a tie, ``0``
    otherwise: the Mann-Whitney ``U`` of x over ``n m`` (rliable's ``probability_of_improvement``
    for one task). 0.5 means no tendency; it reads "higher is better": for a lower-is-better metric
    pass the values negated. Reference: Agarwal et al. 2021; Mann & Whitney 1947.
    """
    a, b = finite_values(x), finite_values(y)
    greater = np.count_nonzero(a[:, None] > b[None, :])
    ties = np.count_nonzero(a[:, None] == b[None, :])
    return (greater + 0.5 * ties) / (a.size * b.size)


def violation_ratio(x: Sequence[float], y: Sequence[float], dt: float = 0.005) -> float:
    """How far "x is stochastically larger than y" is violated: ``ε_W2(F, G)`` in [0, 1].

    ``ε = ∫_{V} (F^{-1}(t) - G^{-1}(t))² dt / ∫_0^1 (F^{-1}(t) - G^{-1}(t))² dt`` over
    ``V = {t : F^{-1}(t) < G^{-1}(t)}``, F and G the empirical distributions of x and y, with the
    quantile function ``F^{-1}(t) = x_(⌈n t⌉)`` and the integral a sum over ``t = dt, 2dt, … < 1``.
    0: x dominates y everywhere; 1: y dominates x; 0.5 when the distributions coincide.
    Reference: del Barrio et al. 2018, Dror et al. 2019 (eq. 4-5); deep-significance
    ``compute_violation_ratio``, which leaves the first grid point out of the numerator only.
    """
    a, b = finite_values(x), finite_values(y)
    return float(_violation_ratios(np.sort(a)[None], np.sort(b)[None], dt)[0])


def almost_stochastic_order(x: Sequence[float], y: Sequence[float], confidence: float = DEFAULT_CONFIDENCE,
                            resamples: int = 1000, seed: int = 0, dt: float = 0.005) -> float:
    """Almost Stochastic Order: ``ε_min``, an upper confidence bound on :func:`violation_ratio` of x over y.

    ``ε_min = ε - σ̂ / c · Φ^{-1}(1 - confidence)`` clipped to [0, 1], with ``c = √(n m / (n + m))``
    and ``σ̂`` the standard deviation of ``c (ε*_b - ε)`` over ``resamples`` bootstrap resamples of
    both arms (``default_rng(seed)``, x's draw first). ``ε_min < 0.5``: x is almost stochastically
    larger than y; deep-significance recommends the stricter ``ε_min < 0.2`` (Ulmer et al. 2022).
    Higher is better: negate the values of a lower-is-better metric. Agrees with deep-significance's
    ``aso`` up to its own bootstrap noise. References: del Barrio et al. 2018; Dror et al. 2019.
    """
    a, b = finite_values(x), finite_values(y)
    ratio = _violation_ratios(np.sort(a)[None], np.sort(b)[None], dt)[0]
    rng = np.random.default_rng(seed)
    resampled = [np.sort(v[rng.integers(0, v.size, (resamples, v.size))], axis=1) for v in (a, b)]
    scale = math.sqrt(a.size * b.size / (a.size + b.size))
    sigma = float(np.std(scale * (_violation_ratios(*resampled, dt) - ratio)))
    bound = ratio - sigma / scale * NormalDist().inv_cdf(1.0 - confidence)
    return float(np.clip(bound, 0.0, 1.0))


def _violation_ratios(sorted_x: np.ndarray, sorted_y: np.ndarray, dt: float) -> np.ndarray:
    """:func:`violation_ratio` for each row of two ``[B, n]`` / ``[B, m]`` arrays of sorted values."""
    grid = np.arange(dt, 1.0, dt)
    quantile_x = sorted_x[:, _quantile_positions(sorted_x.shape[1], grid)]
    quantile_y = sorted_y[:, _quantile_positions(sorted_y.shape[1], grid)]
    squared = (quantile_y - quantile_x) ** 2
    total = squared.sum(axis=1) * dt
    violated = np.where(quantile_x < quantile_y, squared, 0.0).sum(axis=1) * dt
    return np.where(total > 0, violated / np.where(total > 0, total, 1.0), 0.5)


def _quantile_positions(n: int, levels: np.ndarray) -> np.ndarray:
    """0-based order-statistic positions ``⌈n t⌉ - 1`` (clipped) of the empirical quantile function."""
    return np.clip(np.ceil(n * levels).astype(int) - 1, 0, n - 1)

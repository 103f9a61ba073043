"""PASS / FAIL / INCONCLUSIVE from intervals, seeds needed, and arm comparisons checked against rliable and deepsig."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import rliable.metrics
import scipy.stats
from deepsig import aso
from deepsig.aso import compute_violation_ratio

from vifspec.verdict.decision import (
    INCONCLUSIVE, almost_stochastic_order, decide, probability_of_improvement, seeds_needed, violation_ratio,
    within_noise,
)
from vifspec.verdict.stats import Interval, t_interval


def span(low: float, high: float, estimate: float | None = None) -> Interval:
    middle = (low + high) / 2 if estimate is None else estimate
    return Interval(middle, low, high, 5, 0.95, "t", "seeds")


DECISIONS = [
    # (low, high, op, target, status)
    (0.60, 0.70, ">=", 0.5, "PASS"),
    (0.40, 0.45, ">=", 0.5, "FAIL"),
    (0.45, 0.55, ">=", 0.5, INCONCLUSIVE),
    (0.50, 0.60, ">=", 0.5, "PASS"),  # touching the target from the passing side
    (0.40, 0.50, ">=", 0.5, INCONCLUSIVE),  # its top end meets the target, which >= accepts
    (0.50, 0.60, ">", 0.5, INCONCLUSIVE),
    (0.40, 0.50, ">", 0.5, "FAIL"),
    (0.20, 0.25, "<=", 0.3, "PASS"),  # lower is better, e.g. MAE <= 0.3
    (0.25, 0.35, "<=", 0.3, INCONCLUSIVE),
    (0.31, 0.40, "<=", 0.3, "FAIL"),
    (0.20, 0.30, "<", 0.3, INCONCLUSIVE),
    (0.30, 0.40, "<", 0.3, "FAIL"),
    (0.10, 0.20, "<", 0.3, "PASS"),
    (0.50, 0.50, "==", 0.5, "PASS"),
    (0.40, 0.60, "==", 0.5, INCONCLUSIVE),
    (0.60, 0.70, "==", 0.5, "FAIL"),
    (0.30, 0.40, "==", 0.5, "FAIL"),
    (0.0999, 0.13, ">=", 0.10, INCONCLUSIVE),  # a +10pp between-arm target, barely straddled
    (0.1000000000001, 0.13, ">", 0.10, INCONCLUSIVE),  # within the language's 1e-9 equality tolerance
]


@pytest.mark.parametrize("low, high, op, target, status", DECISIONS)
def test_decision_table(low, high, op, target, status):
    assert decide(span(low, high), op, target) == status


def test_without_an_interval_the_estimate_decides():
    point = Interval.point(0.7051, 1, "one value")
    assert decide(point, ">", 0.7021) == "PASS"
    assert decide(point, "<", 0.7021) == "FAIL"
    assert decide(Interval.point(float("nan"), 3, "missing"), ">", 0.5) == "MISSING"
    assert decide(span(0.6, 0.7), ">", float("nan")) == "MISSING"


def test_decide_rejects_unknown_operators():
    with pytest.raises(ValueError, match="op must be"):
        decide(span(0.6, 0.7), "!=", 0.5)


def test_within_noise_reads_whether_zero_is_inside():
    assert within_noise(span(-0.01, 0.02)) is True
    assert within_noise(span(0.001, 0.02)) is False
    assert within_noise(span(-0.03, -0.01)) is False
    assert within_noise(Interval.point(0.003, 1, "one value")) is None


# ---------------------------------------------------------------------------------- seeds needed


def brute_force_seeds(spread: float, distance: float, confidence: float) -> int:
    level = 0.5 + confidence / 2
    n = 2
    while scipy.stats.t.ppf(level, n - 1) * spread / math.sqrt(n) >= distance:
        n += 1
    return n


@pytest.mark.parametrize("spread, distance", [(0.02, 0.01), (1.0, 1.0), (0.02, 0.03), (0.05, 0.004), (3.0, 0.4)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_seeds_needed_is_the_smallest_decisive_n(spread, distance, confidence):
    assert seeds_needed(spread, distance, confidence) == brute_force_seeds(spread, distance, confidence)
    assert seeds_needed(spread, -distance, confidence) == seeds_needed(spread, distance, confidence)


def with_mean_and_spread(n: int, mean: float, spread: float) -> np.ndarray:
    """n values whose mean and sample standard deviation are exactly ``mean`` and ``spread``."""
    z = np.linspace(-1.0, 1.0, n)
    return mean + spread * (z - z.mean()) / z.std(ddof=1)


def test_seeds_needed_resolves_a_constructed_inconclusive_criterion():
    values = with_mean_and_spread(3, 0.72, 0.03)  # criterion: mean >= 0.70
    assert decide(t_interval(values), ">=", 0.70) == INCONCLUSIVE
    n = seeds_needed(np.std(values, ddof=1), np.mean(values) - 0.70)
    assert n > 3
    assert decide(t_interval(with_mean_and_spread(n, 0.72, 0.03)), ">=", 0.70) == "PASS"
    assert decide(t_interval(with_mean_and_spread(n - 1, 0.72, 0.03)), ">=", 0.70) == INCONCLUSIVE


def test_seeds_needed_edge_cases():
    assert seeds_needed(0.02, 0.0) is None  # at the target: no number of seeds decides it
    assert seeds_needed(float("nan"), 0.01) is None  # one seed: spread unknown
    assert seeds_needed(0.0, 0.01) == 2  # the seeds agree exactly
    assert seeds_needed(1.0, 1e-200) is None  # beyond counting


# ---------------------------------------------------------------------------------- arm comparisons


@pytest.mark.parametrize("n, m, seed", [(3, 3, 0), (5, 8, 1), (10, 4, 2)])
def test_probability_of_improvement_matches_rliable(n, m, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0.71, 0.02, n).round(2), rng.normal(0.70, 0.02, m).round(2)  # rounding makes ties
    expected = rliable.metrics.probability_of_improvement(x[:, None], y[:, None])
    assert probability_of_improvement(x, y) == pytest.approx(expected, abs=1e-12)
    assert probability_of_improvement(x, y) + probability_of_improvement(y, x) == pytest.approx(1.0)


def test_probability_of_improvement_of_identical_arms_is_a_half():
    assert probability_of_improvement([0.7, 0.71, 0.72], [0.7, 0.71, 0.72]) == 0.5
    assert probability_of_improvement([0.8, 0.9], [0.1, 0.2]) == 1.0


def test_violation_ratio_matches_deepsig():
    rng = np.random.default_rng(3)
    y = rng.normal(0.70, 0.02, 7)
    x = np.append(rng.normal(0.70, 0.02, 6), y.min())  # the first grid point is never violated...
    x = np.maximum(x, y.min())  # ...so deepsig's numerator, which leaves it out, is the same integral
    assert violation_ratio(x, y) == pytest.approx(compute_violation_ratio(x, y, dt=0.005), abs=1e-12)
    assert violation_ratio(y + 1.0, y) == 0.0 and violation_ratio(y, y + 1.0) == pytest.approx(1.0)
    assert violation_ratio(y, y) == 0.5


@pytest.mark.parametrize("gap", [0.05, 0.01])  # eps_min about 0 and 0.57 (x only slightly better)
def test_almost_stochastic_order_agrees_with_deepsig_up_to_bootstrap_noise(gap):
    rng = np.random.default_rng(5)
    x, y = rng.normal(0.70 + gap, 0.02, 6), rng.normal(0.70, 0.02, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = aso(x, y, seed=0, num_bootstrap_iterations=200, show_progress=False)
    assert almost_stochastic_order(x, y, resamples=2000, seed=0) == pytest.approx(expected, abs=0.03)
    assert almost_stochastic_order(x, y, seed=1) == almost_stochastic_order(x, y, seed=1)
    assert almost_stochastic_order(y, x, seed=1) > 0.9

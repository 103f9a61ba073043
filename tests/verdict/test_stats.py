"""Intervals over seeds agree with scipy.stats (t.interval, bootstrap, ttest_rel, ttest_ind) and rliable."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import rliable.metrics
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from vifspec.verdict.stats import (
    Interval, aggregate, bootstrap_indices, bootstrap_interval, check_settings, iqm, paired_difference,
    percentile_interval, seed_interval, t_interval, unpaired_difference,
)
from vifspec.verdict.student_t import t_quantile

TOL = 1e-9
SEED_VALUES = st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=2, max_size=12)
CONFIDENCES = st.sampled_from([0.8, 0.9, 0.95, 0.99])


def seeds(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.71, 0.02, n)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def trimmed(values, axis=-1):
    return scipy.stats.trim_mean(values, 0.25, axis=axis)


SCIPY_AGGREGATES = {"mean": np.mean, "median": np.median, "iqm": trimmed}


# ------------------------------------------------------------------------------------ aggregates


@pytest.mark.parametrize("n", range(1, 13))
def test_aggregates_match_numpy_scipy_and_rliable(n):
    values = seeds(n, seed=n)
    assert close(aggregate(values, "mean"), np.mean(values))
    assert close(aggregate(values, "median"), np.median(values))
    assert close(aggregate(values, "iqm"), scipy.stats.trim_mean(values, 0.25))
    assert close(aggregate(values, "iqm"), rliable.metrics.aggregate_iqm(values[:, None]))


def test_iqm_trims_whole_values():
    assert iqm([1.0, 2.0, 10.0]) == pytest.approx(13 / 3)  # n = 3: nothing is trimmed
    assert iqm([1.0, 2.0, 3.0, 10.0]) == pytest.approx(2.5)  # n = 4: the middle two
    assert iqm([0.0, 1.0, 2.0, 3.0, 100.0]) == pytest.approx(2.0)  # n = 5: one from each end


def test_a_missing_seed_is_an_error_naming_its_position():
    with pytest.raises(ValueError, match=r"positions \[1\]"):
        aggregate([0.7, float("nan"), 0.71])
    with pytest.raises(ValueError, match="positions"):
        t_interval([0.7, 0.71, float("inf")])


def test_unknown_settings_are_rejected():
    with pytest.raises(ValueError, match="aggregate"):
        aggregate([1.0, 2.0], "mode")
    with pytest.raises(ValueError, match="needs method 'bootstrap'"):
        seed_interval([1.0, 2.0, 3.0], aggregate="median", method="t")
    with pytest.raises(ValueError, match="method"):
        check_settings("mean", "jackknife")
    with pytest.raises(ValueError, match="variant"):
        check_settings("mean", "bootstrap", "basic")
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence=1.0)
    with pytest.raises(ValueError, match="confidence"):
        check_settings(confidence=0.0)
    check_settings("iqm", "bootstrap", "bca", 0.9)


# ------------------------------------------------------------------------------------- Student t


@pytest.mark.parametrize("df", [1, 2, 3, 4.5, 7, 29, 100, 999, 1000.5, 1001, 5000, 1e6])
@pytest.mark.parametrize("p", [0.6, 0.9, 0.95, 0.975, 0.995, 0.9995])
def test_t_quantile_matches_scipy(df, p):
    assert math.isclose(t_quantile(p, df), scipy.stats.t.ppf(p, df), rel_tol=1e-10)
    assert math.isclose(t_quantile(1 - p, df), scipy.stats.t.ppf(1 - p, df), rel_tol=1e-10)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(SEED_VALUES, CONFIDENCES)
def test_t_interval_matches_scipy(values, confidence):
    interval = t_interval(values, confidence)
    sem = scipy.stats.sem(values)
    if sem == 0:
        assert interval.low == interval.high == interval.value
        return
    low, high = scipy.stats.t.interval(confidence, len(values) - 1, loc=np.mean(values), scale=sem)
    assert close(interval.low, low) and close(interval.high, high)
    assert (interval.n, interval.kind, interval.method, interval.confidence) == (len(values), "seeds", "t", confidence)


def test_one_seed_gives_no_interval_and_says_so():
    for interval in (t_interval([0.7]), bootstrap_interval([0.7]), seed_interval([0.7], method="bootstrap")):
        assert not interval.has_interval and interval.low is None and interval.high is None
        assert interval.value == 0.7 and interval.n == 1
        assert interval.kind == "none" and interval.label == "none" and "one seed" in interval.note


def test_identical_seeds_give_the_value_itself():
    interval = t_interval([0.7, 0.7, 0.7])
    assert interval.has_interval and interval.low == interval.high == pytest.approx(0.7)


# ------------------------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("variant", ["percentile", "bca"])
@pytest.mark.parametrize("how", ["mean", "median", "iqm"])
@pytest.mark.parametrize("n, confidence", [(3, 0.95), (5, 0.9), (8, 0.95), (10, 0.99)])
def test_bootstrap_matches_scipy_with_the_same_resamples(variant, how, n, confidence):
    values = seeds(n, seed=10 * n)
    ours = bootstrap_interval(values, confidence, how, variant, resamples=2000, seed=7)
    theirs = scipy.stats.bootstrap((values,), SCIPY_AGGREGATES[how], method=variant, n_resamples=2000,
                                   confidence_level=confidence, rng=np.random.default_rng(7)).confidence_interval
    assert close(ours.low, theirs.low) and close(ours.high, theirs.high)
    assert ours.method == f"bootstrap {variant}" and ours.resamples == 2000 and ours.aggregate == how


def test_bootstrap_indices_are_scipys_draws():
    draws = bootstrap_indices(5, 100, seed=3)
    values = np.arange(5.0)
    theirs = scipy.stats.bootstrap((values,), np.mean, method="percentile", n_resamples=100,
                                   rng=np.random.default_rng(3))
    assert np.allclose(values[draws].mean(axis=1), theirs.bootstrap_distribution, rtol=0, atol=TOL)


def test_bootstrap_is_deterministic_for_a_seed():
    values = seeds(6)
    assert bootstrap_interval(values, seed=1) == bootstrap_interval(values, seed=1)
    assert bootstrap_interval(values, seed=1) != bootstrap_interval(values, seed=2)


# ----------------------------------------------------------------------------------- differences


@settings(derandomize=True, max_examples=40, deadline=None)
@given(SEED_VALUES, CONFIDENCES, st.floats(-5, 5))
def test_paired_t_matches_ttest_rel(x, confidence, shift):
    y = [value * 0.9 + shift + 0.01 * i for i, value in enumerate(x)]
    interval = paired_difference(x, y, confidence)
    low, high = scipy.stats.ttest_rel(x, y).confidence_interval(confidence)
    if math.isnan(low):  # constant differences: scipy has no interval, ours is the difference itself
        assert interval.low == interval.high
        return
    assert close(interval.low, low) and close(interval.high, high)
    assert interval.method == "paired t" and interval.n == len(x)


@pytest.mark.filterwarnings("ignore:Precision loss")  # scipy, on nearly identical values
@settings(derandomize=True, max_examples=40, deadline=None)
@given(SEED_VALUES, SEED_VALUES, CONFIDENCES)
def test_welch_matches_ttest_ind(x, y, confidence):
    interval = unpaired_difference(x, y, confidence)
    low, high = scipy.stats.ttest_ind(x, y, equal_var=False).confidence_interval(confidence)
    if math.isnan(low):  # both sides constant
        assert interval.low == interval.high == pytest.approx(np.mean(x) - np.mean(y))
        return
    assert close(interval.low, low) and close(interval.high, high)
    assert interval.method == "welch t" and interval.n == len(x) + len(y)


@pytest.mark.parametrize("variant", ["percentile", "bca"])
def test_bootstrap_differences_match_scipy(variant):
    x, y = seeds(6, 1), seeds(5, 2)
    unpaired = unpaired_difference(x, y, 0.9, "median", "bootstrap", variant, 3000, seed=4)
    difference = lambda a, b, axis=-1: np.median(a, axis=axis) - np.median(b, axis=axis)  # noqa: E731
    theirs = scipy.stats.bootstrap((x, y), difference, method=variant, n_resamples=3000, confidence_level=0.9,
                                   rng=np.random.default_rng(4)).confidence_interval
    assert close(unpaired.low, theirs.low) and close(unpaired.high, theirs.high)
    paired = paired_difference(x[:5], y, 0.9, "mean", "bootstrap", variant, 3000, seed=4)
    theirs = scipy.stats.bootstrap((x[:5] - y,), np.mean, method=variant, n_resamples=3000, confidence_level=0.9,
                                   rng=np.random.default_rng(4)).confidence_interval
    assert close(paired.low, theirs.low) and close(paired.high, theirs.high)
    assert paired.method == f"paired bootstrap {variant}"


def test_paired_needs_one_value_per_seed_on_both_sides():
    with pytest.raises(ValueError, match="one per seed"):
        paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])


def test_a_single_baseline_value_is_taken_as_exact():
    x = seeds(5)
    interval = unpaired_difference(x, [0.70])
    expected = scipy.stats.t.interval(0.95, 4, loc=np.mean(x) - 0.70, scale=scipy.stats.sem(x))
    assert close(interval.low, expected[0]) and close(interval.high, expected[1])
    assert "second side is one value" in interval.note
    mirrored = unpaired_difference([0.70], x)
    assert close(mirrored.low, -expected[1]) and close(mirrored.high, -expected[0])
    assert not unpaired_difference([0.71], [0.70]).has_interval


# ------------------------------------------------------------------------ percentile, Interval type


def test_percentile_interval_leaves_undefined_resamples_out_and_counts_them():
    values = np.array([0.5, np.nan, 0.6, 0.7, np.nan, 0.8, 0.55])
    interval = percentile_interval(values, 0.65, n=40, confidence=0.9, kind="test resampling")
    low, high = np.nanquantile(values, [0.05, 0.95])
    assert close(interval.low, low) and close(interval.high, high)
    assert (interval.undefined, interval.resamples) == (2, 7) and "undefined on 2 of 7" in interval.note
    assert interval.label == "test resampling, 1 seed"
    empty = percentile_interval([np.nan, np.nan], 0.5, n=40)
    assert not empty.has_interval and "undefined on all 2" in empty.note


def test_interval_round_trips_through_json():
    for interval in (t_interval(seeds(5)), t_interval([0.7]), bootstrap_interval(seeds(4), variant="bca"),
                     Interval.point(float("nan"), 3, "missing")):
        data = json.loads(json.dumps(interval.to_dict()))
        back = Interval.from_dict(data)
        if math.isnan(interval.value):
            assert data["value"] is None and math.isnan(back.value)
        else:
            assert back == interval
    assert t_interval(seeds(5)).label == "seeds, n = 5"


def test_stats_modules_never_import_torch():
    code = "import sys, vifspec.verdict.stats, vifspec.verdict.decision; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

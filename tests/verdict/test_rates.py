"""A single seed's rate on few events: its interval is never narrower than the Wilson interval of its counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from vifspec.verdict import judge_criterion
from vifspec.verdict.rates import wilson_interval
from vifspec.verdict.results import Results, Sample


@pytest.mark.parametrize(("k", "n"), [(0, 1), (8, 8), (0, 12), (7, 9), (350, 1000), (1, 3)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_interval_matches_scipy(k, n, confidence):
    reference = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert wilson_interval(k, n, confidence) == pytest.approx((reference.low, reference.high), abs=1e-12)


def _one_seed(value: float, draws: list[float], counts: list[int] | None) -> Results:
    return Results(own=[Sample("0", {"test": {"precision": value}}, draws={"test": {"precision": draws}},
                               counts={"test": {"precision": counts}} if counts else None)])


def test_eight_calls_all_right_no_longer_pass_a_90_percent_bar_as_if_certain():
    precision = judge_criterion("Precision", "test.precision >= 90%", _one_seed(1.0, [1.0] * 1000, [8, 8]))
    assert precision.status == "INCONCLUSIVE"
    assert (precision.interval.low, precision.interval.high) == pytest.approx(wilson_interval(8, 8))
    assert "Wilson interval of 8/8" in precision.interval.note
    without_counts = judge_criterion("Precision", "test.precision >= 90%", _one_seed(1.0, [1.0] * 1000, None))
    assert without_counts.status == "PASS"  # a results file without counts: the bootstrap alone, as before


def test_many_events_keep_their_bootstrap_interval():
    draws = (np.random.default_rng(0).binomial(1000, 0.8, size=1000) / 1000).tolist()  # a bootstrap of 800/1000
    rate = judge_criterion("Precision", "test.precision >= 70%", _one_seed(0.8, draws, [800, 1000]))
    assert rate.status == "PASS" and "Wilson" not in rate.interval.note
    assert (rate.interval.low, rate.interval.high) == pytest.approx(tuple(np.quantile(draws, [0.025, 0.975])))


def test_a_narrow_but_not_degenerate_interval_is_widened_too():
    rate = judge_criterion("Precision", "test.precision >= 50%", _one_seed(0.9, [0.9] * 990 + [0.8] * 10, [9, 10]))
    assert (rate.interval.low, rate.interval.high) == pytest.approx(wilson_interval(9, 10))  # [0.9, 0.9] held in Wilson's


@pytest.mark.parametrize("counts", [[8, 8, 8], [9, 8], [-1, 8], [8], [], [True, 8]])
def test_malformed_counts_leave_the_bootstrap_interval_alone(counts):
    precision = judge_criterion("Precision", "test.precision >= 90%", _one_seed(1.0, [1.0] * 1000, counts))
    assert precision.status == "PASS" and "Wilson" not in precision.interval.note

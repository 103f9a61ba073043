"""Distribution statistics cross-checked against numpy, scipy and pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import variation

from vifspec.metrics.distribution import (
    conditional_ratio,
    dispersion_cv,
    dispersion_std,
    group_cv,
    mean_value,
    percentile,
)
from vifspec.metrics.retrieval import overlap


@pytest.fixture()
def gains() -> np.ndarray:
    return 0.5 + 0.1 * np.random.default_rng(0).normal(size=(40, 25))


def test_level_and_dispersion_match_numpy(gains: np.ndarray) -> None:
    assert mean_value(gains) == pytest.approx(gains.mean())
    assert dispersion_std(torch.tensor(gains)) == pytest.approx(gains.std())
    assert dispersion_cv(gains) == pytest.approx(variation(gains.ravel()))
    assert dispersion_cv(-gains) == pytest.approx(variation(gains.ravel()))


def test_uniform_values_have_no_dispersion() -> None:
    assert dispersion_std(np.full(10, 0.588)) == pytest.approx(0.0, abs=1e-12)
    assert dispersion_cv(np.full(10, 0.588)) == pytest.approx(0.0, abs=1e-12)


def test_group_cv_matches_pandas(gains: np.ndarray) -> None:
    skills = np.random.default_rng(1).choice([3, 7, 11, 40, -2], size=gains.shape)
    means = pd.Series(gains.ravel()).groupby(skills.ravel()).mean()
    expected = means.std(ddof=0) / abs(means.mean())
    assert group_cv(gains, torch.tensor(skills)) == pytest.approx(expected)


def test_conditional_ratio() -> None:
    x = np.array([2.0, 4.0, 1.0, 1.0, 3.0, 9.0])
    correct = np.array([1, 1, 0, 0, 0, 2])
    assert conditional_ratio(x, correct) == pytest.approx(3.0 / (5.0 / 3.0))
    assert math.isnan(conditional_ratio(x, np.ones(6)))


@pytest.mark.parametrize("q", [0.0, 5.0, 50.0, 95.0, 99.9, 100.0])
def test_percentile_matches_numpy(q: float) -> None:
    latency = np.random.default_rng(2).lognormal(size=1001)
    assert percentile(latency, q=q) == pytest.approx(np.percentile(latency, q))
    assert percentile(torch.tensor(latency[:10]), q=q) == pytest.approx(np.percentile(latency[:10], q))


def test_percentile_edge_cases() -> None:
    assert percentile([3], q=95) == 3.0
    assert math.isnan(percentile(np.array([], dtype=float)))
    with pytest.raises(ValueError):
        percentile([1.0, 2.0], q=150)


def test_overlap_matches_numpy_isin() -> None:
    rng = np.random.default_rng(3)
    train = rng.integers(0, 1000, 700)
    evaluation = rng.integers(0, 1000, 300)
    assert overlap(torch.tensor(evaluation), train) == pytest.approx(np.isin(evaluation, train).mean())
    assert overlap([1, 2], [3, 4]) == 0.0

"""Regression metrics cross-checked against scikit-learn and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

from vifspec.metrics import mae, r2, rmse, spearman

values = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_r2_rmse_mae_spearman_match_the_references(data: st.DataObject) -> None:
    target = np.array(data.draw(values))
    preds = np.array(data.draw(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=len(target), max_size=len(target))))
    assert rmse(preds, target) == pytest.approx(root_mean_squared_error(target, preds), rel=1e-9, abs=1e-9)
    assert mae(preds, target) == pytest.approx(mean_absolute_error(target, preds), rel=1e-9, abs=1e-9)
    if np.ptp(target) > 1e-6:
        assert r2(preds, target) == pytest.approx(r2_score(target, preds), rel=1e-7, abs=1e-9)
    if np.ptp(target) > 0 and np.ptp(preds) > 0:
        assert spearman(preds, target) == pytest.approx(spearmanr(preds, target).statistic, abs=1e-9)


def test_multi_output_scores_average_the_columns() -> None:
    rng = np.random.default_rng(0)
    target = rng.normal(size=(100, 3)) * [1.0, 10.0, 100.0]
    preds = target + rng.normal(size=(100, 3))
    assert r2(torch.tensor(preds), torch.tensor(target)) == pytest.approx(r2_score(target, preds))
    expected_rmse = root_mean_squared_error(target, preds, multioutput="uniform_average")
    assert rmse(preds, target) == pytest.approx(expected_rmse)


def test_r2_of_the_mean_predictor_is_zero_and_undefined_for_a_constant_target() -> None:
    target = np.array([1.0, 2.0, 4.0])
    assert r2(np.full(3, target.mean()), target) == pytest.approx(0.0)
    assert math.isnan(r2(np.array([1.0, 2.0, 3.0]), np.full(3, 2.0)))


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        r2(np.zeros((4, 1)), np.zeros(4))

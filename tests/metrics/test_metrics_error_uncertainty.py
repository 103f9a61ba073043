"""`error_uncertainty`: the Spearman correlation of an uncertainty and the absolute error (seed 000)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from vifspec.metrics import error_uncertainty


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_scipy_spearman_of_uncertainty_and_absolute_error(seed: int) -> None:
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 3, size=(40, 10)).astype(float)
    preds = np.clip(target + rng.normal(0, 0.6, size=target.shape), 0, 2).round(1)  # ties in the error
    uncertainty = rng.uniform(0, 1, size=target.shape).round(2)
    expected = spearmanr(uncertainty.ravel(), np.abs(preds - target).ravel()).statistic
    assert error_uncertainty(torch.tensor(uncertainty), torch.tensor(preds), torch.tensor(target)) == pytest.approx(expected)


def test_sign_follows_whether_uncertainty_is_high_where_the_error_is() -> None:
    target = torch.zeros(6)
    preds = torch.tensor([0.0, 0.1, 0.5, 1.0, 1.5, 2.0])
    assert error_uncertainty(preds.abs(), preds, target) == pytest.approx(1.0)
    assert error_uncertainty(-preds.abs(), preds, target) == pytest.approx(-1.0)


def test_constant_uncertainty_is_nan_and_sizes_must_agree() -> None:
    assert math.isnan(error_uncertainty(torch.zeros(4), torch.arange(4.0), torch.zeros(4)))
    with pytest.raises(ValueError, match="uncertainty has 3 elements"):
        error_uncertainty(torch.zeros(3), torch.zeros(4), torch.zeros(4))

"""Calibration metrics: ECE against torchmetrics, uncertainty-error correlation against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from torchmetrics.functional.classification import binary_calibration_error, multiclass_calibration_error

from vifspec.metrics import calibration
from vifspec.metrics.confidence import ece


def _softmax_probs(rng: np.random.Generator, n: int, k: int, sharpness: float) -> np.ndarray:
    logits = sharpness * rng.normal(size=(n, k))
    return torch.softmax(torch.tensor(logits), dim=1).numpy()


@pytest.mark.parametrize("n_bins", [5, 15])
def test_binary_ece_matches_torchmetrics(n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    probs = torch.tensor(rng.random(2000), dtype=torch.float32)
    target = torch.tensor((rng.random(2000) < probs.numpy() ** 2).astype(int))
    expected = binary_calibration_error(probs, target, n_bins=n_bins, norm="l1")
    assert ece(probs, target, n_bins=n_bins) == pytest.approx(float(expected), abs=1e-6)


@pytest.mark.parametrize("k", [3, 5])
def test_multiclass_ece_matches_torchmetrics(k: int) -> None:
    rng = np.random.default_rng(k)
    probs = torch.tensor(_softmax_probs(rng, 1500, k, 2.0), dtype=torch.float32)
    target = torch.tensor(rng.integers(0, k, 1500))
    expected = multiclass_calibration_error(probs, target, num_classes=k, n_bins=15, norm="l1")
    assert ece(probs, target) == pytest.approx(float(expected), abs=1e-6)
    assert ece(probs, target - 1, first_label=-1) == pytest.approx(float(expected), abs=1e-6)


def test_calibration_is_spearman_of_uncertainty_and_error() -> None:
    rng = np.random.default_rng(0)
    probs = _softmax_probs(rng, 400, 3, 1.5)
    target = rng.integers(-1, 2, 400)
    error = np.abs(probs.argmax(axis=1) - 1 - target)
    expected = spearmanr(1 - probs.max(axis=1), error).statistic
    assert calibration(probs, target, first_label=-1) == pytest.approx(expected)
    assert calibration(torch.tensor(probs).reshape(20, 20, 3), target.reshape(20, 20), first_label=-1) == pytest.approx(
        expected
    )


def test_calibration_sign_tells_good_from_bad_uncertainty() -> None:
    rng = np.random.default_rng(1)
    target = rng.integers(0, 2, 1000)
    confident_right = np.where(rng.random(1000) < 0.7, target, 1 - target)
    right = confident_right == target
    confidence = np.where(right, 0.6 + 0.4 * rng.random(1000), 0.5 + 0.1 * rng.random(1000))
    prob_positive = np.where(confident_right == 1, confidence, 1 - confidence)
    assert calibration(prob_positive, target) > 0.5
    inverted = np.where(right, 0.5 + 0.1 * rng.random(1000), 0.6 + 0.4 * rng.random(1000))
    assert calibration(np.where(confident_right == 1, inverted, 1 - inverted), target) < -0.5


def test_calibration_undefined_without_errors() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert math.isnan(calibration(probs, [0, 1, 0]))


def test_shape_mismatch_is_rejected() -> None:
    with pytest.raises(ValueError):
        ece(np.ones((4, 3)) / 3, [0, 1])

"""Binary classification losses against independent numpy formulas and torch's BCE."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from vifspec.losses import asymmetric_focal_loss, focal_loss
from vifspec.losses.binary import bce, calibrated_focal, focal, label_smoothing_bce


def random_binary_batch(seed: int, shape: tuple[int, ...] = (64,)) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = 3 * torch.randn(shape, generator=generator, dtype=torch.float64)
    targets = (torch.rand(shape, generator=generator) < 0.3).to(torch.float64)
    return logits, targets


def numpy_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def numpy_focal(logits: np.ndarray, targets: np.ndarray, alpha: float, gamma: float) -> np.ndarray:
    """Lin et al. (2017) written from the paper: FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t)."""
    p = numpy_sigmoid(logits)
    p_t = np.where(targets == 1, p, 1 - p)
    alpha_t = np.where(targets == 1, alpha, 1 - alpha) if alpha >= 0 else np.ones_like(p)
    return -alpha_t * (1 - p_t) ** gamma * np.log(p_t)


def numpy_asymmetric(logits: np.ndarray, targets: np.ndarray, gamma_pos: float, gamma_neg: float, clip: float):
    """Ridnik et al. (2021), eq. 5 and 6: shifted probability p_m = max(p - m, 0) for negatives."""
    p = numpy_sigmoid(logits)
    p_m = np.maximum(p - clip, 0)
    positive = (1 - p) ** gamma_pos * np.log(np.maximum(p, 1e-8))
    negative = p_m**gamma_neg * np.log(np.maximum(1 - p_m, 1e-8))
    return -(targets * positive + (1 - targets) * negative)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (0.5, 1.0), (-1.0, 2.0), (0.75, 0.5)])
def test_focal_matches_independent_formula(seed: int, alpha: float, gamma: float) -> None:
    logits, targets = random_binary_batch(seed)
    expected = numpy_focal(logits.numpy(), targets.numpy(), alpha, gamma)
    ours = focal_loss(logits, targets, alpha=alpha, gamma=gamma, reduction=None)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-9)
    assert focal_loss(logits, targets, alpha, gamma).item() == pytest.approx(expected.mean())
    assert focal_loss(logits, targets, alpha, gamma, reduction="sum").item() == pytest.approx(expected.sum())
    assert focal(logits, targets, alpha=alpha, gamma=gamma).item() == pytest.approx(expected.mean())


def test_focal_without_focusing_or_weighting_is_bce() -> None:
    logits, targets = random_binary_batch(7, shape=(8, 5))
    torch.testing.assert_close(focal_loss(logits, targets, alpha=-1, gamma=0), bce(logits, targets))
    torch.testing.assert_close(bce(logits, targets), F.binary_cross_entropy_with_logits(logits, targets))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("gamma_pos, gamma_neg, clip", [(0.0, 4.0, 0.05), (1.0, 2.0, 0.0), (0.0, 0.0, 0.2)])
def test_asymmetric_focal_matches_independent_formula(seed: int, gamma_pos: float, gamma_neg: float, clip: float):
    logits, targets = random_binary_batch(seed)
    expected = numpy_asymmetric(logits.numpy(), targets.numpy(), gamma_pos, gamma_neg, clip)
    ours = asymmetric_focal_loss(logits, targets, gamma_pos=gamma_pos, gamma_neg=gamma_neg, clip=clip)
    assert ours.item() == pytest.approx(expected.mean(), rel=1e-9)


def test_asymmetric_focal_without_focusing_or_shift_is_bce() -> None:
    logits, targets = random_binary_batch(3)
    plain = asymmetric_focal_loss(logits, targets, gamma_pos=0, gamma_neg=0, clip=0)
    torch.testing.assert_close(plain, F.binary_cross_entropy_with_logits(logits, targets))


def test_asymmetric_focal_ignores_easy_negatives_below_the_clip() -> None:
    logits = torch.tensor([-5.0, -4.0])  # p < 0.05: discarded by the probability shift
    assert asymmetric_focal_loss(logits, torch.zeros(2), clip=0.05).item() == 0.0


@settings(max_examples=30, deadline=None)
@given(
    logits=st.lists(st.floats(-8, 8), min_size=1, max_size=20),
    epsilon=st.floats(0.0, 0.5),
    seed=st.integers(0, 1000),
)
def test_label_smoothing_matches_formula(logits: list[float], epsilon: float, seed: int) -> None:
    z = np.array(logits)
    y = np.random.default_rng(seed).integers(0, 2, size=len(z)).astype(float)
    smoothed = y * (1 - epsilon) + epsilon / 2
    p = numpy_sigmoid(z)
    expected = -np.mean(smoothed * np.log(p) + (1 - smoothed) * np.log(1 - p))
    ours = label_smoothing_bce(torch.tensor(z), torch.tensor(y), epsilon=epsilon)
    assert ours.item() == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_bce_positive_weight_matches_formula() -> None:
    logits, targets = random_binary_batch(2)
    p = numpy_sigmoid(logits.numpy())
    y = targets.numpy()
    expected = -np.mean(3.0 * y * np.log(p) + (1 - y) * np.log(1 - p))
    assert bce(logits, targets, pos_weight=3.0).item() == pytest.approx(expected)


def test_bce_accepts_integer_and_boolean_targets() -> None:
    logits, targets = random_binary_batch(4)
    expected = bce(logits, targets)
    torch.testing.assert_close(bce(logits, targets.long()), expected)
    torch.testing.assert_close(bce(logits, targets.bool()), expected)


def test_calibrated_focal_adds_the_base_rate_penalty() -> None:
    logits, targets = random_binary_batch(5)
    focal_part = numpy_focal(logits.numpy(), targets.numpy(), alpha=-1, gamma=2.0).mean()
    gap = numpy_sigmoid(logits.numpy()).mean() - targets.numpy().mean()
    ours = calibrated_focal(logits, targets, gamma=2.0, beta=4.0)
    assert ours.item() == pytest.approx(focal_part + 4.0 * gap**2)


@pytest.mark.parametrize("loss", [bce, label_smoothing_bce, focal, asymmetric_focal_loss, calibrated_focal])
def test_shape_mismatch_is_refused_instead_of_broadcast(loss) -> None:
    with pytest.raises(ValueError, match="must match"):
        loss(torch.zeros(4, 1), torch.zeros(4))

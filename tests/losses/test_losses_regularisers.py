"""Entropy and spread regularisers against numpy, scipy and pandas computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import entropy as scipy_entropy

from vifspec.losses.regularisers import beta_spread, entropy_reg, prob_variance_reg, skill_contrastive, variance_floor


def test_entropy_matches_scipy() -> None:
    logits = torch.linspace(-30, 30, 41, dtype=torch.float64)
    p = torch.sigmoid(logits).numpy()
    expected = np.mean([scipy_entropy([q, 1 - q]) for q in p])
    assert entropy_reg(logits).item() == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert torch.isfinite(torch.autograd.functional.jacobian(entropy_reg, logits)).all()


@pytest.mark.parametrize("spread", [0.01, 0.05, 0.5])
def test_spread_hinges_match_numpy(spread: float) -> None:
    values = spread * torch.randn(200, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    std = np.std(values.numpy())
    assert variance_floor(values, floor=0.1).item() == pytest.approx(max(0.1 - std, 0.0) ** 2)
    assert beta_spread(values, min_std=0.3).item() == pytest.approx(max(0.3 - std, 0.0))
    prob_std = np.std(1 / (1 + np.exp(-values.numpy())))
    assert prob_variance_reg(values, min_std=0.1).item() == pytest.approx(max(0.1 - prob_std, 0.0))


def test_variance_floor_along_a_dimension_averages_the_rows() -> None:
    gains = torch.rand(6, 10, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 0.3
    row_std = np.std(gains.numpy(), axis=1)
    expected = np.mean(np.maximum(0.2 - row_std, 0) ** 2)
    assert variance_floor(gains, floor=0.2, dim=1).item() == pytest.approx(expected)


def test_skill_contrastive_matches_pandas_groupby() -> None:
    generator = torch.Generator().manual_seed(2)
    skills = torch.randint(0, 12, (8, 30), generator=generator)  # skill 0..11, some possibly absent
    gains = 0.5 + 0.05 * torch.randn(8, 30, generator=generator, dtype=torch.float64) + 0.01 * skills
    frame = pd.DataFrame({"skill": skills.reshape(-1).numpy(), "gain": gains.reshape(-1).numpy()})
    between_var = frame.groupby("skill")["gain"].mean().var(ddof=0)
    expected = max(0.3**2 - between_var, 0.0)
    assert skill_contrastive(gains, skills, floor=0.3).item() == pytest.approx(expected)


def test_skill_contrastive_ignores_spread_within_a_skill() -> None:
    skills = torch.tensor([0, 0, 1, 1, 2, 2])
    same_means = torch.tensor([0.1, 0.9, 0.2, 0.8, 0.4, 0.6])  # every skill's mean is 0.5
    assert skill_contrastive(same_means, skills, floor=0.1).item() == pytest.approx(0.1**2, abs=1e-7)


def test_skill_contrastive_pushes_in_proportion_to_the_spread() -> None:
    """A hinge on the variance: its gradient near collapse is proportional to the spread (vanishes)."""
    skills = torch.tensor([0, 1, 2, 3])
    norms = []
    for spread in (1e-2, 1e-3):
        gains = (0.5 + spread * torch.tensor([-1.5, -0.5, 0.5, 1.5], dtype=torch.float64)).requires_grad_()
        skill_contrastive(gains, skills, floor=0.1).backward()
        norms.append(gains.grad.norm().item())
    assert norms[1] == pytest.approx(norms[0] / 10, rel=1e-6)


@pytest.mark.parametrize(
    "penalty",
    [
        lambda x: variance_floor(x, floor=0.1),
        lambda x: beta_spread(x, min_std=0.3),
        lambda x: prob_variance_reg(x, min_std=0.1),
        lambda x: skill_contrastive(x, torch.tensor([0, 1, 2, 3]), floor=0.1),
    ],
)
def test_collapsed_values_give_finite_gradients(penalty) -> None:
    collapsed = torch.full((4,), 0.588, requires_grad=True)
    loss = penalty(collapsed)
    loss.backward()
    assert loss.item() > 0
    assert torch.isfinite(collapsed.grad).all()

"""Regression, vector-prediction and contrastive losses against peer libraries and direct computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cosine as scipy_cosine_distance
from sklearn.metrics import mean_squared_error

from vifspec.losses import info_nce
from vifspec.losses.regression import cosine, directional, mse, weighted_mse


def random_vectors(seed: int, n: int = 16, dim: int = 8) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(n, dim, generator=generator, dtype=torch.float64) for _ in range(3))


@pytest.mark.parametrize("seed", range(3))
def test_mse_and_cosine_match_sklearn_and_scipy(seed: int) -> None:
    preds, target, _ = random_vectors(seed)
    assert mse(preds, target).item() == pytest.approx(mean_squared_error(target.numpy(), preds.numpy()))
    distances = [scipy_cosine_distance(p, t) for p, t in zip(preds.numpy(), target.numpy())]
    assert cosine(preds, target).item() == pytest.approx(np.mean(distances))


def test_weighted_mse_weights_non_neutral_errors() -> None:
    generator = torch.Generator().manual_seed(0)
    target = torch.randint(0, 3, (10, 4), generator=generator)
    preds = 2 * torch.rand(10, 4, generator=generator, dtype=torch.float64)
    weights = np.where(target.numpy() == 1, 1.0, 5.0)
    expected = np.average((preds.numpy() - target.numpy()) ** 2, weights=weights)
    assert weighted_mse(preds, target, num_classes=3, scale=5.0).item() == pytest.approx(expected)
    assert weighted_mse(preds, target, num_classes=3, scale=1.0).item() == pytest.approx(mse(preds, target).item())


def test_weighted_mse_needs_a_neutral_class() -> None:
    with pytest.raises(ValueError, match="odd num_classes"):
        weighted_mse(torch.zeros(3), torch.zeros(3), num_classes=4)


@pytest.mark.parametrize("margin", [0.0, 0.1, 0.5])
def test_directional_is_a_margin_ranking_loss(margin: float) -> None:
    preds, target, last = random_vectors(1)
    forward = F.cosine_similarity(preds, target, dim=-1)
    backward = F.cosine_similarity(preds, last, dim=-1)
    expected = F.margin_ranking_loss(forward, backward, torch.ones_like(forward), margin=margin)
    torch.testing.assert_close(directional(preds, target, last, margin=margin), expected)


def test_directional_penalises_copying_the_last_vector() -> None:
    _, target, last = random_vectors(2)
    assert directional(last, target, last).item() > 0
    assert directional(target, target, last).item() == 0


def direct_info_nce(query: torch.Tensor, keys: torch.Tensor, temperature: float) -> torch.Tensor:
    """Cosine-similarity logits built element by element, then torch's cross entropy on the diagonal."""
    n = query.shape[0]
    logits = torch.empty(n, n, dtype=query.dtype)
    for i in range(n):
        for j in range(n):
            logits[i, j] = F.cosine_similarity(query[i], keys[j], dim=0) / temperature
    return F.cross_entropy(logits, torch.arange(n))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("temperature", [0.07, 0.5])
def test_info_nce_matches_cross_entropy_over_cosine_logits(seed: int, temperature: float) -> None:
    query, keys, _ = random_vectors(seed, n=6)
    expected = direct_info_nce(query, keys, temperature)
    torch.testing.assert_close(info_nce(query, keys, temperature=temperature), expected)
    symmetric = (expected + direct_info_nce(keys, query, temperature)) / 2
    torch.testing.assert_close(info_nce(query, keys, temperature=temperature, symmetric=True), symmetric)


def test_info_nce_without_normalisation_uses_dot_products() -> None:
    query, keys, _ = random_vectors(4, n=5)
    expected = F.cross_entropy(query @ keys.T / 0.1, torch.arange(5))
    torch.testing.assert_close(info_nce(query, keys, temperature=0.1, normalize=False), expected)


def test_info_nce_rewards_aligned_pairs() -> None:
    query, keys, _ = random_vectors(5, n=32, dim=64)
    assert info_nce(query, query).item() < info_nce(query, keys).item()

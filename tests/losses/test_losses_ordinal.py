"""Ordinal losses and decoders, cross-checked against coral-pytorch and direct numpy computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from coral_pytorch.dataset import corn_label_from_logits, levels_from_labelbatch, proba_to_label
from coral_pytorch.losses import coral_loss as reference_coral_loss
from coral_pytorch.losses import corn_loss as reference_corn_loss

from vifspec.losses import (
    coral_loss,
    corn_loss,
    emd_loss,
    soft_ordinal_loss,
)
from vifspec.losses.ordinal import (
    class_probs_coral,
    class_probs_corn,
    coral,
    coral_predict,
    corn,
    corn_predict,
    levels_from_labels,
)


def random_ordinal_batch(seed: int, n: int = 32, num_classes: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = 3 * torch.randn(n, num_classes - 1, generator=generator)
    labels = torch.randint(0, num_classes, (n,), generator=generator)
    return logits, labels


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("num_classes", [2, 3, 6])
def test_levels_match_coral_pytorch(seed: int, num_classes: int) -> None:
    _, labels = random_ordinal_batch(seed, num_classes=num_classes)
    expected = levels_from_labelbatch(labels.tolist(), num_classes)
    assert torch.equal(levels_from_labels(labels, num_classes), expected)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("reduction", ["mean", "sum", None])
def test_coral_loss_matches_coral_pytorch(seed: int, reduction: str | None) -> None:
    logits, labels = random_ordinal_batch(seed)
    levels = levels_from_labelbatch(labels.tolist(), 5)
    weights = torch.rand(4, generator=torch.Generator().manual_seed(seed))
    for importance in (None, weights):
        ours = coral_loss(logits, levels, importance_weights=importance, reduction=reduction)
        theirs = reference_coral_loss(logits, levels, importance_weights=importance, reduction=reduction)
        torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("num_classes", [2, 3, 7])
def test_corn_loss_matches_coral_pytorch(seed: int, num_classes: int) -> None:
    logits, labels = random_ordinal_batch(seed, num_classes=num_classes)
    torch.testing.assert_close(
        corn_loss(logits, labels, num_classes), reference_corn_loss(logits, labels, num_classes)
    )


def test_corn_loss_when_some_tasks_have_no_examples() -> None:
    logits, _ = random_ordinal_batch(0, n=6)
    labels = torch.tensor([0, 0, 1, 0, 1, 1])  # tasks 2 and 3 have no training examples
    torch.testing.assert_close(corn_loss(logits, labels, 5), reference_corn_loss(logits, labels, 5))


@pytest.mark.parametrize("seed", range(5))
def test_decoders_match_coral_pytorch(seed: int) -> None:
    logits, _ = random_ordinal_batch(seed, n=64)
    assert torch.equal(coral_predict(logits), proba_to_label(torch.sigmoid(logits)))
    assert torch.equal(corn_predict(logits), corn_label_from_logits(logits))


def test_spec_facing_losses_flatten_value_dimensions() -> None:
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(8, 10, 2, generator=generator)  # N=8 samples, D=10 dimensions, K=3
    labels = torch.randint(0, 3, (8, 10), generator=generator)
    flat_logits, flat_labels = logits.reshape(-1, 2), labels.reshape(-1)
    expected_coral = reference_coral_loss(flat_logits, levels_from_labelbatch(flat_labels.tolist(), 3))
    torch.testing.assert_close(coral(logits, labels, num_classes=3), expected_coral)
    torch.testing.assert_close(corn(logits, labels, num_classes=3), reference_corn_loss(flat_logits, flat_labels, 3))
    torch.testing.assert_close(coral(logits, labels), expected_coral)  # num_classes inferred


def test_ordinal_labels_outside_range_are_refused() -> None:
    logits = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="class indices 0..2"):
        coral(logits, torch.tensor([-1, 0, 1, 0]))
    with pytest.raises(ValueError, match="num_classes=4"):
        corn(logits, torch.tensor([0, 1, 2, 0]), num_classes=4)
    with pytest.raises(ValueError, match="expected logits of shape"):
        emd_loss(torch.zeros(4, 3), torch.tensor([0, 1]))


def numpy_emd(logits: np.ndarray, labels: np.ndarray) -> float:
    values = []
    for row, label in zip(logits, labels):
        probs = np.exp(row - row.max()) / np.exp(row - row.max()).sum()
        one_hot = np.eye(len(row))[label]
        values.append(np.sum((np.cumsum(probs) - np.cumsum(one_hot)) ** 2))
    return float(np.mean(values))


def numpy_sord(logits: np.ndarray, labels: np.ndarray, phi: float) -> float:
    values = []
    for row, label in zip(logits, labels):
        soft = np.exp(-phi * (np.arange(len(row)) - label) ** 2)
        soft /= soft.sum()
        log_probs = row - row.max() - np.log(np.exp(row - row.max()).sum())
        values.append(-np.sum(soft * log_probs))
    return float(np.mean(values))


@pytest.mark.parametrize("seed", range(4))
def test_emd_and_sord_match_direct_computation(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    logits = 2 * torch.randn(20, 4, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 4, (20,), generator=generator)
    assert emd_loss(logits, labels).item() == pytest.approx(numpy_emd(logits.numpy(), labels.numpy()))
    for phi in (0.5, 1.0, 3.0):
        expected = numpy_sord(logits.numpy(), labels.numpy(), phi)
        assert soft_ordinal_loss(logits, labels, phi=phi).item() == pytest.approx(expected)


def test_sord_tends_to_cross_entropy_for_sharp_labels() -> None:
    logits, labels = torch.randn(16, 5), torch.randint(0, 5, (16,))
    sharp = soft_ordinal_loss(logits, labels, phi=100.0)
    torch.testing.assert_close(sharp, torch.nn.functional.cross_entropy(logits, labels))


def test_emd_is_zero_for_a_confident_correct_prediction_and_grows_with_distance() -> None:
    labels = torch.tensor([0])
    confident_logits = 40 * torch.eye(3) - 20  # row k: all the mass on class k
    losses = [emd_loss(confident_logits[k : k + 1], labels) for k in range(3)]
    assert losses[0].item() == pytest.approx(0.0, abs=1e-12)
    assert losses[0] < losses[1] < losses[2]


@pytest.mark.parametrize("decode", [class_probs_coral, class_probs_corn])
def test_class_probabilities_are_distributions_consistent_with_the_decoder(decode) -> None:
    logits, _ = random_ordinal_batch(3, n=50)
    logits = logits.sort(dim=1, descending=True).values  # rank-consistent, as a CORAL head produces
    probs = decode(logits)
    assert probs.shape == (50, 5)
    assert torch.all(probs >= 0)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(50))
    exceedance = 1 - probs.cumsum(dim=1)[:, :-1]  # P(y > k)
    expected = torch.sigmoid(logits) if decode is class_probs_coral else torch.sigmoid(logits).cumprod(dim=1)
    torch.testing.assert_close(exceedance, expected)

"""Multi-class and regression losses against torch.nn.functional and scikit-learn, and sample weights."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error

from vifspec.losses import bce, cross_entropy, huber_loss, mae, mse


def _logits(n: int = 50, k: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=g, dtype=torch.float64), torch.randint(0, k, (n,), generator=g)


def test_cross_entropy_is_the_log_loss_of_the_softmax() -> None:
    logits, target = _logits()
    expected = log_loss(target.numpy(), torch.softmax(logits, 1).numpy(), labels=list(range(4)))
    assert float(cross_entropy(logits, target)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_cross_entropy_smoothing_and_class_weights_match_torch(smoothing: float) -> None:
    logits, target = _logits(seed=1)
    weights = [1.0, 2.0, 0.5, 3.0]
    expected = F.cross_entropy(logits, target, weight=torch.tensor(weights, dtype=torch.float64), label_smoothing=smoothing)
    assert float(cross_entropy(logits, target, label_smoothing=smoothing, class_weights=weights)) == pytest.approx(float(expected))


def test_cross_entropy_sample_weights_match_sklearn_and_row_repetition() -> None:
    logits, target = _logits(n=30, seed=2)
    counts = torch.randint(0, 4, (30,), generator=torch.Generator().manual_seed(3))
    probs = torch.softmax(logits, 1).numpy()
    expected = log_loss(target.numpy(), probs, sample_weight=counts.numpy(), labels=list(range(4)))
    assert float(cross_entropy(logits, target, sample_weight=counts)) == pytest.approx(expected, rel=1e-9)
    repeated = torch.repeat_interleave(torch.arange(30), counts)
    weights = [0.5, 1.0, 2.0, 4.0]
    assert float(cross_entropy(logits, target, sample_weight=counts, class_weights=weights)) == pytest.approx(
        float(cross_entropy(logits[repeated], target[repeated], class_weights=weights))
    )


def test_cross_entropy_labels_from_first_label_and_leading_dims() -> None:
    logits, target = _logits(n=24, k=3, seed=4)
    expected = float(cross_entropy(logits, target))
    assert float(cross_entropy(logits, target - 1, first_label=-1)) == pytest.approx(expected)
    assert float(cross_entropy(logits.reshape(6, 4, 3), target.reshape(6, 4))) == pytest.approx(expected)


def test_cross_entropy_rejects_wrong_shapes_and_weights() -> None:
    logits, target = _logits()
    with pytest.raises(ValueError, match="expected logits"):
        cross_entropy(logits, target[:, None])
    with pytest.raises(ValueError, match="3 entries for 4 classes"):
        cross_entropy(logits, target, class_weights=[1.0, 1.0, 1.0])


def test_regression_losses_match_the_references() -> None:
    g = torch.Generator().manual_seed(5)
    preds, target = torch.randn(40, generator=g, dtype=torch.float64) * 3, torch.randn(40, generator=g, dtype=torch.float64)
    weight = torch.rand(40, generator=g, dtype=torch.float64)
    assert float(mae(preds, target)) == pytest.approx(mean_absolute_error(target, preds))
    assert float(mae(preds, target, sample_weight=weight)) == pytest.approx(mean_absolute_error(target, preds, sample_weight=weight))
    assert float(mse(preds, target, sample_weight=weight)) == pytest.approx(mean_squared_error(target, preds, sample_weight=weight))
    for delta in (0.5, 1.0, 2.0):
        assert float(huber_loss(preds, target, delta=delta)) == pytest.approx(float(F.huber_loss(preds, target, delta=delta)))


def test_sample_weights_weight_rows_of_multi_output_targets() -> None:
    g = torch.Generator().manual_seed(6)
    preds, target = torch.randn(10, 3, generator=g), torch.randn(10, 3, generator=g)
    counts = torch.tensor([0, 1, 2, 0, 1, 3, 1, 0, 2, 1])
    repeated = torch.repeat_interleave(torch.arange(10), counts)
    assert float(mse(preds, target, sample_weight=counts)) == pytest.approx(float(mse(preds[repeated], target[repeated])))
    with pytest.raises(ValueError, match="one weight per row"):
        mse(preds, target, sample_weight=torch.ones(3))


def test_bce_sample_weights_match_sklearn() -> None:
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(60, generator=g, dtype=torch.float64)
    target = (torch.rand(60, generator=g) < 0.4).double()
    weight = torch.rand(60, generator=g, dtype=torch.float64)
    expected = log_loss(target.numpy(), torch.sigmoid(logits).numpy(), sample_weight=weight.numpy())
    assert float(bce(logits, target, sample_weight=weight)) == pytest.approx(expected, rel=1e-9)
    assert float(bce(logits, target)) == pytest.approx(float(F.binary_cross_entropy_with_logits(logits, target)))

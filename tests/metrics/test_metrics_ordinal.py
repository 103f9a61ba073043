"""Label metrics cross-checked against scikit-learn on random ordinal data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, cohen_kappa_score, mean_absolute_error, mean_squared_error, recall_score

from vifspec.metrics import accuracy, class_recall, hedging, mae, minority_recall, mse, qwk, qwk_per_dim

labels = st.lists(st.integers(-1, 1), min_size=2, max_size=60)


def _noisy_labels(rng: np.random.Generator, n: int, low: int = -1, high: int = 1) -> tuple[np.ndarray, np.ndarray]:
    target = rng.integers(low, high + 1, n)
    preds = np.where(rng.random(n) < 0.6, target, rng.integers(low, high + 1, n))
    return preds, target


def _sk_qwk(preds: np.ndarray, target: np.ndarray) -> float:
    full_range = np.arange(min(preds.min(), target.min()), max(preds.max(), target.max()) + 1)
    return cohen_kappa_score(target, preds, weights="quadratic", labels=full_range)


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_qwk_matches_sklearn(data: st.DataObject) -> None:
    target = np.array(data.draw(labels))
    preds = np.array(data.draw(st.lists(st.integers(-1, 1), min_size=len(target), max_size=len(target))))
    expected = _sk_qwk(preds, target)
    got = qwk(preds, target)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("low,high", [(0, 4), (-1, 1), (1, 10)])
def test_qwk_tensor_and_multidim_inputs(low: int, high: int) -> None:
    preds, target = _noisy_labels(np.random.default_rng(low + high), 600, low, high)
    expected = _sk_qwk(preds, target)
    assert qwk(torch.tensor(preds).reshape(20, 30), torch.tensor(target).reshape(20, 30)) == pytest.approx(expected)


def test_qwk_rounds_regressor_outputs() -> None:
    target = np.array([-1, 0, 1, 1, 0, -1, 0])
    continuous = np.array([-0.8, 0.2, 0.7, 1.3, -0.4, -1.2, 0.6])
    assert qwk(continuous, target) == pytest.approx(_sk_qwk(np.round(continuous).astype(int), target))


def test_qwk_degenerate() -> None:
    assert math.isnan(qwk([0, 0, 0], [0, 0, 0]))
    assert qwk([0, 0, 0, 0], [-1, 0, 1, 1]) == pytest.approx(0.0)


def test_qwk_per_dim_matches_columnwise_sklearn() -> None:
    rng = np.random.default_rng(3)
    columns = [_noisy_labels(rng, 200) for _ in range(4)]
    preds = np.stack([p for p, _ in columns], axis=1)
    target = np.stack([t for _, t in columns], axis=1)
    target[:, 3] = 0
    preds[:, 3] = 0
    names = ["universalism", "benevolence", "security", "hedonism"]
    result = qwk_per_dim(preds, target, names=names)
    expected = [_sk_qwk(preds[:, i], target[:, i]) for i in range(3)]
    assert [result[n] for n in names[:3]] == pytest.approx(expected)
    assert math.isnan(result["hedonism"])
    assert result["mean"] == pytest.approx(np.mean(expected))
    assert list(qwk_per_dim(preds, target)) == ["dim0", "dim1", "dim2", "dim3", "mean"]
    with pytest.raises(ValueError):
        qwk_per_dim(preds[:, 0], target[:, 0])


def test_accuracy_mae_mse_match_sklearn() -> None:
    rng = np.random.default_rng(1)
    preds, target = _noisy_labels(rng, 500, 0, 4)
    assert accuracy(preds, target) == pytest.approx(accuracy_score(target, preds))
    values = rng.normal(size=500)
    assert mae(values, target) == pytest.approx(mean_absolute_error(target, values))
    assert mse(torch.tensor(values, dtype=torch.float32), target) == pytest.approx(
        mean_squared_error(target, values.astype(np.float32)), rel=1e-6
    )
    with pytest.raises(ValueError):
        accuracy(preds[:10], target)


def test_class_and_minority_recall_match_sklearn() -> None:
    rng = np.random.default_rng(2)
    target = rng.choice([-1, 0, 1], size=800, p=[0.15, 0.7, 0.15])
    preds = np.where(rng.random(800) < 0.5, target, 0)
    per_class = recall_score(target, preds, labels=[-1, 0, 1], average=None)
    assert class_recall(preds, target, cls=-1) == pytest.approx(per_class[0])
    assert minority_recall(preds, target) == pytest.approx((per_class[0] + per_class[2]) / 2)
    assert math.isnan(class_recall(preds, target, cls=5))
    assert math.isnan(minority_recall([0, 1, 0], [1, 1, 1]))


def test_minority_recall_excludes_the_most_frequent_class_whatever_its_label() -> None:
    target = np.array([2, 2, 2, 2, 0, 0, 1])
    preds = np.array([0, 0, 0, 0, 0, 1, 1])
    per_class = recall_score(target, preds, labels=[0, 1], average=None)
    assert minority_recall(preds, target) == pytest.approx(per_class.mean())


def test_hedging_is_the_share_of_neutral_predictions() -> None:
    preds = np.array([[0, 0, 1], [-1, 0, 0]])
    assert hedging(preds) == pytest.approx(4 / 6)
    assert hedging(preds + 1, neutral=1) == pytest.approx(4 / 6)
    assert hedging(np.array([0.2, -0.3, 0.9])) == pytest.approx(2 / 3)

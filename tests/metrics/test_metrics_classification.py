"""Multi-class metrics on class scores [N, C] cross-checked against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import recall_score

from vifspec.metrics import accuracy, class_recall, log_loss, macro_f1, minority_recall


def _scores(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits that favour the true class, and the labels 0..k-1."""
    target = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), target] += 1.0
    return logits, target


@pytest.mark.parametrize("k", [2, 3, 7])
def test_accuracy_of_class_scores_is_the_accuracy_of_their_argmax(k: int) -> None:
    logits, target = _scores(np.random.default_rng(k), 400, k)
    expected = accuracy_score(target, logits.argmax(1))
    assert accuracy(logits, target) == pytest.approx(expected)
    probs = torch.softmax(torch.tensor(logits), 1)
    assert accuracy(probs, torch.tensor(target)) == pytest.approx(expected)


def test_accuracy_keeps_label_predictions_of_the_same_shape() -> None:
    target = np.array([[0, 1], [2, 1], [1, 1]])  # [N, D] ordinal labels against [N, D] predictions
    preds = np.array([[0, 1], [1, 1], [1, 0]])
    assert accuracy(preds, target) == pytest.approx(accuracy_score(target.ravel(), preds.ravel()))
    assert accuracy(np.array([[0.4], [1.6]]), np.array([0, 2])) == pytest.approx(1.0)  # [N, 1] is a label


def test_a_binary_task_scores_probabilities_at_one_half_and_refuses_logits() -> None:
    """One probability per example against a 0/1 target: p > 0.5 predicts 1 (scikit-learn on the
    thresholded labels); logits would be rounded into nonsense (-0.85 -> -1), so they are refused."""
    rng = np.random.default_rng(0)
    target = rng.integers(0, 2, 300)
    logits = rng.normal(size=300) + (2 * target - 1)
    probs = 1 / (1 + np.exp(-logits))
    for metric, sk in ((accuracy, accuracy_score), (macro_f1, lambda t, p: f1_score(t, p, average="macro"))):
        assert metric(probs, target) == pytest.approx(sk(target, (probs > 0.5).astype(int)))
        with pytest.raises(ValueError, match="bind preds to probabilities"):
            metric(logits, target)
    assert accuracy(np.array([-0.2, 1.6, 2.0]), np.array([0, 1, 2])) == pytest.approx(2 / 3)  # labels 0..2: rounding stands


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_macro_f1_matches_sklearn(data: st.DataObject) -> None:
    target = np.array(data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=50)))
    preds = np.array(data.draw(st.lists(st.integers(0, 4), min_size=len(target), max_size=len(target))))
    assert macro_f1(preds, target) == pytest.approx(f1_score(target, preds, average="macro", zero_division=0))


@pytest.mark.parametrize("k", [3, 5])
def test_macro_f1_of_class_scores(k: int) -> None:
    logits, target = _scores(np.random.default_rng(10 + k), 300, k)
    expected = f1_score(target, logits.argmax(1), average="macro")
    assert macro_f1(torch.tensor(logits, dtype=torch.float32), torch.tensor(target)) == pytest.approx(expected)


def test_class_recall_per_class_table_matches_sklearn() -> None:
    logits, target = _scores(np.random.default_rng(3), 500, 4)
    expected = recall_score(target, logits.argmax(1), average=None)
    table = class_recall(logits, target)
    assert list(table) == ["0", "1", "2", "3"]
    assert np.allclose(list(table.values()), expected)
    assert class_recall(logits, target, cls=2) == pytest.approx(expected[2])
    assert minority_recall(logits, target) == pytest.approx(
        np.mean(np.delete(expected, np.bincount(target).argmax()))
    )


def test_class_recall_table_keys_are_the_labels_present() -> None:
    table = class_recall(np.array([-1, 0, 1, 1]), np.array([-1, 1, 1, -1]))
    assert table == {"-1": 0.5, "1": 0.5}  # by hand: -1 at rows 0, 3 (one hit); 1 at rows 1, 2 (one hit)


@pytest.mark.parametrize("k", [3, 6])
def test_log_loss_matches_sklearn_multiclass(k: int) -> None:
    logits, target = _scores(np.random.default_rng(20 + k), 300, k)
    probs = torch.softmax(torch.tensor(logits), 1).numpy()
    expected = sk_log_loss(target, probs, labels=list(range(k)))
    assert log_loss(probs, target) == pytest.approx(expected, rel=1e-9)
    assert log_loss(torch.tensor(probs), torch.tensor(target - 1), first_label=-1) == pytest.approx(expected, rel=1e-9)


def test_log_loss_matches_sklearn_binary_and_clips_certain_mistakes() -> None:
    rng = np.random.default_rng(5)
    probs = rng.random(200)
    target = (rng.random(200) < probs).astype(int)
    assert log_loss(probs, target) == pytest.approx(sk_log_loss(target, probs), rel=1e-9)
    certain = np.array([0.0, 1.0])  # p = 0 for a positive: clipped to eps, finite
    assert log_loss(certain, np.array([1, 0])) == pytest.approx(sk_log_loss([1, 0], certain, labels=[0, 1]), rel=1e-6)
    assert math.isfinite(log_loss(certain, np.array([1, 0])))


def test_log_loss_rejects_labels_outside_the_columns() -> None:
    with pytest.raises(ValueError, match="0..2"):
        log_loss(np.full((2, 3), 1 / 3), np.array([0, 3]))

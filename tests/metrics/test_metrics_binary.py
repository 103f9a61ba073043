"""Binary and correlation metrics cross-checked against scikit-learn, scipy and numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import precision_score, recall_score, roc_auc_score

from vifspec.metrics import auroc, pearson, precision, recall, spearman
from vifspec.metrics.binary import score_spread

small_ints = st.lists(st.integers(0, 4), min_size=3, max_size=50)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_auroc_matches_sklearn_with_ties(data: st.DataObject) -> None:
    scores = np.array(data.draw(small_ints), dtype=float)
    target = np.array(data.draw(st.lists(st.integers(0, 1), min_size=len(scores), max_size=len(scores))))
    if len(set(target)) < 2:
        assert math.isnan(auroc(scores, target))
    else:
        assert auroc(scores, target) == pytest.approx(roc_auc_score(target, scores), abs=1e-12)


def test_auroc_accepts_logits_and_signed_labels() -> None:
    rng = np.random.default_rng(0)
    target = rng.integers(0, 2, 1000)
    logits = rng.normal(size=1000) + target
    expected = roc_auc_score(target, logits)
    assert auroc(torch.tensor(logits), torch.tensor(target)) == pytest.approx(expected)
    assert auroc(torch.sigmoid(torch.tensor(logits)), 2 * target - 1) == pytest.approx(expected)
    assert auroc(logits.reshape(10, 100), target.reshape(10, 100).astype(bool)) == pytest.approx(expected)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_precision_recall_match_sklearn(threshold: float) -> None:
    rng = np.random.default_rng(1)
    target = (rng.random(700) < 0.2).astype(int)
    probs = np.clip(rng.random(700) * 0.7 + 0.3 * target, 0, 1)
    predicted = (probs >= threshold).astype(int)
    assert precision(probs, target, threshold=threshold) == pytest.approx(precision_score(target, predicted))
    assert recall(probs, target, threshold=threshold) == pytest.approx(recall_score(target, predicted))


def test_precision_recall_undefined_cases_are_nan() -> None:
    assert math.isnan(precision([0.1, 0.2], [0, 1]))
    assert math.isnan(recall([0.9, 0.2], [0, 0]))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_spearman_and_pearson_match_scipy(data: st.DataObject) -> None:
    x = np.array(data.draw(small_ints), dtype=float)
    y = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=len(x), max_size=len(x))), dtype=float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        assert math.isnan(spearman(x, y)) and math.isnan(pearson(x, y))
        return
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-9)
    assert pearson(x, y) == pytest.approx(pearsonr(x, y).statistic, abs=1e-9)


def test_correlations_on_continuous_tensors() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 4))
    y = x + rng.normal(size=(50, 4))
    assert spearman(torch.tensor(x), torch.tensor(y)) == pytest.approx(spearmanr(x.ravel(), y.ravel()).statistic)
    assert pearson(torch.tensor(x), y) == pytest.approx(pearsonr(x.ravel(), y.ravel()).statistic)


def test_score_spread_is_p95_minus_p5() -> None:
    rng = np.random.default_rng(3)
    collapsed = 0.5 + 0.01 * rng.normal(size=999)
    spread = rng.random(999)
    for probs in (collapsed, spread):
        assert score_spread(probs) == pytest.approx(np.percentile(probs, 95) - np.percentile(probs, 5))
    assert score_spread(collapsed) < 0.05 < score_spread(spread)


def test_a_nan_score_makes_rank_statistics_nan_as_scipy_does() -> None:
    x = np.array([0.2, np.nan, 0.9, 0.4])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    assert math.isnan(spearmanr(x, y).statistic) and math.isnan(spearman(x, y))
    assert math.isnan(auroc(x, y))  # scikit-learn refuses NaN scores outright
    with pytest.raises(ValueError):
        roc_auc_score(y, x)


def test_a_share_survives_pickling_and_copying_with_its_counts():
    """Records holding shares are pickled on their way back from a Ray worker."""
    import copy
    import pickle

    value = precision(torch.tensor([1.0, 1, 1, 0]), torch.tensor([1.0, 0, 1, 1]))
    assert (value.numerator, value.denominator) == (2, 3)
    for again in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value)):
        assert type(again) is type(value) and again == pytest.approx(2 / 3)
        assert (again.numerator, again.denominator) == (2, 3)

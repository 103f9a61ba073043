"""Next-vector and retrieval metrics against brute-force numpy references."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vifspec.metrics import recall_at_k
from vifspec.metrics import retrieval
from vifspec.metrics.retrieval import contain_at_k
from vifspec.metrics.sequence import bins_delta, cosine_drop, mean_cosine, offset_margin


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


@pytest.fixture()
def vectors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    last = rng.normal(size=(120, 16))
    target = last + rng.normal(size=(120, 16)) * rng.uniform(0.1, 2.0, size=(120, 1))
    preds = 0.5 * last + 0.5 * target + 0.3 * rng.normal(size=(120, 16))
    return {"last": last, "target": target, "preds": preds, "ablated": last + 0.5 * rng.normal(size=(120, 16))}


def test_cosine_metrics(vectors: dict[str, np.ndarray]) -> None:
    p, t, last = vectors["preds"], vectors["target"], vectors["last"]
    assert mean_cosine(p, t) == pytest.approx(_cos(p, t).mean())
    assert mean_cosine(torch.tensor(p).reshape(12, 10, 16), t.reshape(12, 10, 16)) == pytest.approx(_cos(p, t).mean())
    assert offset_margin(p, t, last) == pytest.approx(_cos(p, t).mean() - _cos(p, last).mean())
    assert offset_margin(last, t, last) < 0
    expected_drop = _cos(p, t).mean() - _cos(vectors["ablated"], t).mean()
    assert cosine_drop(p, vectors["ablated"], t) == pytest.approx(expected_drop)


@pytest.mark.parametrize("n_bins", [1, 4, 7])
def test_bins_delta_matches_quantile_binning(vectors: dict[str, np.ndarray], n_bins: int) -> None:
    p, t, last = vectors["preds"], vectors["target"], vectors["last"]
    distinctness = 1 - _cos(last, t)
    delta = _cos(p, t) - _cos(last, t)
    bins = np.array_split(np.argsort(distinctness, kind="stable"), n_bins)
    expected = min(delta[b].mean() for b in bins)
    assert bins_delta(p, t, last, n_bins=n_bins) == pytest.approx(expected)
    assert bins_delta(last, t, last) == pytest.approx(0.0, abs=1e-12)


def _brute_force_hits(preds: np.ndarray, target: np.ndarray, groups: np.ndarray, k: int) -> float:
    sims = _cos(preds[:, None, :], target[None, :, :])
    hits = []
    for i, row in enumerate(sims):
        best_own = row[groups == groups[i]].max()
        hits.append((row > best_own).sum() < k and not np.isnan(best_own))
    return float(np.mean(hits))


@pytest.mark.parametrize("k", [1, 5, 10, 30, 119, 500])
@pytest.mark.parametrize("block", [1 << 24, 37 * 120])
def test_recall_and_contain_at_k(
    vectors: dict[str, np.ndarray], k: int, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retrieval, "SIMILARITY_BLOCK_ELEMENTS", block)
    p, t = vectors["preds"], vectors["target"]
    own = np.arange(len(p))
    assert recall_at_k(p, t, k=k) == pytest.approx(_brute_force_hits(p, t, own, k))
    documents = np.random.default_rng(k).integers(0, 30, len(p))
    assert contain_at_k(p, t, documents, k=k) == pytest.approx(_brute_force_hits(p, t, documents, k))


def test_recall_at_k_perfect_and_mismatched() -> None:
    items = np.random.default_rng(4).normal(size=(50, 8))
    assert recall_at_k(items, items, k=1) == 1.0
    with pytest.raises(ValueError):
        recall_at_k(items, items[:10])


@pytest.mark.parametrize("k", [1, 3, 30])
def test_recall_at_k_ties_count_for_the_query_and_nan_outranks_nothing(k: int) -> None:
    rng = np.random.default_rng(k)
    target = rng.normal(size=(60, 8))
    target[10:20] = target[0]  # ten candidates tied with query 0's own item
    preds = target + 0.5 * rng.normal(size=target.shape)
    target[40] = np.nan  # a NaN candidate: its query misses, it outranks no other query's item
    preds[50] = np.nan  # a NaN prediction misses
    own = np.arange(len(preds))
    expected = _brute_force_hits(preds, target, own, k)
    assert recall_at_k(preds, target, k=k) == pytest.approx(expected)
    hits = retrieval.recall_hits(preds, target, k=k)
    assert not hits[40] and not hits[50] and hits[0] == hits[10]


def test_recall_at_k_scores_a_changed_or_new_pool_afresh(vectors: dict[str, np.ndarray]) -> None:
    preds, target = torch.tensor(vectors["ablated"]), torch.tensor(vectors["target"])
    first = recall_at_k(preds, target, k=1)
    own = np.arange(120)
    assert first < 1.0 and recall_at_k(preds, target, k=5) == pytest.approx(_brute_force_hits(vectors["ablated"], vectors["target"], own, 5))
    preds.copy_(target)  # in place: same tensor, new version
    assert recall_at_k(preds, target, k=1) == 1.0
    assert recall_at_k(torch.tensor(vectors["ablated"]), target, k=1) == pytest.approx(first)

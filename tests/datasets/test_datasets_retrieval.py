"""Public behaviour of the `retrieval_synthetic` generator (seed 003)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

from vifspec.datasets.retrieval import register, retrieval_synthetic
from vifspec.registry import Registry


@pytest.fixture(scope="module")
def bundle():
    return retrieval_synthetic(seed=0)


def _overlap_share(split: dict, train: dict) -> float:
    ids = split["item_id"].tolist()
    return len(set(ids) & set(train["item_id"].tolist())) / len(ids)


def _recall_at_k(preds: np.ndarray, targets: np.ndarray, k: int) -> float:
    """Share of rows whose own target is among the k targets most cosine-similar to the prediction."""
    preds = preds / np.linalg.norm(preds, axis=1, keepdims=True)
    scores = preds @ targets.T
    own = scores[np.arange(len(scores)), np.arange(len(scores))]
    return float(((scores > own[:, None]).sum(axis=1) < k).mean())


def test_shapes_and_info(bundle):
    assert set(bundle.splits) == {"train", "val", "test"}
    assert bundle.info == {"dim": 64}
    for fields in bundle.splits.values():
        n = len(fields["item_id"])
        assert fields["query"].shape == fields["target"].shape == (n, 64)
        assert fields["group"].shape == (n,)
        assert fields["item_id"].dtype == fields["group"].dtype == torch.int64
        np.testing.assert_allclose(fields["target"].norm(dim=1).numpy(), 1.0, atol=1e-5)
    assert len(bundle.splits["val"]["item_id"]) == len(bundle.splits["test"]["item_id"]) == 450


def test_unique_items_and_their_count(bundle):
    ids = torch.cat([s["item_id"] for s in bundle.splits.values()]).tolist()
    assert len(set(ids)) == 3000
    for fields in bundle.splits.values():
        assert len(set(fields["item_id"].tolist())) == len(fields["item_id"])


@pytest.mark.parametrize("overlap", [0.0, 0.5, 0.915])
def test_test_split_overlaps_train_by_the_requested_share(overlap):
    splits = retrieval_synthetic(seed=2, n_items=2000, eval_overlap=overlap).splits
    assert _overlap_share(splits["test"], splits["train"]) == pytest.approx(overlap, abs=0.02)
    assert _overlap_share(splits["val"], splits["train"]) == 0.0


def test_copied_items_are_identical_to_their_train_originals(bundle):
    train, test = bundle.splits["train"], bundle.splits["test"]
    where = {item: row for row, item in enumerate(train["item_id"].tolist())}
    rows = [(r, where[i]) for r, i in enumerate(test["item_id"].tolist()) if i in where]
    test_rows, train_rows = map(list, zip(*rows))
    for name in ("query", "target", "group"):
        assert torch.equal(test[name][test_rows], train[name][train_rows])


def test_fresh_splits_share_no_article(bundle):
    train_groups = set(bundle.splits["train"]["group"].tolist())
    assert not train_groups & set(bundle.splits["val"]["group"].tolist())


def test_deterministic_per_seed(bundle):
    again, other = retrieval_synthetic(seed=0), retrieval_synthetic(seed=1)
    for name, fields in bundle.splits.items():
        for key in fields:
            assert torch.equal(again.splits[name][key], fields[key])
        assert not torch.allclose(other.splits[name]["target"], fields["target"])


def test_copying_the_query_retrieves_poorly_but_the_flow_is_learnable(bundle):
    train, val = bundle.splits["train"], bundle.splits["val"]
    targets = val["target"].numpy()
    copy_r1 = _recall_at_k(val["query"].numpy(), targets, 1)
    ridge = Ridge(alpha=1.0).fit(train["query"].numpy(), train["target"].numpy())
    learned_r1 = _recall_at_k(ridge.predict(val["query"].numpy()), targets, 1)
    assert copy_r1 < 0.1
    assert learned_r1 > copy_r1 + 0.2


def _mean_pairwise_cosine(vectors: torch.Tensor) -> float:
    similarity = vectors @ vectors.T
    n = len(vectors)
    return float((similarity.sum() - similarity.diagonal().sum()) / (n * (n - 1)))


def test_anisotropy_crowds_the_vectors_into_a_cone(bundle):
    cone = retrieval_synthetic(seed=0, anisotropy=0.5)
    for split in ("train", "test"):
        plain = _mean_pairwise_cosine(bundle.splits[split]["target"])
        crowded = _mean_pairwise_cosine(cone.splits[split]["target"])
        assert crowded > plain + 0.1, split
    # the train split is the same walk: normalise(v + a u) with u outside the latent subspace turns every
    # cosine c into (c + a^2) / (1 + a^2)
    plain, crowded = bundle.splits["train"]["target"][:300], cone.splits["train"]["target"][:300]
    torch.testing.assert_close(crowded @ crowded.T, (plain @ plain.T + 0.25) / 1.25, atol=1e-5, rtol=0)


def test_rejects_an_overlap_outside_the_unit_interval():
    with pytest.raises(ValueError):
        retrieval_synthetic(seed=0, eval_overlap=1.5)


def test_registry_entry_loads_and_package_import_is_torch_free():
    registry = Registry()
    register(registry)
    assert registry.names("dataset") == ["retrieval_synthetic"]
    assert registry.get("dataset", "retrieval_synthetic").load() is retrieval_synthetic
    code = "import sys, vifspec.datasets.retrieval; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

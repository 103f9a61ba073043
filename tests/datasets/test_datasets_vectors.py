"""Public behaviour of the `vector_sequences` generator (seed 002)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from scipy.stats import ks_2samp
from sklearn.linear_model import Ridge

from vifspec.datasets.vectors import register, vector_sequences
from vifspec.registry import Registry

SPLITS = ("train", "val", "test", "ood")


@pytest.fixture(scope="module")
def bundle():
    return vector_sequences(seed=0, n=2000, dim=32, context=5, rollout=3)


def _row_cosine(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_shapes_sizes_and_info(bundle):
    assert set(bundle.splits) == set(SPLITS)
    assert {name: len(bundle.splits[name]["target"]) for name in SPLITS} == {
        "train": 1400, "val": 300, "test": 300, "ood": 300
    }
    val = bundle.splits["val"]
    assert val["context"].shape == (300, 5, 32)
    assert val["target"].shape == (300, 32) and val["last"].shape == (300, 32)
    assert val["future"].shape == (300, 3, 32)
    assert bundle.info == {"dim": 32, "context": 5}


def test_fields_are_consistent_unit_vectors(bundle):
    for fields in bundle.splits.values():
        assert torch.equal(fields["last"], fields["context"][:, -1])
        assert torch.equal(fields["target"], fields["future"][:, 0])
        for name in ("context", "future"):
            np.testing.assert_allclose(fields[name].norm(dim=-1).numpy(), 1.0, atol=1e-5)


def test_same_seed_same_data_other_seed_other_data(bundle):
    again = vector_sequences(seed=0, n=2000, dim=32, context=5, rollout=3)
    other = vector_sequences(seed=1, n=2000, dim=32, context=5, rollout=3)
    for name in SPLITS:
        assert torch.equal(again.splits[name]["context"], bundle.splits[name]["context"])
        assert not torch.allclose(other.splits[name]["context"], bundle.splits[name]["context"])


def test_copy_last_is_strong_but_forward_signal_beats_it(bundle):
    """Copying is tempting (high cosine), yet a linear read of the context predicts better."""
    train, val = bundle.splits["train"], bundle.splits["val"]
    copy_cos = _row_cosine(val["last"], val["target"]).mean()
    assert 0.7 < copy_cos < 0.97
    ridge = Ridge(alpha=1.0).fit(train["context"].flatten(1).numpy(), train["target"].numpy())
    forward = ridge.predict(val["context"].flatten(1).numpy())
    assert _row_cosine(forward, val["target"]).mean() > copy_cos + 0.03
    margin = _row_cosine(forward, val["target"]) - _row_cosine(forward, val["last"])
    assert margin.mean() > 0.0
    assert _recall_at_1(forward, val["target"]) > _recall_at_1(val["last"], val["target"]) + 0.2


def _recall_at_1(preds, targets) -> float:
    """Share of rows whose own target is the pool target most cosine-similar to the prediction."""
    preds, targets = np.asarray(preds, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    scores = (preds / np.linalg.norm(preds, axis=1, keepdims=True)) @ targets.T
    return float((scores.argmax(axis=1) == np.arange(len(scores))).mean())


def test_vectors_fill_a_latent_subspace():
    data = vector_sequences(seed=0, n=400, dim=32, latent_dim=5)
    assert np.linalg.matrix_rank(data.splits["train"]["target"].numpy(), tol=1e-4) == 5


def test_ood_is_drawn_from_another_distribution(bundle):
    val, ood = bundle.splits["val"], bundle.splits["ood"]
    step_val = _row_cosine(val["last"], val["target"])
    step_ood = _row_cosine(ood["last"], ood["target"])
    assert ks_2samp(step_val, step_ood).pvalue < 1e-6
    test = bundle.splits["test"]
    assert ks_2samp(step_val, _row_cosine(test["last"], test["target"])).pvalue > 1e-3


def test_ood_shift_zero_keeps_the_step_distribution():
    data = vector_sequences(seed=3, n=2000, dim=32, ood_shift=0.0)
    val, ood = data.splits["val"], data.splits["ood"]
    steps = [_row_cosine(s["last"], s["target"]) for s in (val, ood)]
    assert ks_2samp(*steps).pvalue > 1e-3


def test_rejects_a_context_too_short_to_show_a_direction():
    with pytest.raises(ValueError):
        vector_sequences(seed=0, n=100, context=1)


def test_registry_entry_loads_and_package_import_is_torch_free():
    registry = Registry()
    register(registry)
    assert registry.names("dataset") == ["vector_sequences"]
    assert registry.get("dataset", "vector_sequences").load() is vector_sequences
    code = "import sys, vifspec.datasets.vectors; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

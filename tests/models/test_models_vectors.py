"""Public behaviour of the next-vector models (seed 002): `next_vector` and `copy_last`."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch.nn.functional import cosine_similarity, mse_loss, normalize

from vifspec.models.vectors import CopyLast, NextVectorPredictor, register
from vifspec.models.vectors.base import SequencePredictor
from vifspec.registry import Registry

DIM, CONTEXT, ROLLOUT = 16, 5, 3


def _batch(size: int = 8, seed: int = 0) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    context = normalize(torch.randn(size, CONTEXT, DIM, generator=generator), dim=-1)
    future = normalize(torch.randn(size, ROLLOUT, DIM, generator=generator), dim=-1)
    return {"context": context, "last": context[:, -1], "target": future[:, 0], "future": future}


@pytest.mark.parametrize("kind", ["mlp", "gru", "transformer"])
def test_eval_outputs_shapes_and_unit_norm(kind):
    torch.manual_seed(0)
    model = NextVectorPredictor(DIM, CONTEXT, hidden=32, layers=2, kind=kind).eval()
    batch = _batch()
    with torch.no_grad():
        out = model(batch)
    assert set(out) == {"pred", "pred_shuffled", "rollout", "rollout_target"}
    assert out["pred"].shape == out["pred_shuffled"].shape == (8, DIM)
    assert out["rollout"].shape == (8, ROLLOUT, DIM)
    assert torch.equal(out["rollout_target"], batch["future"])
    torch.testing.assert_close(out["pred"].norm(dim=-1), torch.ones(8))
    torch.testing.assert_close(out["rollout"][:, 0], out["pred"])
    assert not torch.allclose(out["pred_shuffled"], out["pred"])


@pytest.mark.parametrize(("read", "computed"), [({"pred"}, {"pred"}), ({"pred_shuffled"}, {"pred", "pred_shuffled"}),
                                               ({"rollout", "target"}, {"pred", "rollout", "rollout_target"})])
def test_evaluation_computes_only_the_outputs_it_reads(read, computed):
    from vifspec.outputs import reading

    model = NextVectorPredictor(DIM, CONTEXT, hidden=32).eval()
    with torch.no_grad(), reading(read):
        assert set(model(_batch())) == computed


def test_training_mode_returns_only_the_prediction():
    model = NextVectorPredictor(DIM, CONTEXT, hidden=32).train()
    assert set(model(_batch())) == {"pred"}


def test_rollout_feeds_predictions_back():
    torch.manual_seed(0)
    model = NextVectorPredictor(DIM, CONTEXT, hidden=32, kind="gru").eval()
    batch = _batch()
    with torch.no_grad():
        rollout = model(batch)["rollout"]
        window = torch.cat([batch["context"][:, 1:], rollout[:, :1]], dim=1)
        second = model({"context": window})["pred"]
    torch.testing.assert_close(rollout[:, 1], second)


def test_shuffle_ablation_keeps_the_last_vector_and_permutes_the_history():
    """A model reading only the first context vector sees the shuffle; copy-last never does."""

    class FirstVector(SequencePredictor):
        def predict(self, context):
            return context[:, 0]

    batch = _batch(size=64)
    out = FirstVector().eval()(batch)
    history = batch["context"][:, :-1]
    matches = (out["pred_shuffled"][:, None] == history).all(-1)
    assert matches.any(1).all()
    assert not torch.equal(out["pred_shuffled"], out["pred"])
    copy = CopyLast().eval()(batch)
    assert torch.equal(copy["pred_shuffled"], batch["last"])


def test_residual_architecture_starts_from_copying_the_last_vector():
    model = NextVectorPredictor(DIM, CONTEXT, hidden=32, residual=True).eval()
    torch.nn.init.zeros_(model.head.weight)
    torch.nn.init.zeros_(model.head.bias)
    batch = _batch()
    torch.testing.assert_close(model(batch)["pred"], batch["last"])


def test_copy_last_predicts_and_rolls_out_the_last_vector():
    model = CopyLast().eval()
    batch = _batch()
    out = model(batch)
    assert torch.equal(out["pred"], batch["last"])
    assert torch.equal(out["rollout"], batch["last"][:, None].expand(-1, ROLLOUT, -1))
    assert list(model.parameters()) == []


def test_invalid_configurations_are_rejected():
    with pytest.raises(ValueError, match="kind"):
        NextVectorPredictor(DIM, CONTEXT, kind="lstm")
    with pytest.raises(ValueError, match="heads"):
        NextVectorPredictor(DIM, CONTEXT, hidden=30, kind="transformer")


def test_short_mse_training_improves_mean_cosine():
    from vifspec.datasets.vectors import vector_sequences

    torch.manual_seed(0)
    data = vector_sequences(seed=0, n=1000, dim=DIM, context=CONTEXT)
    train, val = data.splits["train"], data.splits["val"]
    model = NextVectorPredictor(DIM, CONTEXT, hidden=64, kind="mlp")
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    def val_cosine() -> float:
        model.eval()
        with torch.no_grad():
            return cosine_similarity(model(val)["pred"], val["target"], dim=-1).mean().item()

    before = val_cosine()
    model.train()
    for _ in range(2):
        for rows in torch.randperm(len(train["target"])).split(64):
            loss = mse_loss(model({"context": train["context"][rows]})["pred"], train["target"][rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert val_cosine() > before + 0.4


def test_registry_entries_load_and_package_import_is_torch_free():
    registry = Registry()
    register(registry)
    assert registry.names("model") == ["copy_last", "next_vector"]
    assert registry.get("model", "next_vector").load() is NextVectorPredictor
    assert registry.get("model", "copy_last").load() is CopyLast
    code = "import sys, vifspec.models.vectors; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)

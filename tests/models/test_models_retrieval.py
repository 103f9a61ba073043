"""Public behaviour of the retrieval models (seed 003): `retriever` and `query_as_prediction`."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch.nn.functional import cosine_similarity, normalize

from vifspec.models.retrieval import QueryAsPrediction, Retriever, register
from vifspec.registry import Registry

DIM = 16


def _batch(size: int = 10) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    query = normalize(torch.randn(size, DIM, generator=generator), dim=-1)
    target = normalize(torch.randn(size, DIM, generator=generator), dim=-1)
    return {"query": query, "target": target}


def _unit_rows(x: torch.Tensor) -> None:
    torch.testing.assert_close(x.norm(dim=-1), torch.ones(len(x)))


def test_eval_outputs_shapes_and_normalisation():
    torch.manual_seed(0)
    model = Retriever(DIM, hidden=32, proj_dim=8).eval()
    with torch.no_grad():
        out = model(_batch())
    assert set(out) == {"pred", "pred_proj", "target_proj", "latency_ms"}
    assert out["pred"].shape == (10, DIM)
    assert out["pred_proj"].shape == out["target_proj"].shape == (10, 8)
    for name in ("pred", "pred_proj", "target_proj"):
        _unit_rows(out[name])


def test_latency_is_an_eval_only_positive_per_query_share():
    model = Retriever(DIM, hidden=32)
    assert "latency_ms" not in model.train()(_batch())
    latency = model.eval()(_batch(size=10))["latency_ms"]
    assert latency.shape == (10,)
    assert (latency > 0).all() and torch.unique(latency).numel() == 1


def test_projection_head_is_shared_between_prediction_and_target():
    torch.manual_seed(0)
    model = Retriever(DIM, hidden=32, proj_dim=8).eval()
    batch = _batch()
    with torch.no_grad():
        out = model(batch)
        torch.testing.assert_close(out["target_proj"], model.project(batch["target"]))
        torch.testing.assert_close(out["pred_proj"], model.project(out["pred"]))


def test_without_projection_the_raw_vectors_are_used():
    batch = _batch()
    batch["target"] = batch["target"] * 3.0
    out = Retriever(DIM, hidden=32, use_projection=False).eval()(batch)
    torch.testing.assert_close(out["pred_proj"], out["pred"])
    torch.testing.assert_close(out["target_proj"], normalize(batch["target"], dim=-1))


def test_projection_head_standardises_each_call_in_training_and_pools_them_in_evaluation():
    torch.manual_seed(0)
    model = Retriever(DIM, hidden=32, proj_dim=8)
    head = model.projection
    close, far = normalize(torch.randn(64, DIM), dim=-1), normalize(torch.randn(64, DIM) + 3.0, dim=-1)
    for _ in range(50):  # training calls, one cloud at a time, as the loss sees them
        for cloud in (close, far):
            trained = head(cloud)
            torch.testing.assert_close(trained.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
    model.eval()
    with torch.no_grad():
        centre_close, centre_far = head(close).mean(0), head(far).mean(0)
    # pooled running mean: the two clouds' centres sit on opposite sides of it
    assert cosine_similarity(centre_close, centre_far, dim=0) < -0.95
    assert centre_close.norm() > 0.5 and centre_far.norm() > 0.5


def test_without_batch_norm_the_head_is_a_plain_mlp_and_a_single_row_trains():
    plain = Retriever(DIM, hidden=32, proj_dim=8, batch_norm=False)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in plain.modules())
    model = Retriever(DIM, hidden=32, proj_dim=8).train()
    out = model({name: value[:1] for name, value in _batch().items()})
    _unit_rows(out["pred_proj"])
    assert model.training and model.projection.training


def test_query_as_prediction_copies_the_query():
    model = QueryAsPrediction().eval()
    batch = _batch()
    out = model(batch)
    assert torch.equal(out["pred"], batch["query"])
    assert out["latency_ms"].shape == (10,)
    assert list(model.parameters()) == []


def test_short_cosine_training_learns_the_flow():
    from vifspec.datasets.retrieval import retrieval_synthetic

    torch.manual_seed(0)
    data = retrieval_synthetic(seed=0, n_items=1000, dim=DIM)
    train, val = data.splits["train"], data.splits["val"]
    model = Retriever(DIM, hidden=64)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(4):
        for rows in torch.randperm(len(train["query"])).split(64):
            pred = model({"query": train["query"][rows]})["pred"]
            loss = 1 - cosine_similarity(pred, train["target"][rows], dim=-1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        learned = cosine_similarity(model.eval()(val)["pred"], val["target"], dim=-1).mean()
    copied = cosine_similarity(val["query"], val["target"], dim=-1).mean()
    assert learned > copied + 0.08


def test_registry_entries_load_and_package_import_is_torch_free():
    registry = Registry()
    register(registry)
    assert registry.names("model") == ["query_as_prediction", "retriever"]
    assert registry.get("model", "retriever").load() is Retriever
    assert registry.get("model", "query_as_prediction").load() is QueryAsPrediction
    code = "import sys, vifspec.models.retrieval; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_latency_on_cuda_device():
    model = Retriever(DIM).cuda().eval()
    batch = {name: value.cuda() for name, value in _batch().items()}
    out = model(batch)
    assert out["latency_ms"].device.type == "cuda" and (out["latency_ms"] > 0).all()

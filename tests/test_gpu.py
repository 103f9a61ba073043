"""The cuda path (skipped without a GPU; CI has none): same spec on cuda and cpu, close metrics."""

from __future__ import annotations

import warnings

import pytest
import torch

import vifspec

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def test_tiny_spec_trains_on_cuda_like_on_cpu(tiny_kt, tmp_path):
    (plan,) = vifspec.compile(tiny_kt)
    on_cpu = vifspec.run(plan, out=tmp_path / "cpu", device="cpu", progress=False)
    on_cuda = vifspec.run(plan, out=tmp_path / "cuda", device="cuda", progress=False)
    assert on_cuda.environment["device"].startswith("cuda")
    assert on_cuda.status == on_cpu.status
    assert on_cuda.metrics["test"]["encoder1_auc"] == pytest.approx(on_cpu.metrics["test"]["encoder1_auc"], abs=0.05)
    state = torch.load(plan.run_dir(tmp_path / "cuda") / "checkpoint.pt", weights_only=True)
    assert all(t.device.type == "cpu" for t in state.values())


def test_metrics_score_a_million_predictions_on_the_device():
    from vifspec.metrics import accuracy, auroc

    scores = torch.rand(1_000_000, device="cuda")
    target = (torch.rand(1_000_000, device="cuda") < scores).float()
    assert 0.5 < auroc(scores, target) <= 1.0
    assert 0.0 <= accuracy(scores.round(), target) <= 1.0


def test_training_makes_no_host_sync_per_step(write_spec, tmp_path):
    """A host sync per step would stall the GPU: the same 3 epochs in 18 steps each or in 3 sync about
    as often (per epoch and per evaluation, never per step)."""
    from mlp_fixture import MLP_SPEC

    def syncs(batch_size: int) -> int:
        text = (MLP_SPEC.replace("seeds = [0, 1, 2]", "seeds = [0]").replace("epochs = 6", "epochs = 3")
                .replace("batch_size = 32", f"batch_size = {batch_size}").replace('device = "cpu"', 'device = "cuda"')
                .replace('early_stopping = { monitor = "val.auc", patience = 1 }\n', ""))
        (plan,) = vifspec.compile(write_spec(text, name=f"b{batch_size}.toml"))
        torch.cuda.synchronize()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                vifspec.run(plan, out=tmp_path / str(batch_size), progress=False)
            finally:
                torch.cuda.set_sync_debug_mode(0)
        return sum("synchroniz" in str(w.message).lower() for w in caught)

    few_steps, many_steps = syncs(100), syncs(16)  # 280 training rows: 3 epochs of 3 steps against 3 of 18
    assert few_steps > 0  # the debug mode saw the per-epoch ones
    assert many_steps - few_steps < 3 * 15  # one sync per step would add 45

"""The cuda path (skipped without a GPU; CI has none): same spec on cuda and cpu, close metrics."""

from __future__ import annotations

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

"""The GPU paths of seeds together and Ray tasks (skipped without CUDA; CI has none)."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

import vifspec
from mlp_fixture import MLP_SPEC, sweep_spec
from vifspec.cli import main
from vifspec.executor.together import run_together
from vifspec.records import find_records, read_record

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

NO_DROPOUT = MLP_SPEC.replace("dropout = 0.2", "dropout = 0.0").replace('device = "cpu"', 'device = "cuda"')


def test_seeds_together_on_cuda_equal_each_seed_alone_on_cuda(write_spec, tmp_path):
    """Without dropout the masks play no part, so the records agree within float tolerance."""
    plans = vifspec.compile(write_spec(NO_DROPOUT))
    together = run_together(plans, out=str(tmp_path / "together"), progress=False)
    alone = [vifspec.run(plan, out=tmp_path / "alone", progress=False) for plan in plans]
    for mine, reference in zip(together, alone, strict=True):
        assert mine.environment["device"].startswith("cuda")
        assert (mine.status, mine.epochs) == (reference.status, reference.epochs)
        assert mine.metrics["test"] == pytest.approx(reference.metrics["test"], abs=1e-3)


def test_seeds_together_with_dropout_on_cuda_train_like_on_cpu(write_spec, tmp_path):
    """On CUDA the masks come from another stream than the fused dropout kernel: close, not equal."""
    plans = vifspec.compile(write_spec(MLP_SPEC.replace('device = "cpu"', 'device = "auto"')))
    on_cuda = run_together(plans, out=str(tmp_path / "cuda"), device="cuda", progress=False)
    on_cpu = run_together(plans, out=str(tmp_path / "cpu"), device="cpu", progress=False)
    assert all(r.environment["device"].startswith("cuda") for r in on_cuda)
    for gpu, cpu in zip(on_cuda, on_cpu, strict=True):
        assert gpu.finished and gpu.metrics["test"]["auc"] == pytest.approx(cpu.metrics["test"]["auc"], abs=0.1)


def test_ray_tasks_with_a_quarter_gpu_train_on_cuda(write_spec, tmp_path):
    pytest.importorskip("ray")
    text = sweep_spec(seeds="[0, 1]", epochs=2).replace('device = "cpu"', 'device = "auto"')
    text = text.replace("[train]\n", "[train]\nresources = { cpus = 1, gpus = 0.25 }\n")
    result = CliRunner().invoke(main, ["run", str(write_spec(text)), "--out", str(tmp_path), "--workers", "2"])
    assert result.exit_code in (0, 1), result.output
    records = [read_record(p) for p in find_records(tmp_path)]
    assert len(records) == 6 and all(r.finished and r.environment["device"].startswith("cuda") for r in records)

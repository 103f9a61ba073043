"""Sweeps on a 2-worker local Ray cluster: the records a sequential run writes; a lost worker is a crashed plan."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from mlp_fixture import MLP_SPEC, sweep_spec
from vifspec.cli import main
from vifspec.figures import available
from vifspec.records import find_records, read_record
from vifspec.runner import RunOptions, run_spec

try:
    import ray
except ImportError:  # the extra is not installed: only the install hint is tested
    ray = None
needs_ray = pytest.mark.skipif(ray is None, reason="needs the ray extra: pip install 'vifspec[ray]'")


@pytest.fixture(scope="module")
def cluster():
    """One local cluster of 2 CPUs for the module (vifspec joins it instead of starting its own)."""
    os.environ["VIFSPEC_TEST_DRIVER_PID"] = str(os.getpid())
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()


def _records(out):
    return {(r.variant, r.seed): r for r in (read_record(p) for p in find_records(out))}


@needs_ray
def test_a_sweep_on_two_workers_writes_the_records_of_a_sequential_run(cluster, write_spec, tmp_path):
    spec = write_spec(sweep_spec(seeds="[0, 1]", epochs=2).replace("checkpoint = false", "checkpoint = true")
                      .replace('test = ["auc", "log_loss"]', 'test = ["auc", "log_loss", "precision"]')  # a share: 8/11
                      .replace("[metrics]", '[metric.precision]\nfn = "precision"\ninputs = { scores = "probs", target = "target" }\n\n[metrics]'))
    on_ray = CliRunner().invoke(main, ["run", str(spec), "--out", str(tmp_path / "ray"), "--workers", "2"])
    alone = CliRunner().invoke(main, ["run", str(spec), "--out", str(tmp_path / "seq")])
    assert on_ray.exit_code == alone.exit_code and on_ray.exit_code in (0, 1, 4), on_ray.output
    assert on_ray.stdout.splitlines()[:-1] == alone.stdout.splitlines()[:-1]  # the same verdict lines
    ray_records, seq_records = _records(tmp_path / "ray"), _records(tmp_path / "seq")
    assert ray_records.keys() == seq_records.keys() and len(ray_records) == 6
    for key, record in ray_records.items():
        reference = seq_records[key]
        assert (record.status, record.epochs, record.plan_hash) == (reference.status, reference.epochs, reference.plan_hash)
        for split, values in record.metrics.items():
            assert values == pytest.approx(reference.metrics[split], abs=1e-5)
        assert record.counts == reference.counts and "precision" in record.counts["test"]
    shipped = sorted(p.relative_to(tmp_path / "ray") for p in (tmp_path / "ray").rglob("checkpoint.pt"))
    assert shipped == sorted(p.relative_to(tmp_path / "seq") for p in (tmp_path / "seq").rglob("checkpoint.pt")) and len(shipped) == 6
    assert (tmp_path / "ray" / "mlp-seeds" / "REPORT.md").exists()
    if available():  # each run's own figures are drawn on its worker, not again on the driver; a variant's curves on the driver
        for record_path in find_records(tmp_path / "ray"):
            shares = record_path.parent / "loss_shares.png"
            assert shares.stat().st_mtime == record_path.stat().st_mtime
            assert not (record_path.parent / "curves.png").exists() and (record_path.parent.parent / "curves.png").exists()


@needs_ray
def test_a_gpu_share_with_device_auto_on_a_cluster_without_gpus_trains_on_the_cpu(cluster, write_spec, tmp_path):
    """As device auto does alone; reserving a GPU no node has would leave the tasks waiting for ever."""
    import torch

    text = sweep_spec(epochs=1).replace('device = "cpu"', 'device = "auto"').replace("[train]\n", "[train]\nresources = { cpus = 1, gpus = 0.25 }\n")
    result = CliRunner().invoke(main, ["run", str(write_spec(text)), "--out", str(tmp_path), "--workers", "2"])
    assert result.exit_code in (0, 1, 4), result.output
    records = list(_records(tmp_path).values())
    expected = "cuda" if ray.cluster_resources().get("GPU", 0) and torch.cuda.is_available() else "cpu"
    assert len(records) == 3 and all(r.finished and r.environment["device"].startswith(expected) for r in records)


@needs_ray
def test_a_task_whose_worker_dies_is_retried_then_recorded_as_crashed(cluster, write_spec, tmp_path):
    spec = write_spec(MLP_SPEC.replace("seeds = [0, 1, 2]", "seeds = [0]").replace("epochs = 6", "epochs = 2") + """
[sweep]
case = [
  { label = "ok" },
  { label = "dies", "model.name" = "mlp_fixture:DiesInWorker", "model.params" = {}, "loss.spread.inputs" = { beta = "net.bias" } },
]
""")
    summary = run_spec(str(spec), RunOptions(out=str(tmp_path / "runs"), workers=2, retries=1, progress=False), say=lambda _: None)
    records = _records(tmp_path / "runs")
    assert records[("case=ok", 0)].finished
    lost = records[("case=dies", 0)]
    assert lost.status == "crashed" and "its Ray task failed after 1 retries" in lost.stop_reason
    assert summary.crashed == [f"case=dies (seed 0) crashed: {lost.stop_reason}; record: {tmp_path / 'runs' / 'mlp-seeds' / 'case=dies' / 'record.json'}"]


@needs_ray
def test_a_local_cluster_starts_without_ray_notices_in_the_output(write_spec, tmp_path):
    """In a process of its own, as a user runs it: the cluster vifspec starts says nothing of its defaults."""
    spec = write_spec(sweep_spec(epochs=1))
    done = subprocess.run([sys.executable, "-m", "vifspec", "run", str(spec), "--workers", "2", "--quiet", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1, 4), done.stderr[-3000:]
    assert "Token authentication" not in done.stderr and "WARNING" not in done.stderr, done.stderr[-3000:]
    assert len(list(find_records(tmp_path))) == 3


def test_an_address_nothing_answers_at_is_exit_5_at_once(write_spec, tmp_path):
    """Ray itself would retry for minutes; the run stops before preparing anything."""
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["run", str(write_spec(MLP_SPEC)), "--ray-address", f"127.0.0.1:{port}",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 5, result.output
    assert f"127.0.0.1:{port}: no Ray cluster answers there" in result.output and "ray start --head" in result.output
    assert not list(find_records(tmp_path))


@needs_ray
def test_a_cluster_ray_cannot_join_is_exit_5_with_rays_reason(write_spec, tmp_path, monkeypatch):
    def no_cluster(**options):
        raise ConnectionError("Could not find any running Ray instance.\nPlease specify the one to connect to.")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", no_cluster)
    result = CliRunner().invoke(main, ["run", str(write_spec(MLP_SPEC)), "--ray-address", "auto", "--out", str(tmp_path)])
    assert result.exit_code == 5, result.output
    assert "auto: cannot join a Ray cluster there: Could not find any running Ray instance. Please specify" in result.output
    assert "Traceback" not in result.output


def test_workers_without_the_ray_extra_exit_2_with_the_install_hint(write_spec, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as without the extra
    result = CliRunner().invoke(main, ["run", str(write_spec(MLP_SPEC)), "--workers", "2"])
    assert result.exit_code == 2
    assert "pip install 'vifspec[ray]'" in result.output


COUNTED_STARTS = """
import sys, ray
from vifspec.runner import RunOptions, run_spec
starts, init = [], ray.init
ray.init = lambda *a, **k: starts.append(k) or init(*a, **k)
run_spec(sys.argv[1], RunOptions(out=sys.argv[2], workers=2, progress=False), say=lambda _: None)
print("ray.init calls:", len(starts))
"""


@needs_ray
def test_a_baseline_spec_run_first_shares_the_runs_one_ray_cluster(write_spec, tmp_path):
    """In a process of its own (this module's tests share a cluster): one cluster started, not one per spec."""
    one_seed = MLP_SPEC.replace("seeds = [0, 1, 2]", "seeds = [0]").replace("epochs = 6", "epochs = 1")
    write_spec(one_seed.replace('id = "mlp-seeds"', 'id = "mlp-base"'), name="base.toml")
    spec = write_spec(one_seed + '\n[baseline]\nlabel = "Base"\nspec = "base.toml"\ncompare = ["test.auc"]\n')
    done = subprocess.run([sys.executable, "-c", COUNTED_STARTS, str(spec), str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ray.init calls: 1" in done.stdout
    assert {r.experiment.id for r in map(read_record, find_records(tmp_path / "out"))} == {"mlp-base", "mlp-seeds"}

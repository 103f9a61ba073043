"""``vifspec run --log mlflow`` read back from a real local MLflow file store with MLflow's own client."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vifspec.cli import main
from vifspec.records import scan_records
from vifspec.tracking.mlflow_export import safe_key, tracking_uri
from vifspec.verdict import judge_records

mlflow = pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient  # noqa: E402


@pytest.fixture
def no_tracking_env(monkeypatch):
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_ALLOW_FILE_STORE"):
        monkeypatch.setenv(name, "")  # recorded, so the exporter's own setting is undone after the test
        monkeypatch.delenv(name)


def test_one_run_per_plan_nested_under_the_experiment(tiny_kt, tmp_path, no_tracking_env):
    out = tmp_path / "runs"
    result = CliRunner().invoke(main, ["run", str(tiny_kt), "--out", str(out), "--seeds", "2", "--log", "mlflow"])
    assert result.exit_code in (0, 4), result.output  # PASSED, or INCONCLUSIVE over two seeds
    store = (out / "mlruns").resolve().as_uri()  # no MLFLOW_TRACKING_URI: a file store under --out
    assert f"in {store}" in result.output
    client = MlflowClient(tracking_uri=store)
    experiment = client.get_experiment_by_name("tiny-kt")
    runs = client.search_runs([experiment.experiment_id])
    [parent] = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = {r.data.tags["vifspec.seed"]: r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert sorted(children) == ["0", "1"] and len(runs) == 3
    records = {str(r.seed): r for r in scan_records(out / "tiny-kt").records}

    child, record = children["0"], records["0"]
    assert child.info.run_name == "main seed 0" and child.info.status == "FINISHED"
    assert child.data.params["train.epochs"] == "3" and child.data.params["loss.bce.weight"] == "0.5"
    assert child.data.params["variant"] == "main" and child.data.params["seed"] == "0"
    history = client.get_metric_history(child.info.run_id, "val/encoder1_auc")
    assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == [
        (e.epoch, pytest.approx(e.val["encoder1_auc"])) for e in record.history
    ]
    raw = client.get_metric_history(child.info.run_id, "train/loss.variance")
    assert sorted(m.value for m in raw) == pytest.approx(sorted(e.train.terms["variance"].raw for e in record.history))
    assert child.data.metrics["test.encoder1_auc"] == pytest.approx(record.metrics["test"]["encoder1_auc"])
    assert child.data.tags["vifspec.verdict"] == record.verdict["status"]
    assert child.data.tags["vifspec.criterion.AUC"].startswith("PASS: ")
    assert child.data.tags["vifspec.criterion.Gain Std"].startswith("FAIL: ")
    assert {"report.md", "curves.png", "loss_shares.png"} <= {a.path for a in client.list_artifacts(child.info.run_id)}

    verdict = judge_records(list(records.values()))
    assert parent.data.tags["vifspec.main.verdict"] == verdict.status
    assert parent.data.tags["vifspec.main.criteria_met"] == f"{verdict.met}/{verdict.total}"
    assert parent.data.tags["mlflow.note.content"] == "A tiny gain model learns something."
    assert parent.info.status == "FINISHED"
    parent_files = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert "REPORT.md" in parent_files and "main" in parent_files
    assert {"main/report.md", "main/criteria.png"} <= {a.path for a in client.list_artifacts(parent.info.run_id, "main")}


def test_tracking_uri_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert tracking_uri(tmp_path) == "http://tracking.example:5000"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "file:///data/mlruns")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE")
    assert tracking_uri(tmp_path) == "file:///data/mlruns"
    import os

    assert os.environ["MLFLOW_ALLOW_FILE_STORE"] == "true"  # naming a file store is taken as permission


def test_names_mlflow_refuses_are_made_safe():
    assert safe_key("val/r@5") == "val/r_at_5"
    assert safe_key("vifspec.criterion.ΔR@5 (gate)") == "vifspec.criterion.ΔR_at_5 _gate_"

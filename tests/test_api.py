"""The public Python API does what the command line does."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

import vifspec
from vifspec.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]


def test_compile_takes_seeds_selection_and_overrides(tiny_kt) -> None:
    plans = vifspec.compile(tiny_kt, seeds=3, overrides={"train.epochs": 1, "model.params.d_model": 4})
    assert [p.seed for p in plans] == [0, 1, 2]
    assert all(p.spec.train.epochs == 1 and p.spec.model.params["d_model"] == 4 for p in plans)
    assert dict(plans[0].overrides) == {"train.epochs": 1, "model.params.d_model": 4}
    with pytest.raises(SpecError, match="did you mean 'train.epochs'"):
        vifspec.compile(tiny_kt, overrides={"train.epoch": 1})


def test_run_writes_the_reports_the_cli_writes(tiny_kt, tmp_path) -> None:
    (plan,) = vifspec.compile(tiny_kt, overrides={"train.epochs": 1})
    record = vifspec.run(plan, out=tmp_path, progress=False)
    assert (plan.run_dir(tmp_path) / "report.md").read_text(encoding="utf-8").startswith("# Tiny KT")
    assert (tmp_path / "tiny-kt" / "REPORT.md").exists() and record.status in ("completed", "early_stopped")


def test_run_spec_and_judge_like_the_cli(tiny_kt, tmp_path) -> None:
    summary = vifspec.run_spec(tiny_kt, seeds=3, out=str(tmp_path), overrides={"train.epochs": 1}, progress=False)
    assert summary.status == "PASSED" and len(summary.records) == 3  # AUC > 0 over 3 seeds, interval and all
    values = [r.metrics["test"]["encoder1_auc"] for r in summary.records]
    results = {"metrics": {"test": {"encoder1_auc": values, "gain_std": [0.0] * 3}}}
    verdict = vifspec.judge(tiny_kt, results)
    assert verdict.criteria[0].achieved == pytest.approx(sum(values) / 3) and verdict.status == "PASSED"
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    assert vifspec.judge(str(tiny_kt), str(path)).to_dict() == verdict.to_dict()


def test_the_script_example_runs(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["script_api.py", str(ROOT / "specs" / "v2_baseline.toml")])
    runpy.run_path(str(ROOT / "examples" / "script_api.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "over seeds:" in out and "judged from a results dict:" in out
    assert list((tmp_path / "runs" / "script-api").rglob("report.md"))

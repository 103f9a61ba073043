"""The runnable specs of seeds 002 (next-vector 5CAT gate) and 003 (contrastive gate), end to end.

Each spec is compiled as shipped; cut-down copies (smaller data, fewer epochs) are written into
``tmp_path`` and run through the CLI, and the written records and reports are checked against
what the seeds show: per-split VAL/OOD rows and Mixed status, "Gates Passed: k/5", the collapse
guard, the arms table with its Δ row, the leaked evaluation, and exit code 1 when a gate fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import vifspec
from vifspec.cli import main

SPECS = Path(__file__).resolve().parents[1] / "specs"
LVM_SPEC = SPECS / "lvm_next_vector.toml"
CONTRASTIVE_SPEC = SPECS / "contrastive_gate.toml"
SPLIT_STATUSES = {"PASS", "FAIL", "INCONCLUSIVE"}

LVM_SMALL = {
    "n = 20000,": "n = 2000,",
    "epochs = 20\n": "epochs = 5\n",
    "batch_size = 128\n": "batch_size = 32\n",
    "lr = 5e-5,": "lr = 1e-3,",
}
LVM_VARIANTS = {"P1-pure-mse", "P2-residual", "P3-tiny-guards", "V3-strong-guards"}
CONTRASTIVE_SMALL = {
    "n_items = 6000,": "n_items = 1000,",
    "epochs = 10\n": "epochs = 3\n",
    "batch_size = 256\n": "batch_size = 64\n",
}


def _cut_down(spec: Path, replacements: dict[str, str], directory: Path) -> Path:
    """A copy of ``spec`` in ``directory`` with each snippet replaced (each must occur exactly once)."""
    text = spec.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{spec.name} no longer holds {old!r} exactly once"
        text = text.replace(old, new)
    path = directory / spec.name
    path.write_text(text, encoding="utf-8")
    return path


def _run(spec: Path, out: Path, *options: str) -> Any:
    return CliRunner().invoke(main, ["run", str(spec), "--out", str(out), "--device", "cpu", "--quiet", *options])


def _record(out: Path, experiment: str, variant: str) -> dict[str, Any]:
    return json.loads((out / experiment / variant / "record.json").read_text(encoding="utf-8"))


def _report(out: Path, experiment: str, variant: str) -> str:
    return (out / experiment / variant / "report.md").read_text(encoding="utf-8")


def _criteria(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in record["verdict"]["criteria"]}


@pytest.mark.parametrize("spec, variants", [(LVM_SPEC, LVM_VARIANTS), (CONTRASTIVE_SPEC, {"ar_only", "infonce_ar"})])
def test_shipped_specs_compile(spec, variants):
    plans = vifspec.compile(spec)
    assert {plan.variant for plan in plans} == variants
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def lvm_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("lvm")
    out = directory / "runs"
    result = _run(_cut_down(LVM_SPEC, LVM_SMALL, directory), out, "--only", "P1-pure-mse", "--only", "V3-strong-guards")
    return result, out


def test_lvm_gate_is_judged_per_split_on_val_and_ood(lvm_run):
    result, out = lvm_run
    record = _record(out, "lvm-next-vector", "P1-pure-mse")
    criteria = _criteria(record)
    assert len(criteria) == 6
    for criterion in criteria.values():
        rows = {row["split"]: row for row in criterion["rows"]}
        assert set(rows) == {"val", "ood"}
        for split, row in rows.items():
            assert row["achieved"] == pytest.approx(record["metrics"][split][_metric_of(criterion)])
            assert row["status"] in SPLIT_STATUSES
        statuses = {row["status"] for row in rows.values()}
        # every split agrees: that status; passing or within noise: INCONCLUSIVE; otherwise MIXED
        expected = statuses.pop() if len(statuses) == 1 else "INCONCLUSIVE" if statuses == {"PASS", "INCONCLUSIVE"} else "MIXED"
        assert criterion["status"] == expected


def _metric_of(criterion: dict[str, Any]) -> str:
    return re.match(r"\{val,ood\}\.(\S+)", criterion["expression"]).group(1)


def test_lvm_copy_last_basin_and_mixed_splits(lvm_run):
    """The MSE-trained predictor stays in the copy-last basin (negative offset margin on VAL and OOD,
    as in the seed); the report has the seed's per-split table."""
    _, out = lvm_run
    record = _record(out, "lvm-next-vector", "P1-pure-mse")
    margin = _criteria(record)["A: Offset Margin"]
    assert all(row["achieved"] < 0 for row in margin["rows"]) and margin["status"] == "FAIL"
    report = _report(out, "lvm-next-vector", "P1-pure-mse")
    assert "| Criterion | VAL Score | OOD Score | Target | Status |" in report


def test_lvm_reports_five_gates_and_exits_1_when_one_fails(lvm_run):
    result, out = lvm_run
    record = _record(out, "lvm-next-vector", "P1-pure-mse")
    gates = record["verdict"]["gates"]
    assert len(gates) == 5
    passed = sum(gate["status"] == "PASS" for gate in gates)
    assert passed < 5 and record["verdict"]["status"] == "FAILED"
    assert f"**Gates Passed**: {passed}/5" in _report(out, "lvm-next-vector", "P1-pure-mse")
    assert result.exit_code == 1, result.output


def test_lvm_progression_and_copy_last_baseline(lvm_run):
    _, out = lvm_run
    record = _record(out, "lvm-next-vector", "P1-pure-mse")
    assert [entry["epoch"] for entry in record["history"]] == [1, 2, 3, 4, 5]
    assert all(entry["train"]["terms"]["directional"]["weight"] == 0.0 for entry in record["history"])
    copy_last = record["trivial"]["copy_last"]
    assert copy_last["val"]["ablation"] == pytest.approx(0.0, abs=1e-6)  # copying ignores the history
    report = _report(out, "lvm-next-vector", "P1-pure-mse")
    assert "| Epoch | Train loss |" in report and "copy_last" in report


def test_lvm_collapse_guard_stops_the_strong_guard_variant_and_says_so(lvm_run):
    """V3: the directional term (weight 0.1) switches on at epoch 4, after the MSE warm-up; the
    cosine falls by more than the guard's 25% and the run is judged on the epoch before."""
    result, out = lvm_run
    record = _record(out, "lvm-next-vector", "V3-strong-guards")
    weights = [entry["train"]["terms"]["directional"]["weight"] for entry in record["history"]]
    assert weights[:3] == [0.0, 0.0, 0.0] and all(w == 0.1 for w in weights[3:])
    assert record["status"] == "collapsed"
    assert "val.cosine fell" in record["stop_reason"]
    cosines = [entry["val"]["cosine"] for entry in record["history"]]
    assert record["epochs"]["run"] >= 4 and cosines[-1] < 0.75 * max(cosines[:-1])
    best = record["epochs"]["best"]
    assert best < record["epochs"]["run"]  # judged on the checkpoint before the collapse
    assert record["metrics"]["val"]["cosine"] == pytest.approx(cosines[best - 1])
    assert record["verdict"]["status"] == "FAILED"
    assert "collapsed" in _report(out, "lvm-next-vector", "V3-strong-guards")
    assert result.exit_code == 1, result.output


@pytest.fixture(scope="module")
def contrastive_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("contrastive")
    out = directory / "runs"
    result = _run(_cut_down(CONTRASTIVE_SPEC, CONTRASTIVE_SMALL, directory), out)
    return result, out


def test_contrastive_arms_gate_on_the_difference(contrastive_run):
    result, out = contrastive_run
    arms = {arm: _record(out, "contrastive-gate", arm) for arm in ("ar_only", "infonce_ar")}
    weights = {arm: record["history"][0]["train"]["terms"]["infonce"]["weight"] for arm, record in arms.items()}
    assert weights == {"ar_only": 0.0, "infonce_ar": 0.7}
    delta = arms["infonce_ar"]["metrics"]["test"]["r@5"] - arms["ar_only"]["metrics"]["test"]["r@5"]
    criterion = _criteria(arms["infonce_ar"])["ΔR@5"]
    assert criterion["achieved"] == pytest.approx(delta)
    assert criterion["status"] == ("PASS" if delta >= 0.10 else "FAIL")
    assert result.exit_code == (0 if criterion["status"] == "PASS" else 1), result.output
    experiment_report = (out / "contrastive-gate" / "REPORT.md").read_text(encoding="utf-8")
    assert "| Arm |" in experiment_report and "**Δ**" in experiment_report


def test_contrastive_reports_retrieval_latency_and_both_cosines(contrastive_run):
    _, out = contrastive_run
    test = _record(out, "contrastive-gate", "infonce_ar")["metrics"]["test"]
    for metric in ("r@1", "r@5", "r@10", "contain@50", "cosine", "cosine_proj"):
        assert test[metric] is not None
    assert test["r@1"] <= test["r@5"] <= test["r@10"]
    assert test["p95_ms"] > 0


def test_contrastive_leaked_evaluation_is_measured_and_flagged(contrastive_run):
    """The test split's overlap with train matches an independent count (numpy.isin) on the same data."""
    from vifspec.datasets.retrieval import retrieval_synthetic

    _, out = contrastive_run
    bundle = retrieval_synthetic(seed=0, n_items=1000, dim=64, eval_overlap=0.9, noise=1.6, eval_noise=1.6)
    expected = np.isin(bundle.splits["test"]["item_id"].numpy(), bundle.splits["train"]["item_id"].numpy()).mean()
    record = _record(out, "contrastive-gate", "ar_only")
    assert record["metrics"]["test"]["overlap"] == pytest.approx(expected)
    report = _report(out, "contrastive-gate", "ar_only")
    assert "## Diagnostics" in report
    assert f"{100 * expected:.1f}%" in report and "leaked evaluation" in report

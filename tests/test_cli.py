"""The command line, as a user drives it: exit codes, files written, messages without tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vifspec.cli import main
from kt_fixture import TINY_KT

VERDICT_ONLY = """
[experiment]
id = "external"
title = "Results from elsewhere"

[criteria]
"AUC" = "test.auc >= 0.70"
"MAE" = "test.mae < 0.20"
"Margin" = "{val,ood}.margin >= 0.02"
"Beats baseline" = "test.auc - baseline.test.auc >= +2pp"

[gates.main]
require = 3
criteria = ["AUC", "MAE", "Margin", "Beats baseline"]

[baseline]
label = "Old model"
compare = ["test.auc"]
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def judge_files(write_spec, tmp_path):
    spec = write_spec(VERDICT_ONLY, "verdict.toml")

    def results(data):
        path = tmp_path / "results.json"
        path.write_text(json.dumps(data))
        return path

    return spec, results


def test_run_writes_records_and_reports_and_exit_code_follows_gates(tiny_kt, tmp_path):
    out = tmp_path / "runs"
    result = invoke("run", tiny_kt, "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "tiny-kt" / "main" / "record.json").exists()
    report = (out / "tiny-kt" / "main" / "report.md").read_text()
    assert "**Success Rate**: **1/2 criteria met (50%)**" in report
    assert (out / "tiny-kt" / "REPORT.md").exists()

    strict = tiny_kt.with_name("strict.toml")
    strict.write_text(TINY_KT.replace("require = 1", 'require = "all"').replace('id = "tiny-kt"', 'id = "tiny-strict"'))
    assert invoke("run", strict, "--out", out).exit_code == 1


def test_rerun_skips_finished_identical_plans(tiny_kt, tmp_path):
    out = tmp_path / "runs"
    invoke("run", tiny_kt, "--out", out)
    mtime = (out / "tiny-kt" / "main" / "checkpoint.pt").stat().st_mtime_ns
    again = CliRunner().invoke(main, ["run", str(tiny_kt), "--out", str(out)])
    assert "skip main seed 0" in again.output
    assert (out / "tiny-kt" / "main" / "checkpoint.pt").stat().st_mtime_ns == mtime


def test_dry_run_trains_nothing(tiny_kt, tmp_path):
    result = invoke("run", tiny_kt, "--out", tmp_path / "runs", "--dry-run")
    assert result.exit_code == 0
    assert "1 plan(s), 1 to run" in result.output
    assert not (tmp_path / "runs").exists()


def test_invalid_spec_exits_2_without_traceback(write_spec, tmp_path):
    path = write_spec(TINY_KT.replace("epochs = 3", 'epochs = "three"'))
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "train.epochs" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["run", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_judge_prints_report_and_exit_code(judge_files):
    spec, results = judge_files
    passing = results({
        "metrics": {"test": {"auc": 0.70, "mae": 0.19}, "val": {"margin": 0.03}, "ood": {"margin": 0.02}},
        "baseline": {"test": {"auc": 0.68}},
    })
    result = invoke("judge", spec, "--results", passing)
    assert result.exit_code == 0, result.output
    assert "4/4 criteria met (100%)" in result.output  # >= at the boundary passes
    assert "Comparison to Old model" in result.output


def test_judge_lower_is_better_missing_and_mixed(judge_files):
    spec, results = judge_files
    data = results({"metrics": {"test": {"auc": 0.75, "mae": 0.25}, "val": {"margin": 0.05}, "ood": {"margin": -0.01}}})
    result = invoke("judge", spec, "--results", data)
    assert result.exit_code == 1
    out = result.output
    assert "1/4 criteria met (25%)" in out
    assert "MIXED" in out.upper()
    assert "25.0% over" in out  # 0.25 against < 0.20
    assert "MISSING" in out  # no baseline in the results file


def test_judge_bad_results_file_exits_2(judge_files, tmp_path):
    spec, results = judge_files
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert CliRunner().invoke(main, ["judge", str(spec), "--results", str(bad)]).exit_code == 2
    wrong = results({"metrics": {"test": {"auc": "high"}}})
    result = CliRunner().invoke(main, ["judge", str(spec), "--results", str(wrong)])
    assert result.exit_code == 2 and "auc" in result.output


def test_judge_writes_report_file(judge_files, tmp_path):
    spec, results = judge_files
    data = results({"metrics": {"test": {"auc": 0.5}}})
    out = tmp_path / "REPORT.md"
    assert invoke("judge", spec, "--results", data, "--out", out).exit_code == 1
    assert "FAILED" in out.read_text()


def test_plan_shows_parameter_count_and_ratio(tiny_kt):
    result = invoke("plan", tiny_kt)
    assert result.exit_code == 0
    assert "param/sample" in result.output and "gain_kt" in result.output


def test_plan_takes_the_selection_and_settings_of_run(tiny_kt):
    result = invoke("plan", tiny_kt, "--seeds", "2", "--set", "train.epochs=7", "--only", "main")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("| main ")]
    assert len(rows) == 2 and all(" 7 |" in row for row in rows)  # tiny_kt itself has 3 epochs
    assert invoke("plan", tiny_kt, "--only", "nope").exit_code == 2


def test_progress_off_a_terminal_is_one_labelled_line_per_epoch_and_quiet_silences_it(tiny_kt, tmp_path):
    out = tmp_path / "runs"
    result = invoke("run", tiny_kt, "--out", out)
    lines = [line for line in result.stderr.splitlines() if line.startswith("[plan 1/1 main seed 0] ")]
    assert lines[0].startswith("[plan 1/1 main seed 0] epoch 1/3 | train loss ")
    assert "val.encoder1_auc " in lines[0] and "best epoch 1" in lines[0] and "s/epoch | ETA " in lines[0]
    assert " at epoch " in lines[-1] and (" completed " in lines[-1] or " early stopped " in lines[-1])
    record = json.loads((out / "tiny-kt" / "main" / "record.json").read_text())
    assert f"epoch {len(record['history'])}/3 |" in lines[-2]  # the last epoch is always shown
    quiet = invoke("run", tiny_kt, "--out", out, "--no-resume", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("main ")


def test_list_shows_each_variants_verdict_and_key_metric(tiny_kt, tmp_path):
    out = tmp_path / "runs"
    assert "pending" in invoke("run", tiny_kt, "--out", out, "--list").output
    invoke("run", tiny_kt, "--out", out, "--quiet")
    record = json.loads((out / "tiny-kt" / "main" / "record.json").read_text())
    [line] = invoke("run", tiny_kt, "--out", out, "--list").output.splitlines()
    auc = record["metrics"]["test"]["encoder1_auc"]
    assert line.split() == ["main", "group=-", "complete", record["verdict"]["status"], "test.encoder1_auc", f"{auc:.4f}"]


def test_report_and_index_regenerate_from_records(tiny_kt, tmp_path):
    out = tmp_path / "runs"
    invoke("run", tiny_kt, "--out", out)
    (out / "tiny-kt" / "main" / "report.md").unlink()
    (out / "tiny-kt" / "main" / "curves.png").unlink()
    assert invoke("report", out / "tiny-kt" / "main").exit_code == 0
    assert (out / "tiny-kt" / "main" / "report.md").exists()
    assert (out / "tiny-kt" / "main" / "curves.png").exists()  # figures are drawn again too
    assert "![Learning curves](curves.png)" in (out / "tiny-kt" / "main" / "report.md").read_text()
    assert invoke("report", out / "tiny-kt").exit_code == 0
    assert "![Learning curves](main/curves.png)" in (out / "tiny-kt" / "REPORT.md").read_text()  # the only variant's curves
    index = tmp_path / "index.md"
    index.write_bytes(b"# Index\r\nprose before\r\n<!-- AUTO-TABLE:START -->\r\nold\r\n<!-- AUTO-TABLE:END -->\r\nafter\r\n")
    assert invoke("index", out, "--into", index).exit_code == 0
    text = index.read_bytes()
    assert text.startswith(b"# Index\r\nprose before\r\n<!-- AUTO-TABLE:START -->") and text.endswith(b"<!-- AUTO-TABLE:END -->\r\nafter\r\n")
    assert b"old" not in text and b"gain_kt" in text


def test_list_and_schema():
    listed = invoke("list", "metrics")
    assert "qwk(preds, target) (higher is better)" in listed.output
    schema = json.loads(invoke("schema").output)
    assert "experiment" in schema["properties"] and schema["additionalProperties"] is False


def test_judge_arms_and_a_baseline_arm_in_a_verdict_only_spec(write_spec, tmp_path):
    spec = write_spec(
        """
        [experiment]
        id = "gate"

        [criteria]
        "dR5" = "infonce.test.r@5 - cosine.test.r@5 >= +10pp"
        "R1 not below baseline" = "infonce.test.r@1 >= baseline.test.r@1"

        [baseline]
        arm = "cosine"

        [arms.cosine]
        [arms.infonce]
        """,
        "gate.toml",
    )
    results = tmp_path / "r.json"

    def judge(r5_infonce):
        arms = {"cosine": {"test": {"r@1": 0.1, "r@5": 0.25}}, "infonce": {"test": {"r@1": 0.1, "r@5": r5_infonce}}}
        results.write_text(json.dumps({"metrics": {}, "arms": arms}))
        return CliRunner().invoke(main, ["judge", str(spec), "--results", str(results)])

    exact = judge(0.35)  # exactly +10pp passes (>=)
    assert exact.exit_code == 0, exact.output
    assert "2/2 criteria met" in exact.output
    short = judge(0.30)
    assert short.exit_code == 1 and "5.0pp short" in short.output


def test_verdict_only_arms_only_declare_names(write_spec):
    spec = write_spec('[experiment]\nid = "g"\n[arms.a]\n"loss.x.weight" = 1\n[criteria]\n"c" = "a.test.m > 0"\n')
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert result.exit_code == 2 and "only declares its name" in result.output


def test_the_summarys_columns_line_up_past_long_variant_names(write_spec, tmp_path):
    from mlp_fixture import MLP_SPEC

    spec = MLP_SPEC.replace("seeds = [0, 1, 2]", "seeds = [0]").replace("epochs = 6", "epochs = 1") + """
[sweep]
case = [
  { label = "a-variant-label-well-past-the-usual-width", "model.params.hidden" = [8] },
  { label = "short", "model.params.hidden" = [16] },
]
"""
    result = invoke("run", write_spec(spec), "--out", tmp_path, "--quiet")
    lines = [line for line in result.output.splitlines() if "criteria met" in line]
    assert len(lines) == 2
    assert len({line.index(" seeds ") for line in lines}) == 1 and len({line.index("(") for line in lines}) == 1

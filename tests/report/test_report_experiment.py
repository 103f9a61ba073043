"""render_experiment_report (seeds 003 and 004) and render_judge_report."""

from __future__ import annotations

import pytest

from vifspec.report import render_experiment_report, render_judge_report
from vifspec.facts import MetricFacts
from vifspec.verdict import results_from_file


@pytest.fixture
def arms(load_fixture):
    return load_fixture("contrastive_arms_records.json")


@pytest.fixture
def tracker(load_fixture):
    return load_fixture("feature_tracker.json")


def test_arms_side_by_side_with_delta_row(arms, rows_of):
    report = render_experiment_report(arms)
    assert "| Arm | test.r@1 | test.r@5 | test.r@10 | test.contain@50 | test.p95_latency_ms | test.leak |" in report
    [delta] = rows_of(report, "**Δ**")
    assert delta == ["**Δ**", "**0pp**", "**+10pp**", "**0pp**", "**0pp**", "**-0.03ms**", "**0pp**"]
    assert rows_of(report, "ar_only")[0][1:3] == ["0.0%", "0.0%"]  # rates in percent, as the seed writes them


def test_delta_is_taken_against_the_baseline_arm(arms, rows_of):
    report = render_experiment_report(list(reversed(arms)))
    assert rows_of(report, "**Δ**")[0][2] == "**+10pp**"


def test_an_arms_experiment_has_one_verdict(arms):
    report = render_experiment_report(arms)
    assert "**Status**: ✅ **PASSED**" in report and "1/1 passed" not in report  # +10pp meets ">= +10pp"; one verdict
    assert "**Arms**: 2 (ar_only, infonce_ar) judged together" in report
    arms[1].metrics["test"]["r@5"] = 0.05
    assert "**Status**: ❌ **FAILED**" in render_experiment_report(arms)
    assert "✅ **PASSED**" not in render_experiment_report([])


def test_variant_table(tracker, rows_of):
    report = render_experiment_report(tracker["records"])
    assert (
        "| Variant | group | test.precision | test.recall | test.auc | params | n_train | ratio "
        "| Seeds | Status | Epochs |"  # no verdict has gates: no column of "-"
    ) in report
    [row] = rows_of(report, "**FE-03**")
    assert row[1] == "P1" and row[-2] == "❌ **FAILED** (collapsed)"
    assert row[-1] == "6 of 20 (collapsed)"
    assert not rows_of(report, "**LF-49**")  # still running: not judged yet


def test_group_status_table_with_pending_commands(tracker, rows_of):
    report = render_experiment_report(tracker["records"], planned=tracker["planned"], rank_by="precision")
    assert "| Group | Experiments | Status | Best result | Command |" in report
    assert rows_of(report, "P1") == [["P1", "FE-01 to FE-03", "✅ Complete", "FE-02: 44.4% precision", ""]]
    assert rows_of(report, "LF-P7")[0][2:] == [
        "🔄 Partial 1/3",
        "LF-51: 60.0% precision",
        "`vifspec run specs/feature_embedding.toml --group LF-P7`",
    ]
    assert rows_of(report, "LF-P8")[0][1:4] == ["LF-55, LF-56", "⏳ Pending", "-"]


def test_command_uses_the_given_spec_path(tracker):
    report = render_experiment_report(tracker["records"], planned=tracker["planned"], spec_path="specs/fe.toml")
    assert "`vifspec run specs/fe.toml --group LF-P8`" in report


def test_top_results_ranked_by_precision_skip_running_runs(tracker, rows_of):
    report = render_experiment_report(tracker["records"], rank_by="precision", top_k=3)
    assert "## Top Results (by precision)" in report
    ranks = [rows_of(report, str(rank))[0] for rank in (1, 2, 3)]
    assert [row[1] for row in ranks] == ["LF-51", "FE-02", "FE-01"]
    assert ranks[0][3] == "**60.0%**"  # precision is a rate: in % as in the Variants table
    assert "LF-49 |" not in report.split("## Top Results", 1)[1]


def test_experiment_report_ascii(tracker):
    report = render_experiment_report(tracker["records"], planned=tracker["planned"], rank_by="precision", ascii=True)
    assert report.isascii()
    assert "[PARTIAL] Partial 1/3" in report and "[PENDING] Pending" in report


@pytest.fixture
def judged(load_fixture):
    verdict = load_fixture("lvm_p5_record.json").verdict
    results = results_from_file({
        "metrics": {"val": {"margin": -0.041, "r@5": 0.175}, "ood": {"margin": -0.046, "r@5": 0.109}},
        "baseline": {"val": {"margin": -0.167, "r@5": 0.2432}},
        "arms": {"ar_only": {"test": {"r@5": 0.0}}, "infonce_ar": {"test": {"r@5": 0.1}}},
    })
    results.facts = {"margin": MetricFacts("offset_margin", True), "r@5": MetricFacts("recall_at_k", True, "rate")}
    return verdict, results


def test_judge_report_sections(judged, rows_of):
    verdict, results = judged
    report = render_judge_report({"id": "lvm-p5", "title": "P5 judged"}, verdict, results)
    assert report.startswith("# P5 judged\n")
    assert "**Status**: ❌ **FAILED**" in report
    assert "| Metric | Validation | OOD | Status |" in report
    margin_change = (-0.041 - -0.167) / 0.167 * 100
    assert rows_of(report, "val.margin")[0][3:] == [f"**{margin_change:+.1f}%**", "📈 Better"]
    assert rows_of(report, "val.r@5")[0][1:3] == ["24.3%", "17.5%"]
    assert rows_of(report, "**Δ**") == [["**Δ**", "**+10pp**"]]
    assert "**Success Rate**: **1/6 criteria met (17%)**" in report
    assert "**Gates Passed**: 1/5 (only bins_delta)" in report


def test_judge_report_without_baseline_or_arms(judged):
    verdict, results = judged
    report = render_judge_report({"id": "lvm-p5"}, verdict, results_from_file({"metrics": {"val": {"margin": 0.1}}}), ascii=True)
    assert "Comparison to" not in report and "## Arms" not in report
    assert report.isascii()

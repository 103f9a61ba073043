"""render_run_report on records echoing seeds 001 (V3 Phase 1), 002 (P5 Stage A, VAL/OOD gates) and 003."""

from __future__ import annotations

import re

import pytest

from vifspec.records.record import Epoch
from vifspec.report import render_run_report


@pytest.fixture
def v3(load_fixture):
    return load_fixture("v3_phase1_record.json")


@pytest.fixture
def v3_report(v3):
    return render_run_report(v3)


def test_header_block_echoes_seed_001(v3_report):
    assert v3_report.startswith("# V3 Phase 1 Full Validation Analysis\n")
    assert "**Experiment ID**: 970206" in v3_report
    assert "**Date**: 2025-11-18" in v3_report
    assert "**Epochs**: 14 (early stopped, patience=10)" in v3_report
    assert "**Device**: cpu" in v3_report
    assert "**Status**: ❌ **FAILED**" in v3_report


def test_criteria_rows_and_success_rate(v3_report, rows_of):
    assert rows_of(v3_report, "**Gain Std**") == [["**Gain Std**", ">0.10", "0.0018", "❌ FAIL", "55x short"]]
    assert rows_of(v3_report, "**Encoder2 AUC**")[0][3:] == ["❌ FAIL", "4.3% short"]
    assert rows_of(v3_report, "**Beta Spread Maintained**")[0][3:] == ["✅ PASS", "✓"]
    assert "**Success Rate**: **1/6 criteria met (17%)**" in v3_report


def _expected_change(reference: float, value: float, higher_is_better: bool) -> tuple[str, str]:
    percent = (value - reference) / abs(reference) * 100
    text = f"{percent:+.1f}%"
    if abs(percent) >= 3:
        text = f"**{text}**"
    if abs(percent) < 1:
        return text, "🔄 Negligible"
    return text, "📈 Better" if (percent > 0) == higher_is_better else "📉 Worse"


@pytest.mark.parametrize(
    "key, reference, value",
    [
        ("val.encoder1_auc", 0.6893, 0.6648),
        ("val.encoder2_auc", 0.5969, 0.5935),
        ("test.mastery_corr", 0.113, 0.039),
        ("test.gain_std", 0.0017, 0.0018),
    ],
)
def test_baseline_change_and_assessment(v3_report, rows_of, key, reference, value):
    row = rows_of(v3_report, key)[0]  # the baseline table comes before the trivial baselines
    assert row[3:] == list(_expected_change(reference, value, higher_is_better=True))
    assert "| Metric | V2 Baseline | This run | Change | Assessment |" in v3_report


def test_lower_is_better_metric_reads_a_drop_as_better(v3, rows_of):
    record = v3.model_copy(deep=True)
    record.baseline.metrics["val"]["im_loss"] = 0.60
    record.baseline.compare = ["val.im_loss"]
    [row] = rows_of(render_run_report(record), "val.im_loss")
    assert row[1:] == ["0.6000", "0.5550", "**-7.5%**", "📈 Better"]


def test_primary_metrics_have_split_columns_and_criterion_status(v3_report, rows_of):
    assert "## Primary Metrics (Best Epoch: 4)" in v3_report
    assert "| Metric | Train | Validation | Test | Status |" in v3_report
    assert rows_of(v3_report, "**encoder1_auc**") == [["**encoder1_auc**", "0.6737", "0.6648", "0.6593", ""]]
    assert rows_of(v3_report, "**gain_std**")[0][-1] == "❌ FAIL"
    assert rows_of(v3_report, "**beta_std**")[0][-1] == "✅ PASS"


def test_gates_table_and_count(v3_report, rows_of):
    [row] = rows_of(v3_report, "**phase1**")
    assert row[2:] == ["1/6", "❌ FAIL"]
    assert "**Gates Passed**: 0/1" in v3_report


def test_loss_balance_at_first_and_best_epoch(v3_report, rows_of):
    assert "### At epoch 1" in v3_report and "### At best epoch 4" in v3_report
    bce_first, bce_best = rows_of(v3_report, "bce")
    total_first = 0.283 + 0.304 + 0.0008 + 0.0002 + 0.0
    assert bce_first == ["bce", "0.5660", "0.5000", "0.2830", f"{0.283 / total_first:.1%}"]
    assert bce_best[-1] == f"{0.278 / (0.278 + 0.301):.1%}"


def test_training_dynamics_trend_and_stop_reason(v3_report):
    assert "- **Best epoch**: 4 (val.encoder1_auc: 0.6648)" in v3_report
    assert "- **Final epoch**: 14 of 30" in v3_report
    assert "- **Stop reason**: patience 10 exceeded at epoch 14" in v3_report
    assert "- **val.encoder1_auc**: Peak at 4" in v3_report
    assert "| 4 (best) | 0.5790 | 0.6648 |" in v3_report


def test_tracked_parameters_first_best_last(v3_report, rows_of):
    [row] = rows_of(v3_report, "**beta_skill**")
    assert row[1:4] == ["mean=1.9620, std=0.4980", "mean=1.8500, std=0.4700", "mean=1.6080, std=0.4480"]
    assert row[4] == f"mean {(1.608 - 1.962) / 1.962:+.1%}, std {(0.448 - 0.498) / 0.498:+.1%}"


def test_trivial_baseline_beside_the_model(v3_report, rows_of):
    assert rows_of(v3_report, "test.encoder1_auc")[0][1:] == ["0.6593", "0.6100", "✅ PASS"]
    assert rows_of(v3_report, "test.encoder2_auc")[0][1:] == ["0.5903", "0.6000", "❌ FAIL"]
    assert "does not beat the trivial baselines on test.encoder2_auc" in v3_report


def test_executive_summary_names_failed_criteria_with_gaps(v3_report):
    summary = v3_report.split("## Executive Summary", 1)[1].split("---", 1)[0]
    assert "1/6 criteria met" in summary
    assert "**Gain Std** (fail: 0.0018 vs >0.10, 55x short)" in summary
    assert "Beta Spread" not in summary
    assert "Best epoch 4 of 14" in summary


def _epoch_rows(report: str) -> list[str]:
    table = report.split("| Epoch | Train loss |", 1)[1].split("\n\n", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("|---")]


def _history(n: int, peak: int) -> list[Epoch]:
    return [
        Epoch(epoch=e, seconds=0.1, train={"loss": 1.0 / e}, val={"encoder1_auc": 0.5 + (0.01 * e if e <= peak else 0.01 * peak - 0.001 * e)})
        for e in range(1, n + 1)
    ]


def test_every_epoch_is_listed_up_to_thirty(v3):
    record = v3.model_copy(deep=True)
    record.history = _history(30, peak=12)
    record.epochs.run, record.epochs.best = 30, 12
    report = render_run_report(record)
    assert [row.split(" |")[0] for row in _epoch_rows(report)] == [f"| {e}" + (" (best)" if e == 12 else "") for e in range(1, 31)]
    assert "epochs shown" not in report


def test_a_longer_run_says_which_epochs_it_shows_and_trends_read_only_those(v3):
    record = v3.model_copy(deep=True)
    record.history = _history(80, peak=23)
    record.epochs.run, record.epochs.best = 80, 23
    report = render_run_report(record)
    rows = _epoch_rows(report)
    assert len(rows) == 30 and rows[0].startswith("| 1 |") and rows[-1].startswith("| 80 |")
    assert any(line.startswith("| 23 (best) |") for line in rows)
    assert "30 of 80 epochs shown (the first, the last, the best, phase changes and an even spread)" in report
    shown = [int(row.split("|")[1].split()[0]) for row in rows]
    trend = report.split("**val.encoder1_auc**: ", 1)[1].splitlines()[0]
    assert trend.startswith("Peak at 23 (")
    named = [int(epoch) for epoch in re.findall(r"at epoch (\d+)", trend)]
    assert named == [1, 23, 80] and set(named) <= set(shown)  # every epoch the sentence names is in the table


@pytest.mark.parametrize(
    "values, word",
    [([0.5, 0.6, 0.7], "Rising"), ([0.7, 0.6, 0.5], "Falling"), ([0.6, 0.6, 0.6], "Flat"), ([0.5, 0.7, 0.6], "Peak at 2"),
     ([0.2048, 0.2091, 0.1464], "Falling"), ([0.6], "One epoch")],
)
def test_trend_words(v3, values, word):
    record = v3.model_copy(deep=True)
    record.history = [Epoch(epoch=i + 1, seconds=0.1, train={"loss": None}, val={"encoder1_auc": v}) for i, v in enumerate(values)]
    assert f"**val.encoder1_auc**: {word} (" in render_run_report(record)


def test_split_set_criteria_and_gates_passed(load_fixture, rows_of):
    report = render_run_report(load_fixture("lvm_p5_record.json"))
    assert "| Criterion | VAL Score | OOD Score | Target | Status |" in report
    rollout = rows_of(report, "**D: Rollout**")
    assert rollout == [["**D: Rollout**", "0.4480 ❌", "0.4760 ✅", ">=0.46", "⚠️ Mixed"]]  # one table per criterion
    assert rows_of(report, "**C: Ablations**")[0][4] == "❓ MISSING"
    assert rows_of(report, "**E: Bins Delta**")[0][1:] == [">0.3", "0.4630", "✅ PASS", "✓"]  # not over a split set
    assert "**Gates Passed**: 1/5 (only bins_delta)" in report
    assert "| Metric | Validation | OOD | Status |" in report


def test_diverged_run_is_failed_with_reason(load_fixture):
    report = render_run_report(load_fixture("diverged_record.json"))
    assert "**Status**: ❌ **FAILED** (diverged) - run diverged at epoch 3" in report
    assert "**Epochs**: 3 of 20 (diverged)" in report
    assert "It failed because run diverged at epoch 3." in report
    assert "## Gates" not in report


def test_leakage_is_flagged_above_five_percent(load_fixture, rows_of):
    record = load_fixture("contrastive_arms_records.json")[0]
    report = render_run_report(record)
    assert rows_of(report, "test.leak") == [["test.leak", "91.5%", "⚠️ leaked evaluation"]]
    assert "**Leaked evaluation**: test.leak = 91.5% (> 5.0%)" in report
    record.metrics["test"]["leak"] = 0.02
    report = render_run_report(record)
    assert rows_of(report, "test.leak") == [["test.leak", "2.0%", "✅ PASS"]]
    assert "Leaked evaluation" not in report


def test_probability_collapse_only_when_spread_is_tiny(load_fixture):
    records = load_fixture("feature_tracker.json")["records"]
    collapsed, healthy = render_run_report(records[2]), render_run_report(records[0])
    assert "**Probability collapse**: test.spread = 0.0120 (< 0.0500)" in collapsed
    assert "Probability collapse" not in healthy and "test.spread | 0.3100 | ✅ PASS" in healthy


def test_sections_without_data_are_left_out(load_fixture):
    record = load_fixture("diverged_record.json")
    record.history, record.verdict, record.baseline, record.trivial = [], None, None, {}
    report = render_run_report(record)
    for title in ("Loss Balance", "Success Criteria", "Comparison to", "Trivial Baselines", "Tracked Parameters"):
        assert title not in report
    assert "## Primary Metrics" in report


@pytest.mark.parametrize(
    "name", ["v3_phase1_record.json", "lvm_p5_record.json", "diverged_record.json", "contrastive_arms_records.json"]
)
def test_ascii_mode_has_only_ascii(load_fixture, name):
    loaded = load_fixture(name)
    record = loaded[0] if isinstance(loaded, list) else loaded
    report = render_run_report(record, ascii=True)
    assert report.isascii()
    assert "[FAIL]" in report
    assert "❌" not in report


def test_ascii_mode_words(v3, rows_of):
    report = render_run_report(v3, ascii=True)
    assert "**Status**: [FAIL] **FAILED**" in report
    assert rows_of(report, "val.encoder1_auc")[0][-1] == "- Worse"
    assert rows_of(report, "val.encoder2_auc")[0][-1] == "= Negligible"
    assert "Peak at 4 (0.6540 at epoch 1 -> highest 0.6648 at epoch 4 -> 0.6530 at epoch 14)" in report


def test_trivial_comparison_follows_a_lower_is_better_direction(v3, rows_of):
    record = v3.model_copy(deep=True)
    record.trivial = {"majority": {"test": {"skill_cv": 0.01, "gain_cv": 0.0001}}}
    for name in ("skill_cv", "gain_cv"):
        record.facts[name].higher_is_better = False
    record.baseline = None
    report = render_run_report(record)
    assert rows_of(report, "test.skill_cv")[0][1:] == ["0.0020", "0.0100", "✅ PASS"]
    assert rows_of(report, "test.gain_cv")[0][1:] == ["0.0021", "1.00e-04", "❌ FAIL"]


def test_renders_the_verdict_engine_output(v3, rows_of):
    from vifspec.verdict import judge_results, results_from_file

    verdict = judge_results(
        {"Gain Std": "test.gain_std > 0.10", "Rollout": "{val,ood}.rollout >= 0.46"},
        {"phase1": {"require": "all", "criteria": ["Gain Std", "Rollout"]}},
        results_from_file({"metrics": {"test": {"gain_std": 0.0018}, "val": {"rollout": 0.448}, "ood": {"rollout": 0.476}}}),
    )
    record = v3.model_copy(deep=True)
    record.verdict = verdict.to_dict()
    report = render_run_report(record)
    assert rows_of(report, "**Gain Std**")[0][1:] == [">0.10", "0.0018", "❌ FAIL", "55x short"]
    assert rows_of(report, "**Rollout**") == [["**Rollout**", "0.4480 ❌", "0.4760 ✅", ">=0.46", "⚠️ Mixed"]]
    assert "**Success Rate**: **0/2 criteria met (0%)**" in report
    assert "**Gates Passed**: 0/1" in report


def test_report_sections_choose_what_report_md_shows(v3):
    record = v3.model_copy(deep=True)
    record.report["sections"] = ["criteria", "dynamics"]
    report = render_run_report(record)
    assert "## Success Criteria" in report and "## Training Dynamics" in report
    for title in ("## Executive Summary", "## Primary Metrics", "## Loss Balance", "## Gates", "## Comparison to"):
        assert title not in report
    assert report.startswith("# V3 Phase 1")

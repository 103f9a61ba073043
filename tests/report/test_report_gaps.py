"""Report behaviour found missing when rendering the real specs' records (units, arms verdict,
trivial baselines, phases, index columns, model size, groups, table-valued metrics, ranking, amendments)."""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from scipy import stats

from vifspec.records import RunRecord
from vifspec.registry import default_registry
from vifspec.report import render_experiment_report, render_index_table, render_judge_report, render_ranking, render_run_report
from vifspec.verdict import judge_results, results_from_file

BASE: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _executed_base(executed) -> None:
    """Records in these tests are an executed record with the fields each test sets."""
    BASE.update(executed.records["tiny"][0].model_dump())


def _facts(directions: dict[str, bool], metric_fns: dict[str, str]) -> dict[str, dict]:
    registry = default_registry()
    facts = {}
    for name in (set(directions) | set(metric_fns)) - {"loss"}:  # a loss has the loss facts without being listed
        fn = metric_fns.get(name, name)
        declared = registry.get("metric", fn).facts.to_dict() if registry.has("metric", fn) else {"fn": fn}
        facts[name] = {**declared, "fn": fn, **({"higher_is_better": directions[name]} if name in directions else {})}
    return facts


def _record(variant: str = "main", **fields: Any) -> RunRecord:
    facts = _facts(fields.pop("directions", {}), fields.pop("metric_fns", {}))
    return RunRecord.model_validate({
        **BASE, "experiment": {"id": "exp", "title": "Exp"}, "variant": variant, "group": None, "arm": None, "seed": 0,
        "status": "completed", "epochs": {"max": 3, "run": 3, "best": 3},
        "model": {"name": "ordinal_critic", "param_count": 22804, "n_train": 1020, "param_per_sample": 22.36},
        "facts": facts, "metrics": {}, "history": [], "trivial": {}, "baseline": None, "verdict": None, "criteria": {},
        "gates": {}, "plan": {}, "report": {}, **fields,
    })


def _judged(record: RunRecord, criteria: dict[str, str], gates: dict | None = None) -> RunRecord:
    results = results_from_file({"metrics": record.metrics})
    results.facts = record.metric_facts()
    record.verdict = judge_results(criteria, gates or {}, results).to_dict()
    return record


# 1. percentages --------------------------------------------------------------------------------


def test_rate_metrics_and_percent_targets_show_percentages(rows_of):
    record = _record(
        metrics={"test": {"r@5": 0.032, "cos": 0.52, "mae": 0.3}},
        metric_fns={"r@5": "recall_at_k", "cos": "mean_cosine", "mae": "mae"},
    )
    _judged(record, {"R5": "test.r@5 >= 0.5", "Cos": "test.cos >= 60%", "MAE": "test.mae < 0.2"})
    report = render_run_report(record)
    assert rows_of(report, "**R5**")[0][1:3] == [">= 50.0%", "3.2%"]  # a rate reads as a percentage everywhere
    assert rows_of(report, "**Cos**")[0][1:3] == [">=60%", "52.0%"]  # a % target makes the value a percentage
    assert rows_of(report, "**MAE**")[0][1:3] == ["<0.2", "0.3000"]
    _judged(record, {"R5": "test.r@5 >= 5%"})
    assert rows_of(render_run_report(record), "**R5**")[0][1:3] == [">=5%", "3.2%"]


def test_judge_report_without_known_units_uses_the_criterion_unit(rows_of):
    results = results_from_file({"metrics": {"test": {"r@5": 0.032, "cos": 0.52}}})
    verdict = judge_results({"R5": "test.r@5 >= 0.5", "Cos": "test.cos >= 60%"}, {}, results)
    report = render_judge_report({"id": "j"}, verdict, results)
    assert rows_of(report, "**R5**")[0][2] == "0.0320"
    assert rows_of(report, "**Cos**")[0][2] == "52.0%"


# 2-3. arms -------------------------------------------------------------------------------------


@pytest.fixture
def arms(load_fixture):
    records = load_fixture("contrastive_arms_records.json")
    by_arm = {r.arm: r for r in records}
    by_arm["ar_only"].metrics["test"]["r@5"] = 0.30
    by_arm["infonce_ar"].metrics["test"]["r@5"] = 0.275
    return records


def test_arms_report_carries_the_experiment_verdict_and_gate_line(arms, rows_of):
    report = render_experiment_report(arms)
    assert rows_of(report, "**ΔR@5**")[0][1:] == [">= +10pp", "-2.5pp", "❌ FAIL", "12.5pp short"]
    assert "**Success Rate**: **0/1 criteria met (0%)**" in report
    assert rows_of(report, "**phase1**")[0][-1] == "❌ FAIL"
    assert "**Gate**: ΔR@5 ≥ +10pp → Got -2.5pp ❌" in report
    assert "## Arms (Leaked evaluation)" in report
    assert "**Leaked evaluation**: test.leak = 91.5% (> 5.0%)" in report and "(ar_only)" in report


def test_arms_report_without_leak_has_no_warning(arms):
    for record in arms:
        record.metrics["test"]["leak"] = 0.01
    report = render_experiment_report(arms, ascii=True)
    assert "Leaked" not in report
    assert "**Gate**: DeltaR@5 >= +10pp -> Got -2.5pp [FAIL]" in report


def test_delta_units_follow_the_metric_facts(arms, rows_of):
    arms[0].metrics["test"]["cosine"] = 0.50
    arms[1].metrics["test"]["cosine"] = 0.44
    report = render_experiment_report(arms)
    header = next(line for line in report.splitlines() if line.startswith("| Arm |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    delta = dict(zip(columns, rows_of(report, "**Δ**")[0]))
    assert delta["test.cosine"] == "**-0.06**"
    assert delta["test.r@5"] == "**-2.5pp**"
    assert delta["test.p95_latency_ms"] == "**-0.03ms**"


# 4. baseline comparison ------------------------------------------------------------------------


def test_baseline_without_compare_skips_the_total_loss(load_fixture, rows_of):
    record = load_fixture("v3_phase1_record.json")
    record.baseline.compare = []
    record.baseline.metrics["val"]["loss"] = 0.5
    record.metrics["val"]["loss"] = 0.9
    report = render_run_report(record)
    assert not rows_of(report, "val.loss")
    assert rows_of(report, "val.encoder1_auc")


# 5. trivial baselines --------------------------------------------------------------------------


def test_trivial_table_shows_result_metrics_on_every_split(rows_of):
    split_values = {"acc": 0.7, "ov": 0.9, "p95_ms": 1.0, "spread": 0.01, "loss": 0.3, "odd": 0.5}
    trivial = {"majority": {s: {**split_values, "acc": 0.6} for s in ("train", "val", "ood")}}
    record = _record(
        metrics={s: dict(split_values) for s in ("train", "val", "ood")},
        trivial=trivial,
        directions={"acc": True, "ov": False, "p95_ms": False, "spread": True, "loss": False},
        metric_fns={"acc": "accuracy", "ov": "overlap", "p95_ms": "percentile", "spread": "score_spread"},
    )
    record.facts["p95_ms"].diagnostic = True  # as [metric.p95_ms] diagnostic = true declares
    report = render_run_report(record)
    table = report.split("## Trivial Baselines", 1)[1].split("---\n", 1)[0]
    metric_cells = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")]
    assert metric_cells == ["Metric", "val.acc", "ood.acc"]
    summary = report.split("## Executive Summary", 1)[1].split("---", 1)[0]
    assert "beats every trivial baseline on val, ood (acc)." in summary


# 6. dynamics phases ----------------------------------------------------------------------------


def _history(weights: list[float]) -> list[dict]:
    terms = lambda w: {"mse": {"raw": 1.0, "weight": 1.0, "weighted": 1.0}, "directional": {"raw": 1.0, "weight": w, "weighted": w}}  # noqa: E731
    return [{"epoch": e, "seconds": 0.1, "train": {"loss": 1.0, "terms": terms(w)}, "val": {"cos": 0.5}}
            for e, w in enumerate(weights, start=1)]


def test_phase_column_marks_warm_up_switch_on_and_collapse(rows_of):
    record = _record(history=_history([0, 0, 0, 0.01, 0.01]), status="collapsed",
                     stop_reason="val.cos fell below 0.4", epochs={"max": 10, "run": 5, "best": 3})
    report = render_run_report(record)
    assert "| Epoch | Train loss | val.cos | Phase |" in report
    assert rows_of(report, "1")[0][-1] == "warm-up 1-3"
    assert rows_of(report, "4")[0][-1] == "directional on"
    assert rows_of(report, "5")[0][-1] == "collapse: val.cos fell below 0.4"


def test_no_phase_column_without_schedule_or_guard():
    report = render_run_report(_record(history=_history([0.5, 0.5])))
    assert "Phase" not in report


# 7. index --------------------------------------------------------------------------------------


def _planned_record(variant: str, fn: str, qwk: float | None, **fields: Any) -> dict:
    spec = {"loss": {"main": {"fn": fn, "weight": 1.0}}, "model": {"params": {"hidden_dim": 64}}}
    return _record(variant, plan={"spec": spec, "hash": "abc"}, metrics={"test": {"qwk": qwk}},
                   directions={"qwk": True}, **fields)


def test_index_reads_the_resolved_spec_of_the_plan(rows_of):
    records = [_planned_record("a", "corn", 0.4)]
    table = render_index_table(records, ["variant", "loss", "plan.loss.main.fn", "plan.spec.model.params.hidden_dim"])
    assert rows_of(table, "a") == [["a", "corn", "corn", "64"]]


def test_index_defaults_to_the_report_columns(rows_of):
    records = [_planned_record("a", "corn", 0.4, report={"columns": ["variant", "plan.loss.main.fn", "qwk"]})]
    assert render_index_table(records).splitlines()[0] == "| run | fn | qwk |"


# 8. [report] columns and model size ------------------------------------------------------------


def test_experiment_report_uses_report_columns_and_model_size(rows_of):
    settings = {"columns": ["variant", "plan.loss.main.fn", "qwk"], "rank_by": "test.qwk", "top_k": 5}
    records = [_planned_record("a", "corn", 0.4, report=settings), _planned_record("b", "emd", 0.3, report=settings)]
    report = render_experiment_report(records)
    assert "| Variant | fn | qwk | params | n_train | ratio | Seeds | Status | Epochs |" in report  # no gates: no Gates column
    assert "## Top Results (by test.qwk)" in report
    assert rows_of(report, "1")[0][:4] == ["1", "a", "corn", "**0.4000**"]  # as many decimals as the Variants table
    assert rows_of(report, "**b**")[0][2:6] == ["0.3000", "22804", "1020", "22.4"]


def test_run_report_header_shows_model_size():
    report = render_run_report(_record())
    assert "**Model**: ordinal_critic, 22,804 parameters, 22.4 per training sample (n_train 1,020)" in report


# 9. groups -------------------------------------------------------------------------------------


def test_group_table_hidden_without_groups():
    records = [_planned_record("a", "corn", 0.4), _planned_record("b", "emd", 0.3)]
    planned = [{"variant": "a", "group": None}, {"variant": "b", "group": None}, {"variant": "c", "group": None}]
    report = render_experiment_report(records, planned=planned)
    assert "Run Status by Group" not in report


# 10. table-valued metrics ----------------------------------------------------------------------


def test_table_valued_metrics_inherit_direction_and_function(rows_of):
    records = [_record(v, metrics={"test": {"mae_dim.power": m}}, directions={"mae_dim": False}) for v, m in (("a", 0.3), ("b", 0.2))]
    table = render_ranking(records, "mae_dim.power", ["mae_dim.power"], top_k=2)
    assert rows_of(table, "1")[0][1] == "b"
    record = _record(metrics={"test": {"recall_dim.power": 0.25}}, metric_fns={"recall_dim": "class_recall"})
    _judged(record, {"Power recall": "test.recall_dim.power >= 30%"})
    assert rows_of(render_run_report(record), "**Power recall**")[0][2] == "25.0%"



# 11. ranking -----------------------------------------------------------------------------------


def test_ranking_lists_missing_values_last_without_lone_bold(rows_of):
    records = [_planned_record("a", "corn", None), _planned_record("b", "emd", 0.3), _planned_record("c", "mse", None)]
    table = render_ranking(records, "qwk", ["qwk"], top_k=3)
    assert rows_of(table, "1") == [["1", "b", "0.300"]]
    assert rows_of(table, "-") == [["-", "a", "-"], ["-", "c", "-"]]


# 12. amendments --------------------------------------------------------------------------------


def test_amended_criteria_are_flagged_under_the_header():
    record = _record(amendment={"summary": "QWK target lowered from 0.5 to 0.4", "criteria": {}, "gates": {}})
    report = render_run_report(record)
    rest = report.split("---", 1)[1]
    assert rest.lstrip().startswith("⚠️ **Criteria amended after the run**: QWK target lowered from 0.5 to 0.4")
    assert "WARNING: criteria amended after the run: QWK target lowered" in render_run_report(record, ascii=True)
    experiment = render_experiment_report([record, record.model_copy(update={"variant": "other"}, deep=True)])
    assert experiment.count("**Criteria amended after the run**") == 1


def test_a_variant_with_several_seeds_is_one_row_judged_over_them(rows_of):
    aucs = [0.70, 0.72, 0.77]
    records = [_record(seed=s, metrics={"test": {"auc": a}}, directions={"auc": True}, criteria={"AUC": "test.auc > 0.71"})
               for s, a in enumerate(aucs)]
    text = render_experiment_report(records)
    [row] = rows_of(text, "**main**")
    low, high = stats.t.interval(0.95, 2, loc=statistics.fmean(aucs), scale=stats.sem(aucs))
    assert row[1] == f"{sum(aucs) / 3:.4f} [{low:.4f}, {high:.4f}]" and row[-3] == "3"  # mean, interval, seeds
    assert row[-2] == "❔ **INCONCLUSIVE**"  # the mean 0.7300 > 0.71, but its 95% t interval reaches below 0.71
    for record in records:
        record.criteria = {"AUC": "test.auc > 0.60"}
    assert rows_of(render_experiment_report(records), "**main**")[0][-2] == "✅ **PASSED**"  # the whole interval clears 0.60


def test_tracked_change_above_ten_fold_reads_as_a_factor():
    from vifspec.report import render_run_report

    history = [
        {"epoch": 1, "seconds": 0.1, "train": {"loss": 1.0}, "track": {"gains": {"mean": 0.6, "std": 0.0001}}},
        {"epoch": 2, "seconds": 0.1, "train": {"loss": 0.9}, "track": {"gains": {"mean": 0.66, "std": 0.0032}}},
    ]
    record = _record(history=history, epochs={"max": 2, "best": 2, "run": 2})
    text = render_run_report(record)
    assert "std ×32" in text and "mean +10.0%" in text

"""Reports without noise: one unit per metric in every table, no rows of only "-", the header's "early
stopped" only when it was, REPORT.md answering the experiment's question before its tables, pending
commands that carry the run's ``--out``."""

from __future__ import annotations

from typing import Any

from vifspec.records import RunRecord
from vifspec.records.record import Epoch
from vifspec.report import render_experiment_report, render_index_table, render_run_report
from vifspec.verdict import judge_records

RATE = {"fn": "recall_at_k", "higher_is_better": True, "unit": "rate"}
NUMBER = {"fn": "mae", "higher_is_better": False}


def _record(executed, variant: str = "main", r5: float = 0.139, mae: float = 0.3, **fields: Any) -> RunRecord:
    base = executed.records["tiny"][0].model_dump()
    history = [Epoch(epoch=e, seconds=0.1, train={"loss": 1.0 / e}, val={"r@5": r5 - 0.01 * (3 - e), "mae": mae}) for e in (1, 2, 3)]
    return RunRecord.model_validate({
        **base, "experiment": {"id": "exp", "title": "Exp", "hypothesis": "R@5 reaches 13%."}, "variant": variant, "seed": 0,
        "status": "completed", "epochs": {"max": 3, "run": 3, "best": 3}, "facts": {"r@5": RATE, "mae": NUMBER},
        "metrics": {"val": {"r@5": r5, "mae": mae}, "test": {"r@5": r5, "mae": mae, "unused": None}},
        "history": [h.model_dump() for h in history], "trivial": {}, "baseline": None, "criteria": {"R@5": "test.r@5 >= 13%"},
        "gates": {}, "report": {}, "verdict": None, **fields,
    })


def _judged(record: RunRecord) -> RunRecord:
    record.verdict = judge_records([record]).to_dict()
    return record


def test_a_rate_reads_in_percent_in_every_table_of_a_run_report(executed, rows_of):
    report = render_run_report(_judged(_record(executed)))
    assert rows_of(report, "**r@5**")[0][1:3] == ["13.9%", "13.9%"]  # primary metrics
    assert rows_of(report, "**R@5**")[0][1:3] == [">=13%", "13.9%"]  # criteria
    assert rows_of(report, "3 (best)")[0][2:4] == ["13.9%", "0.3000"]  # every epoch, each metric in its unit
    assert "- **val.r@5**: Rising (11.9% at epoch 1 → 13.9% at epoch 3)" in report
    assert "0.1390" not in report


def test_rate_columns_of_the_index_are_in_percent(executed, rows_of):
    table = render_index_table([_record(executed)], ["variant", "r@5", "mae"])
    assert rows_of(table, "main") == [["main", "13.9%", "0.300"]]


def test_no_row_of_only_dashes(executed):
    report = render_run_report(_record(executed))
    assert "**unused**" not in report
    assert not [line for line in report.splitlines() if line.startswith("| ") and set(line.split("|")[2:-1]) <= {" - ", " "}]


def test_early_stopped_only_when_epochs_were_cut_short(executed):
    stopped_at_the_end = _record(executed, status="early_stopped", epochs={"max": 3, "run": 3, "best": 1, "patience": 2})
    assert "**Epochs**: 3  \n" in render_run_report(stopped_at_the_end)
    stopped_early = _record(executed, status="early_stopped", epochs={"max": 30, "run": 3, "best": 1, "patience": 2})
    assert "**Epochs**: 3 (early stopped, patience=2)" in render_run_report(stopped_early)


def test_tracked_values_crossing_zero_show_an_absolute_difference(executed, rows_of):
    record = _record(executed)
    for entry, mean in zip(record.history, (-0.02, 0.0, 0.03)):
        entry.track = {"bias": {"mean": mean, "std": 0.1}}
    [row] = rows_of(render_run_report(record), "**bias**")
    assert row[-1] == "mean +0.05"  # not a % change of a value that crosses zero; an unchanged std says nothing


def test_report_md_answers_first_then_the_tables(executed):
    records = [_judged(_record(executed, "wide", r5=0.18)), _judged(_record(executed, "narrow", r5=0.12))]
    report = render_experiment_report(records, planned=[{"variant": "wide", "group": "A"}, {"variant": "narrow", "group": "A"},
                                                        {"variant": "deep", "group": "B"}], out="/tmp/runs-x")
    answer = report.split("## Answer", 1)[1].split("---", 1)[0]
    assert report.index("## Answer") < report.index("## Variants")
    assert "R@5 reaches 13%." in report.split("## Answer", 1)[0]  # the hypothesis comes first
    assert "1 of 2 variants **PASSED** (wide)." in answer
    assert "Best on test.r@5: **wide** (18.0%, PASSED, 1/1 criteria met), ahead of **narrow** (12.0%) by +6pp." in answer
    assert "`vifspec run" in report and "--out /tmp/runs-x --group B`" in report

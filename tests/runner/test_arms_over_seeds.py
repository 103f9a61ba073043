"""An arms experiment run with several seeds: each figure traced back to the records it came from, and
``run``, ``check --records`` and REPORT.md agree on one verdict."""

from __future__ import annotations

import json
import statistics

from click.testing import CliRunner

from vifspec.cli import main
from vifspec.verdict import judge_records


def _deltas(records) -> dict[int, float]:
    by = {(r.arm, r.seed): r.metrics["test"]["auc1"] for r in records}
    return {seed: by[("a", seed)] - by[("b", seed)] for seed in sorted({r.seed for r in records})}


def test_each_seed_is_judged_on_its_own_pair_and_the_experiment_on_their_mean(executed) -> None:
    records = executed.reread("arms-demo")
    deltas = _deltas(records)
    assert sorted(deltas) == [0, 1]
    for record in records:  # each record stores its own seed's verdict, from that seed's arms only
        criterion = record.verdict["criteria"][0]
        assert criterion["achieved"] == deltas[record.seed]
    verdict = judge_records(records)
    criterion = verdict.criteria[0]
    assert criterion.achieved == statistics.fmean(deltas.values())
    assert [(s.seed, s.achieved) for s in criterion.seeds] == [(str(k), v) for k, v in deltas.items()]


def test_check_records_and_the_report_agree_with_run(executed, monkeypatch) -> None:
    monkeypatch.chdir(executed.root)
    verdict = judge_records(executed.reread("arms-demo"))
    result = CliRunner().invoke(main, ["check", "--records", "runs/arms-demo", "--format", "json"])
    data = json.loads(result.output)
    assert {r["verdict"]["status"] for r in data["records"]} == {verdict.status}
    assert data["records"][0]["verdict"]["criteria"][0]["achieved"] == verdict.criteria[0].achieved
    report = (executed.root / "runs" / "arms-demo" / "REPORT.md").read_text(encoding="utf-8")
    assert f"**Status**: {'✅' if verdict.passed else '❌'} **{verdict.status}**" in report
    assert "### Δ per Seed" in report and "Means over 2 seeds" in report

"""Reports written as a run goes cost in proportion to what changed: a variant's reports are rewritten
when its records change, the experiment's REPORT.md at a bounded share of the time, records read once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlp_fixture import sweep_spec
from vifspec.cli import main
from vifspec.records import find_records, read_record, store, write_record
from vifspec.runner import reports
from vifspec.runner.reports import EXPERIMENT_REPORT_FILE, REPORT_FILE, LiveReports


@pytest.fixture
def finished(write_spec, tmp_path) -> Path:
    """A 3-variant sweep, 2 seeds each, run to the end; its experiment folder."""
    out = tmp_path / "runs"
    result = CliRunner().invoke(main, ["run", str(write_spec(sweep_spec("[0, 1]"))), "--out", str(out), "--quiet"])
    assert result.exit_code in (0, 1, 4), result.output  # a verdict (inconclusive on 2 epochs), not a crash
    (root,) = out.iterdir()
    return root


def _reports(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob(REPORT_FILE)}


def _live(root: Path) -> LiveReports:
    return LiveReports(root.name, "spec.toml", [], root.parent, ascii=False)


def test_only_the_reports_of_a_changed_record_are_written_again(finished: Path) -> None:
    before = _reports(finished)
    assert len(before) == 3 * 2 + 3  # each seed's and each variant's
    live = _live(finished)
    live.update()
    assert _reports(finished) == before  # nothing changed since the run wrote them

    record_path = sorted(find_records(finished))[0]
    record = read_record(record_path)
    record.stop_reason = "changed by the test"
    write_record(record, record_path.parent)
    live.update()
    after = _reports(finished)
    variant = record_path.parent.parent
    rewritten = {p for p in after if after[p] != before[p]}
    assert rewritten == {p for p in after if p.is_relative_to(variant)} and len(rewritten) == 3  # the variant's and its 2 seeds'
    assert "changed by the test" in (record_path.parent / REPORT_FILE).read_text(encoding="utf-8")


def test_the_experiment_report_is_throttled_while_running_and_always_written_at_the_end(finished: Path) -> None:
    experiment = finished / EXPERIMENT_REPORT_FILE
    live = _live(finished)
    live.update()
    first = experiment.stat().st_mtime_ns
    live.due = float("inf")  # its last writing was "expensive": not due again during the run
    live.update()
    assert experiment.stat().st_mtime_ns == first
    live.update(final=True)
    assert experiment.stat().st_mtime_ns > first


def test_records_are_parsed_once_until_their_file_changes(finished: Path, monkeypatch) -> None:
    parsed: list[Path] = []
    reader = store.read_record

    def counting(path):
        parsed.append(Path(path))
        return reader(path)

    monkeypatch.setattr(store, "read_record", counting)
    live = _live(finished)
    live.update(final=True)
    assert len(parsed) == 6
    parsed.clear()
    live.update(final=True)
    assert parsed == []
    record_path = sorted(find_records(finished))[-1]
    write_record(reader(record_path), record_path.parent)  # the same content, a new file
    live.update(final=True)
    assert parsed == [record_path]


def test_write_reports_still_writes_everything_missing(finished: Path) -> None:
    for path in _reports(finished):
        path.unlink()
    reports.write_reports(finished.name, "spec.toml", [], finished.parent, ascii=False)
    assert len(_reports(finished)) == 9

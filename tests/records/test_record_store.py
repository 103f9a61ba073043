"""The run record: one writer, one reader; malformed files are problems naming the file, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vifspec.cli import main
from vifspec.records import RecordError, read_record, scan_records, write_record

BAD_FILES = {
    "truncated": lambda good: good[: len(good) // 2],
    "not json": lambda good: "{not json",
    "foreign": lambda good: json.dumps({"name": "some other tool's file"}),
    "list": lambda good: "[1, 2, 3]",
    "wrong field type": lambda good: good.replace('"seed": 0', '"seed": "zero"'),
    "deep nesting": lambda good: "[" * 100_000 + "]" * 100_000,
    "huge integer": lambda good: good.replace('"seed": 0', '"seed": ' + "9" * 5000),
    "binary": lambda good: "\udcff",
}


@pytest.fixture
def good(executed, tmp_path: Path) -> Path:
    write_record(executed.copy("tiny"), tmp_path / "runs" / "tiny-kt" / "good")
    return tmp_path / "runs" / "tiny-kt" / "good" / "record.json"


def test_a_written_record_reads_back_equal(executed, good: Path) -> None:
    assert read_record(good) == executed.records["tiny"][0]


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_malformed_record_is_a_record_error_naming_the_file(good: Path, kind: str) -> None:
    bad = good.parent.parent / "bad" / "record.json"
    bad.parent.mkdir()
    text = BAD_FILES[kind](good.read_text(encoding="utf-8"))
    bad.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(RecordError) as info:
        read_record(bad)
    assert str(bad) in str(info.value) and info.value.exit_code == 2
    scan = scan_records(good.parent.parent)
    assert len(scan.records) == 1 and [p.file for p in scan.problems] == [str(bad)]


def test_cli_report_and_index_skip_a_corrupt_record_with_a_warning(good: Path, tmp_path: Path) -> None:
    corrupt = good.parent.parent / "corrupt" / "record.json"
    corrupt.parent.mkdir()
    corrupt.write_text("{", encoding="utf-8")
    runner = CliRunner()
    report = runner.invoke(main, ["report", str(good.parent.parent)])
    assert report.exit_code == 0 and f"warning: skipped {corrupt}" in report.output
    assert (good.parent / "report.md").exists()
    index = runner.invoke(main, ["index", str(good.parent.parent), "--into", str(tmp_path / "index.md")])
    assert index.exit_code == 0 and "1 record(s) indexed" in index.output and "warning: skipped" in index.output


def test_a_previous_format_record_is_upgraded(good: Path) -> None:
    data = json.loads(good.read_text(encoding="utf-8"))
    facts = data.pop("facts")
    data.update(format="vifspec.record/1", directions={k: f["higher_is_better"] for k, f in facts.items()},
                metric_fns={k: f["fn"] for k, f in facts.items()})
    good.write_text(json.dumps(data), encoding="utf-8")
    record = read_record(good)
    assert record.format == "vifspec.record/2"
    assert {k: (f.fn, f.higher_is_better) for k, f in record.facts.items()} == {k: (f["fn"], f["higher_is_better"]) for k, f in facts.items()}

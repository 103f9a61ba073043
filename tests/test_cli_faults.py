"""Environment and filesystem faults: exit 5 (not 1, which means "a gate failed"), one line naming the
path and the cause, no traceback, no temporary file left, nothing already written damaged."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_cli import VERDICT_ONLY
from vifspec.cli import main

FAULT = 5


def invoke(*args: object) -> object:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def fault_line(result: object, path: Path, cause: str) -> None:
    """Exit 5 and exactly one line, naming ``path`` and ``cause``."""
    assert result.exit_code == FAULT, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and cause in lines[0], result.output


@pytest.fixture
def read_only(tmp_path: Path) -> Path:
    """A folder this process cannot write in (skipped where permissions do not bind, e.g. as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").write_text("x")
    except PermissionError:
        yield folder
    else:
        pytest.skip("permissions do not bind here (running as root?)")
    finally:
        folder.chmod(0o755)


@pytest.fixture
def judge_inputs(write_spec, tmp_path: Path) -> tuple[Path, Path]:
    spec = write_spec(VERDICT_ONLY)
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"metrics": {"test": {"auc": 0.9}}}))
    return spec, results


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def test_outputs_in_a_missing_folder(judge_inputs, tmp_path: Path) -> None:
    spec, results = judge_inputs
    missing = tmp_path / "missing"
    fault_line(invoke("judge", spec, "--results", results, "--out", missing / "r.md"), missing / "r.md", f"folder {missing} does not exist")
    fault_line(invoke("check", spec, "--out", missing / "junit.xml"), missing / "junit.xml", "does not exist")
    fault_line(invoke("schema", "--out", missing / "s.json"), missing / "s.json", "does not exist")
    assert not missing.exists()


def test_outputs_whose_parent_is_a_file(judge_inputs, tmp_path: Path, runs_root: Path) -> None:
    spec, results = judge_inputs
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    target = blocker / "x.md"
    fault_line(invoke("judge", spec, "--results", results, "--out", target), target, f"{blocker} is a file, not a folder")
    fault_line(invoke("schema", "--out", target), target, "is a file, not a folder")
    fault_line(invoke("index", runs_root, "--into", target), target, "is a file, not a folder")
    fault_line(invoke("new", "demo", "--dir", blocker / "sub"), blocker / "sub" / "demo.toml", "is a file, not a folder")
    assert blocker.read_text() == "a file, not a folder"


def test_run_out_that_is_a_file_fails_before_training(tiny_kt: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    out.write_text("not a folder")
    result = invoke("run", tiny_kt, "--out", out)
    fault_line(result, out, "is a file, not a folder")


def test_read_only_outputs(judge_inputs, read_only: Path, runs_root: Path, tiny_kt: Path) -> None:
    spec, results = judge_inputs
    fault_line(invoke("judge", spec, "--results", results, "--out", read_only / "r.md"), read_only / "r.md", "Permission denied")
    fault_line(invoke("check", spec, "--out", read_only / "junit.xml"), read_only / "junit.xml", "Permission denied")
    fault_line(invoke("schema", "--out", read_only / "s.json"), read_only / "s.json", "Permission denied")
    fault_line(invoke("index", runs_root, "--into", read_only / "INDEX.md"), read_only / "INDEX.md", "Permission denied")
    fault_line(invoke("run", tiny_kt, "--out", read_only / "runs"), read_only / "runs", "Permission denied")
    assert list(read_only.iterdir()) == []


def test_report_in_a_read_only_run_folder(runs_root: Path) -> None:
    variant = runs_root / "demo" / "main"
    assert invoke("report", variant).exit_code == 0
    before = (variant / "report.md").read_bytes()
    variant.chmod(0o555)
    try:
        probe = variant / "probe"
        try:
            probe.write_text("x")
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("permissions do not bind here (running as root?)")
        fault_line(invoke("report", variant), variant / "report.md", "Permission denied")
    finally:
        variant.chmod(0o755)
    assert (variant / "report.md").read_bytes() == before and _leftovers(variant) == []


def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(judge_inputs, tmp_path: Path, monkeypatch) -> None:
    spec, results = judge_inputs
    target = tmp_path / "REPORT.md"
    target.write_text("the report of yesterday")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    fault_line(invoke("judge", spec, "--results", results, "--out", target), target, "No space left on device")
    assert target.read_text() == "the report of yesterday" and _leftovers(tmp_path) == []


def test_help_documents_the_fault_exit_code() -> None:
    text = invoke("--help").output
    assert "5  environment or filesystem fault" in text


@pytest.fixture
def runs_root(executed, tmp_path: Path) -> Path:
    """A copy of the session's executed run store, for one test to damage."""
    return Path(shutil.copytree(executed.root / "runs", tmp_path / "runs_copy"))


def test_a_disk_that_fills_during_training_is_a_fault_not_a_crash(tiny_kt: Path, tmp_path: Path, monkeypatch) -> None:
    """The record is written every epoch; when the disk fills mid-run, the run stops with exit 5 naming
    the file, the last record written stays whole on disk, and no temporary file is left."""
    out = tmp_path / "runs"
    real_fsync, calls = os.fsync, []

    def filling(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 2:  # the first writes land, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", filling)
    result = invoke("run", tiny_kt, "--out", out, "--quiet")
    assert result.exit_code == FAULT, result.output
    assert "No space left on device" in result.output and "record.json" in result.output
    (record,) = out.rglob("record.json")
    assert json.loads(record.read_text())["format"].startswith("vifspec.record/")
    assert _leftovers(out) == []

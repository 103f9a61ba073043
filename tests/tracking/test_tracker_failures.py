"""A tracker that fails never stops training: it is dropped with one warning and the run goes on."""

from __future__ import annotations

import pytest

from vifspec.errors import SpecError
from vifspec.records import read_record
from vifspec.runner import RunOptions, run_spec, spec_run
from vifspec.tracking import Tracker, tracker_for


class Unreachable(Tracker):
    def __init__(self) -> None:
        self.epochs = 0

    def epoch_finished(self, plan, entry, best_epoch) -> None:
        self.epochs += 1
        raise ConnectionError("tracking server unreachable")


def test_a_failing_tracker_is_dropped_and_training_goes_on(tiny_kt, tmp_path, monkeypatch, capsys):
    tracker = Unreachable()
    monkeypatch.setattr(spec_run, "tracker_for", lambda kind, out, say: tracker)
    summary = run_spec(str(tiny_kt), RunOptions(out=str(tmp_path / "runs"), log="mlflow", progress=False), say=lambda _: None)
    record = read_record(tmp_path / "runs" / "tiny-kt" / "main" / "record.json")
    assert record.status in ("completed", "early_stopped") and summary.status == "PASSED"
    assert tracker.epochs == 1  # told once, then dropped
    assert "warning: Unreachable stopped: ConnectionError: tracking server unreachable; training goes on" in capsys.readouterr().err


def test_a_missing_backend_is_invalid_input_naming_its_install_command(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def without_mlflow(name, *args, **kwargs):
        if name.startswith("mlflow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_mlflow)
    with pytest.raises(SpecError, match=r"pip install 'vifspec\[mlflow\]'"):
        tracker_for("mlflow", tmp_path, print)

"""A sweep goes on past a crash, resumes after kill -9, and two runs into one --out never train a plan twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

import vifspec
from mlp_fixture import MLP_SPEC, sweep_spec
from vifspec.cli import main
from vifspec.runner.backends import InProcess
from vifspec.runner.sweep import Sweep
from vifspec.runner.units import Job, Outcome, Unit, execute, plan_units
from vifspec.records import find_records, read_record
from vifspec.records.claims import CLAIM_FILE

TESTS = Path(__file__).resolve().parents[1]
CRASHING = MLP_SPEC.replace("seeds = [0, 1, 2]", "seeds = [0]").replace("epochs = 6", "epochs = 2") + """
[sweep]
case = [
  { label = "h8", "model.params.hidden" = [8] },
  { label = "boom", "loss.spread.fn" = "plugin_fixtures:boom_loss", "loss.spread.inputs" = { x = "logits" } },
  { label = "h16", "model.params.hidden" = [16] },
  { label = "h24", "model.params.hidden" = [24] },
]
"""


def _trained(stderr: str) -> list[str]:
    """The plans a run trained, from its ``run`` lines: 'variant seed s'."""
    found = []
    for line in stderr.splitlines():
        match = re.match(r"run  (\S+) seeds? ([\d,]+)", line)
        if match:
            found += [f"{match[1]} seed {s}" for s in match[2].split(",")]
    return found


def _vifspec(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "vifspec", "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _all_finished(out: Path, count: int) -> None:
    records = [read_record(p) for p in find_records(out)]
    assert len(records) == count and all(r.finished for r in records), [(r.variant, r.seed, r.status) for r in records]
    assert not list(out.rglob(CLAIM_FILE))


def test_a_crashing_variant_is_recorded_the_others_run_and_a_rerun_retries_it(write_spec, tmp_path):
    spec = write_spec(CRASHING)
    out = tmp_path / "runs"
    first = CliRunner().invoke(main, ["run", str(spec), "--out", str(out)])
    assert first.exit_code == 3, first.output
    assert "crashed: case=boom (seed 0) crashed: RuntimeError: boom inside the loss" in first.output
    statuses = {r.variant: r.status for r in (read_record(p) for p in find_records(out))}
    assert statuses.pop("case=boom") == "crashed" and set(statuses.values()) <= {"completed", "early_stopped"} and len(statuses) == 3
    again = CliRunner().invoke(main, ["run", str(spec), "--out", str(out)])
    assert again.exit_code == 3
    assert _trained(again.output) == ["case=boom seed 0"]  # the finished plans are skipped, the crashed one retried
    assert again.output.count("skip ") == 3


def test_two_runs_into_one_out_train_each_plan_once(write_spec, tmp_path):
    spec = write_spec(sweep_spec(seeds="[0, 1]", epochs=3))
    out = tmp_path / "runs"
    runs = [_vifspec(str(spec), "--out", str(out)) for _ in range(2)]
    results = [run.communicate(timeout=600) for run in runs]
    assert runs[0].returncode == runs[1].returncode and runs[0].returncode in (0, 1, 4), results
    trained = [_trained(stderr) for _, stderr in results]
    assert not set(trained[0]) & set(trained[1]), trained
    assert sorted(trained[0] + trained[1]) == sorted(f"hidden={h} seed {s}" for h in ("8", "16", "24") for s in (0, 1))
    assert results[0][0] == results[1][0]  # the same verdicts, whoever trained what
    _all_finished(out, 6)


def test_kill_9_of_the_driver_then_a_rerun_resumes(write_spec, tmp_path):
    spec = write_spec(sweep_spec(epochs=3))
    out = tmp_path / "runs"
    driver = _vifspec(str(spec), "--out", str(out))
    deadline = time.monotonic() + 300
    while not any(read_record(p).finished for p in find_records(out) if _readable(p)):
        assert driver.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
        time.sleep(0.1)
    driver.send_signal(signal.SIGKILL)
    driver.communicate()
    finished = {read_record(p).variant for p in find_records(out) if _readable(p) and read_record(p).finished}
    rerun = CliRunner().invoke(main, ["run", str(spec), "--out", str(out)])
    assert rerun.exit_code in (0, 1, 4), rerun.output  # a verdict, no crash
    assert {line.split()[1] for line in rerun.output.splitlines() if line.startswith("skip ")} == finished
    assert not set(_trained(rerun.output)) & {f"{v} seed 0" for v in finished}
    _all_finished(out, 3)


def test_sigterm_is_handled_as_ctrl_c_and_a_rerun_resumes(write_spec, tmp_path):
    """A scheduler's time limit sends SIGTERM: the plan in training is marked interrupted, the reports
    are written, the claims released; exit 143."""
    spec = write_spec(sweep_spec(epochs=100).replace('early_stopping = { monitor = "val.auc", patience = 1 }\n', ""))
    out = tmp_path / "runs"
    driver = _vifspec(str(spec), "--out", str(out))
    deadline = time.monotonic() + 300
    while not any(read_record(p).history for p in find_records(out) if _readable(p)):  # an epoch into training
        assert driver.poll() is None and time.monotonic() < deadline, "the run ended before it could be stopped"
        time.sleep(0.1)
    driver.send_signal(signal.SIGTERM)
    _, stderr = driver.communicate(timeout=120)
    assert driver.returncode == 143, stderr[-2000:]
    assert "terminated (SIGTERM); finished records are kept, rerun to resume" in stderr and "Traceback" not in stderr
    statuses = {read_record(p).status for p in find_records(out)}
    assert "interrupted" in statuses and not list(out.rglob(CLAIM_FILE))
    assert (out / "mlp-seeds" / "REPORT.md").exists()
    rerun = CliRunner().invoke(main, ["run", str(spec), "--out", str(out)])
    assert rerun.exit_code in (0, 1, 4), rerun.output
    _all_finished(out, 3)


def _readable(path: Path) -> bool:
    try:
        read_record(path)
    except Exception:  # noqa: BLE001 - only whole records count
        return False
    return True


class _Recorded(InProcess):
    """The in-process backend, saying in ``events`` which unit it is handed."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def submit(self, unit: Unit, job: Job) -> None:
        self.events.append(f"submit {unit.plans[0].variant}")
        super().submit(unit, job)


class _TwoAtOnce(_Recorded):
    """A concurrent backend with room for two units (each trains when its outcome is asked for)."""

    concurrent = True

    def __init__(self, events: list[str]) -> None:
        super().__init__(events)
        self.queued: list[tuple[Unit, Job]] = []

    @property
    def has_room(self) -> bool:
        return len(self.queued) < 2

    @property
    def busy(self) -> bool:
        return bool(self.queued)

    def submit(self, unit: Unit, job: Job) -> None:
        self.events.append(f"submit {unit.plans[0].variant}")
        self.queued.append((unit, job))

    def finished(self) -> list[tuple[Unit, list[Outcome]]]:
        unit, job = self.queued.pop(0)
        return [(unit, execute(unit, job))]


def _events(backend_class: type[_Recorded], write_spec, tmp_path) -> list[str]:
    """What a sweep of three one-plan units does, in order: units handed to the backend, records taken."""
    events: list[str] = []
    plans = vifspec.compile(write_spec(sweep_spec(epochs=1)))
    Sweep(backend_class(events), Job(str(tmp_path)), resume=False, say=lambda _: None,
          on_record=lambda plan, record, crash: events.append(f"record {plan.variant}"), on_unit=lambda: None).run(
        plan_units(plans, set()))
    return events


def test_a_concurrent_backend_gets_its_next_unit_before_the_finished_ones_are_written(write_spec, tmp_path):
    assert _events(_TwoAtOnce, write_spec, tmp_path) == [
        "submit hidden=8", "submit hidden=16", "submit hidden=24", "record hidden=8", "record hidden=16", "record hidden=24"]


def test_in_process_each_unit_is_written_before_the_next_is_taken(write_spec, tmp_path):
    assert _events(_Recorded, write_spec, tmp_path) == [
        "submit hidden=8", "record hidden=8", "submit hidden=16", "record hidden=16", "submit hidden=24", "record hidden=24"]


def _submitted(backend_class: type[_Recorded], spec: str, monkeypatch, tmp_path) -> list[str]:
    """The units a whole ``run_spec`` hands to a backend of ``backend_class``, in order."""
    from vifspec.runner import RunOptions, run_spec
    from vifspec.runner import spec_run

    events: list[str] = []
    monkeypatch.setattr(spec_run, "open_backend", lambda *_: backend_class(events))
    run_spec(spec, RunOptions(out=str(tmp_path / "out"), progress=False), say=lambda _: None)
    return [e.removeprefix("submit ") for e in events if e.startswith("submit")]


def test_workers_get_the_largest_units_first_in_process_the_spec_order(write_spec, monkeypatch, tmp_path):
    spec = write_spec(sweep_spec(epochs=1))  # hidden 8, 16, 24: work grows with the hidden size
    assert _submitted(_TwoAtOnce, spec, monkeypatch, tmp_path / "two") == ["hidden=24", "hidden=16", "hidden=8"]
    assert _submitted(_Recorded, spec, monkeypatch, tmp_path / "one") == ["hidden=8", "hidden=16", "hidden=24"]


def test_longest_first_weighs_a_variants_work_by_its_plans_and_keeps_ties_in_order():
    from vifspec.runner.units import longest_first

    def unit(variant: str, seeds: int = 1) -> Unit:
        return Unit([SimpleNamespace(variant=variant)] * seeds, together=seeds > 1)  # type: ignore[list-item]

    units = [unit("a"), unit("b", 3), unit("c"), unit("d")]
    ordered = longest_first(units, {"a": 2.0, "b": 1.0, "c": 5.0, "d": 2.0})
    assert [u.plans[0].variant for u in ordered] == ["c", "b", "a", "d"]  # b: 3 seeds x 1.0; a and d tie, in order

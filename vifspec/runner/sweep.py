"""The driver loop: claim each unit's plans, hand the unit to the backend, collect the records as they come.

Before a plan trains, this run claims it (:mod:`vifspec.records.claims`). A plan another live run
holds is waited for: when that run releases it, its record is taken as this run's result (a
finished or crashed record written meanwhile), or, when it left none (it died), the plan is claimed
and trained here. A plan found finished after claiming it (another run completed it since this one
looked) is skipped. So two runs into one ``--out``, whatever their backends, never train a plan
twice and never lose a record. Records a worker ships back are written here, atomically, the record
last, so a driver killed at any point leaves whole records only.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from vifspec.compiler.plan import Plan
from vifspec.records import RECORD_FILE, RecordError, RunRecord, read_record, write_record
from vifspec.records.claims import Claim, ClaimBook, holder_of
from vifspec.records.record import CRASHED
from vifspec.records.store import atomic_write_bytes
from vifspec.runner.backends import Backend
from vifspec.runner.units import Job, Outcome, Unit

POLL_S = 1.0
Say = Callable[[str], None]


@dataclass
class Waiting:
    """A plan another run is training, and when its record last changed before this run saw it."""

    plan: Plan
    seen: int | None


class Sweep:
    """Trains units through a backend; calls ``on_record(plan, record, crash)`` for each plan's record as it comes."""

    def __init__(self, backend: Backend, job: Job, resume: bool, say: Say,
                 on_record: Callable[[Plan, RunRecord, str | None], None], on_unit: Callable[[], None]) -> None:
        self.backend, self.job, self.resume, self.say = backend, job, resume, say
        self.on_record, self.on_unit = on_record, on_unit
        self.claims = ClaimBook()
        self.since = time.time()

    def run(self, units: list[Unit]) -> None:
        queue, waiting = deque(units), []
        try:
            while queue or self.backend.busy or waiting:
                self._submit(queue, waiting)
                if self.backend.busy:
                    done = self.backend.finished()
                    if self.backend.concurrent:  # the freed workers start their next units while this run writes these
                        self._submit(queue, waiting)
                    for unit, outcomes in done:
                        for outcome in outcomes:
                            self._collect(outcome)
                        self.on_unit()
                elif waiting:
                    time.sleep(POLL_S)
                    queue.extend(self._released(waiting))
        finally:
            self.backend.close()
            self.claims.close()

    def _submit(self, queue: deque[Unit], waiting: list[Waiting]) -> None:
        """Hand the backend the next units while it has room (each claimed first)."""
        while queue and self.backend.has_room:
            unit = self._claimed(queue.popleft(), waiting)
            if unit is not None:
                folder = unit.plans[0].run_dir(self.job.out)
                self.say(f"run  {unit.describe()} -> {folder.parent if unit.together else folder}")
                self.backend.submit(unit, self.job)

    def _claimed(self, unit: Unit, waiting: list[Waiting]) -> Unit | None:
        """The unit's plans this run now holds (None when none): others' go to ``waiting``, finished ones are taken."""
        mine = []
        for plan in unit.plans:
            run_dir = plan.run_dir(self.job.out)
            held = self.claims.take(run_dir)
            if not isinstance(held, Claim):
                self.say(f"wait {plan.variant} seed {plan.label}: {held.describe()} is training it")
                waiting.append(Waiting(plan, _mtime(run_dir)))
                continue
            done = self._finished_elsewhere(plan)
            if done is not None:
                self.claims.release(run_dir)
                self.say(f"skip {plan.variant} seed {plan.label}: finished by another run")
                self.on_record(plan, done, None)
                continue
            mine.append(plan)
        return Unit(mine, unit.together and len(mine) > 1) if mine else None

    def _finished_elsewhere(self, plan: Plan) -> RunRecord | None:
        """A finished record of this plan written by another run (any time when resuming, else since this run began)."""
        path = plan.run_dir(self.job.out) / RECORD_FILE
        record = _record(path)
        if record is None or record.plan_hash != plan.hash or not record.finished:
            return None
        return record if self.resume or path.stat().st_mtime >= self.since else None

    def _released(self, waiting: list[Waiting]) -> list[Unit]:
        """Plans released by their run: its record when it wrote one meanwhile, else a unit to train here."""
        again = []
        for item in list(waiting):
            run_dir = item.plan.run_dir(self.job.out)
            if holder_of(run_dir) is not None:
                continue
            waiting.remove(item)
            record = _record(run_dir / RECORD_FILE) if _mtime(run_dir) != item.seen else None
            if record is not None and record.plan_hash == item.plan.hash and (record.finished or record.status == CRASHED):
                self.on_record(item.plan, record, _crash_message(record, run_dir) if record.status == CRASHED else None)
                self.on_unit()
            else:
                again.append(Unit([item.plan]))
        return again

    def _collect(self, outcome: Outcome) -> None:
        """Write what a worker shipped, record a lost plan as crashed, release the claim, report."""
        from vifspec.executor.run import record_lost_run

        plan = outcome.plan
        run_dir = plan.run_dir(self.job.out)
        record = outcome.record
        if record is not None and outcome.files is not None:
            _write_shipped(record, outcome.files, run_dir)
        if record is None:
            record = record_lost_run(plan, run_dir, self.job.baseline(plan.seed), f"lost: {outcome.lost}")
        self.claims.release(run_dir)
        self.on_record(plan, record, _crash_message(record, run_dir) if record.status == CRASHED else None)


def _write_shipped(record: RunRecord, files: dict[str, bytes], run_dir: Path) -> None:
    """A worker's files of one plan folder, each written atomically; the record last. Figures the worker
    drew from this record get its time, so the reports do not draw them again."""
    written = []
    for name, data in files.items():
        if name != RECORD_FILE and Path(name).name == name and not name.startswith("."):
            atomic_write_bytes(run_dir / name, data)
            written.append(run_dir / name)
    record_time = write_record(record, run_dir).stat().st_mtime
    for path in written:
        if path.suffix == ".png":
            os.utime(path, (record_time, record_time))


def _crash_message(record: RunRecord, run_dir: Path) -> str:
    return f"{record.variant} (seed {record.run_label}) crashed: {record.stop_reason}; record: {run_dir / RECORD_FILE}"


def _record(path: Path) -> RunRecord | None:
    try:
        return read_record(path) if path.exists() else None
    except RecordError:
        return None


def _mtime(run_dir: Path) -> int | None:
    try:
        return (run_dir / RECORD_FILE).stat().st_mtime_ns
    except OSError:
        return None

"""Where units train: in this process (the default), or as tasks on a Ray cluster (``--workers``, ``--ray-address``).

A backend takes units (:meth:`submit`) while it has room and hands back the outcomes of finished
ones (:meth:`finished`). The in-process backend trains one unit at a time, writing its records in
place as it goes; the Ray backend (:mod:`vifspec.runner.ray_backend`) ships each unit to a worker
and the worker ships the records and checkpoints back.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from vifspec.compiler.plan import Plan
from vifspec.runner.units import Job, Outcome, Unit, execute


class Backend(Protocol):
    has_room: bool
    busy: bool
    concurrent: bool
    """Whether submitted units train while this process does other work (writing records, reports)."""

    def submit(self, unit: Unit, job: Job) -> None: ...

    def finished(self) -> list[tuple[Unit, list[Outcome]]]: ...

    def close(self) -> None: ...


class InProcess:
    """Trains each submitted unit in this process when its outcome is asked for."""

    concurrent = False

    def __init__(self) -> None:
        self.pending: tuple[Unit, Job] | None = None

    @property
    def has_room(self) -> bool:
        return self.pending is None

    @property
    def busy(self) -> bool:
        return self.pending is not None

    def submit(self, unit: Unit, job: Job) -> None:
        self.pending = (unit, job)

    def finished(self) -> list[tuple[Unit, list[Outcome]]]:
        assert self.pending is not None, "nothing submitted"
        unit, job = self.pending
        self.pending = None
        return [(unit, execute(unit, job))]

    def close(self) -> None:
        self.pending = None


def open_backend(workers: int | None, address: str | None, plans: Sequence[Plan], retries: int) -> Backend:
    """In-process without ``workers`` or ``address``; else Ray (a local cluster of ``workers``, or the one at ``address``)."""
    if workers is None and address is None:
        return InProcess()
    from vifspec.runner.ray_backend import RayBackend

    return RayBackend(workers, address, plans, retries)

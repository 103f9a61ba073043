"""Units of work: one plan, or the seeds of one variant trained together; the one function that runs a unit.

:func:`execute` is what every backend calls, in this process or on a Ray worker: it trains the
unit's plans into ``job.out`` and returns one :class:`Outcome` per plan. A crash inside training is
an outcome (the record says ``crashed``), never an exception, so the other units go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from vifspec.compiler.plan import Plan
from vifspec.errors import TrainingCrash
from vifspec.records import RecordError, RunRecord, read_record
from vifspec.records.record import BaselineRef
from vifspec.registry import Registry
from vifspec.usercode import spec_code_path


@dataclass
class Unit:
    """Plans trained by one call: one plan, or (``together``) the seeds of one variant as one vectorised model."""

    plans: list[Plan]
    together: bool = False

    def describe(self) -> str:
        plan = self.plans[0]
        if self.together:
            return f"{plan.variant} seeds {','.join(p.label for p in self.plans)} together"
        return f"{plan.variant} seed {plan.label}"


@dataclass
class Job:
    """What every unit of a run shares: where records go, the device, baselines by seed, progress, registry."""

    out: str
    device: str | None = None
    baselines: dict[int, BaselineRef] = field(default_factory=dict)
    progress: Any = None
    """A display or tracker (:class:`~vifspec.progress.Watcher`) in this process; a bool for workers elsewhere."""
    registry: Registry | None = None

    def baseline(self, seed: int) -> BaselineRef | None:
        """The seed's own baseline record, else the one serving every seed (key -1)."""
        return self.baselines.get(seed, self.baselines.get(-1))


@dataclass
class Outcome:
    """One plan's result: its record (None when its worker was lost: ``lost`` says why), and the
    files of its folder when a worker shipped them (None when written in place)."""

    plan: Plan
    record: RunRecord | None
    lost: str | None = None
    files: dict[str, bytes] | None = None


def plan_units(plans: Sequence[Plan], together: set[str]) -> list[Unit]:
    """One unit per plan, except the seeds of each variant in ``together`` (of one fold: the same data), which form one unit."""
    by_data: dict[tuple[str, int | None], list[Plan]] = {}
    for plan in plans:
        by_data.setdefault((plan.variant, plan.fold), []).append(plan)
    units: list[Unit] = []
    for (variant, _), group in by_data.items():
        if variant in together and len(group) > 1:
            units.append(Unit(group, together=True))
        else:
            units.extend(Unit([plan]) for plan in group)
    return units


def longest_first(units: Sequence[Unit], work: Mapping[str, float]) -> list[Unit]:
    """``units`` by their estimated work, the largest first (a variant's ``work`` per plan, times its
    plans; ties keep their order): on several workers, no long unit starts last while the others idle."""
    return sorted(units, key=lambda unit: -work.get(unit.plans[0].variant, 0.0) * len(unit.plans))


def execute(unit: Unit, job: Job) -> list[Outcome]:
    """Train the unit's plans into ``job.out``; one outcome per plan (imports torch)."""
    with spec_code_path(unit.plans[0].spec_path):  # the spec's own code, for the whole of training
        return _execute(unit, job)


def _execute(unit: Unit, job: Job) -> list[Outcome]:
    from vifspec.executor.run import run_plan
    from vifspec.executor.together import run_together

    if unit.together:
        records = run_together(unit.plans, out=job.out, device=job.device, baselines=[job.baseline(p.seed) for p in unit.plans],
                               progress=job.progress, registry=job.registry)
        return [Outcome(plan, record) for plan, record in zip(unit.plans, records)]
    outcomes = []
    for plan in unit.plans:
        try:
            record = run_plan(plan, out=job.out, device=job.device, baseline=job.baseline(plan.seed), progress=job.progress,
                              registry=job.registry)
        except TrainingCrash as exc:
            outcomes.append(_crashed(plan, job.out, exc))
            continue
        outcomes.append(Outcome(plan, record))
    return outcomes


def _crashed(plan: Plan, out: str, exc: TrainingCrash) -> Outcome:
    try:
        return Outcome(plan, read_record(plan.run_dir(out)))
    except RecordError:
        return Outcome(plan, None, lost=str(exc))


__all__: list[Any] = ["Job", "Outcome", "Unit", "execute", "longest_first", "plan_units"]

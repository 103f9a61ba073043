"""Run a whole spec: the baseline first, each plan (resuming finished ones), verdicts, reports.

Every pending variant is prepared before anything trains (a spec problem stops the run with exit 2
before anything is written). A plan that crashes is recorded as crashed and the sweep goes on; the
exit code says so at the end, and a rerun retries it (only finished records are skipped). Verdicts come from the one results model (:mod:`vifspec.verdict`): each
record keeps its own seed's verdict, and the experiment's verdicts over seeds are recomputed from the
records whenever they are needed, so ``run``, ``check --records`` and the reports never disagree.
Torch is imported only when a plan actually trains.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from vifspec.compiler import expand_variants, load_spec, plans_for, select_variants
from vifspec.compiler.plan import Plan
from vifspec.compiler.variants import Variant, run_names
from vifspec.errors import SpecError
from vifspec.records import RecordError, RunRecord, read_record, write_record
from vifspec.records.record import BaselineRef
from vifspec.registry import Registry, default_registry
from vifspec.runner.backends import InProcess, open_backend
from vifspec.runner.reports import LiveReports
from vifspec.runner.sweep import Sweep
from vifspec.runner.units import Job, longest_first, plan_units
from vifspec.progress import Watcher, Watchers, display_for
from vifspec.tracking import tracker_for
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source, resolve_path
from vifspec.verdict import FAILED, PASSED, Verdict, group_records, judge_records

if TYPE_CHECKING:
    from vifspec.prepare.prepare import Prepared

Say = Callable[[str], None]


@dataclass
class RunOptions:
    only: tuple[str, ...] = ()
    group: str | None = None
    seeds: int | None = None
    device: str | None = None
    out: str = "runs"
    progress: bool | None = None
    ascii: bool = False
    resume: bool = True
    overrides: dict[str, Any] = field(default_factory=dict)
    workers: int | None = None
    ray_address: str | None = None
    retries: int = 2
    """How many times Ray retries a task whose worker died, before its plans are recorded as crashed."""
    log: str | None = None
    """A tracking exporter: ``mlflow`` or ``tensorboard`` (:mod:`vifspec.tracking`)."""


@dataclass
class RunSummary:
    """What a run did: the records of the selected plans, the verdict of each group, crashes, reports."""

    experiment: str
    records: list[RunRecord] = field(default_factory=list)
    judged: list[tuple[list[RunRecord], Verdict]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def status(self) -> str:
        """PASSED, FAILED or INCONCLUSIVE over every group's verdict (FAILED when nothing was judged)."""
        statuses = {v.status for _, v in self.judged}
        if not statuses or FAILED in statuses:
            return FAILED
        return PASSED if statuses == {PASSED} else statuses.pop()


def existing_record(plan: Plan, out: str) -> RunRecord | None:
    """The finished record of exactly this plan (same plan hash), if one is stored."""
    path = plan.run_dir(out) / "record.json"
    if not path.exists():
        return None
    try:
        record = read_record(path)
    except RecordError:
        return None
    return record if record.plan_hash == plan.hash and record.finished else None


def plan_status(plan: Plan, out: str) -> str:
    """``done`` when a finished record of this exact plan exists, else ``pending``."""
    return "done" if existing_record(plan, out) is not None else "pending"


def compile_run(path: str, options: RunOptions, registry: Registry) -> tuple[Source, Spec, list[Variant], list[Plan]]:
    """Source, spec, every variant, and the plans selected by the options."""
    source, spec = load_spec(path, registry, overrides=options.overrides)
    if not spec.trainable:
        raise SpecError(f"{path}: a verdict-only spec has nothing to run; use 'vifspec judge {path} --results FILE'")
    variants = expand_variants(spec, source)
    selected = select_variants(variants, set(options.only), options.group, source)
    return source, spec, variants, plans_for(selected, source, options.seeds, registry, run_names(spec))


def run_spec(path: str, options: RunOptions, say: Say = print, registry: Registry | None = None) -> RunSummary:
    """Compile and run every selected plan of the spec at ``path``; write records and reports.

    The preflight prepares one plan of each pending variant and tries its seeds together
    (:func:`~vifspec.executor.together.together_support`); the plans then train in units (a plan, or
    a variant's seeds together) in this process, in the spec's order, or on Ray workers, the largest
    estimated work first; each is claimed first (:class:`~vifspec.runner.sweep.Sweep`).
    """
    registry = registry or default_registry()
    source, spec, variants, plans = compile_run(path, options, registry)
    from vifspec.prepare.preflight import preflight  # imports torch

    finished = {id(p): existing_record(p, options.out) for p in plans} if options.resume else {}
    pending = [p for p in plans if finished.get(id(p)) is None]
    inspected = _Preflighted(pending, say)
    problems = preflight(pending, registry, options.device, inspect=inspected)
    if problems:
        raise SpecError(problems)
    trackers = [tracker_for(options.log, options.out, say)] if options.log else []  # a missing extra stops us here
    backend = open_backend(options.workers, options.ray_address, pending, options.retries) if pending else InProcess()
    try:  # a baseline spec run first trains on this run's Ray cluster too (one start-up, workers already warm)
        baselines = resolve_baseline(spec, source.path, options, say, registry)
    except BaseException:
        backend.close()
        raise
    summary = RunSummary(spec.experiment.id)
    remote = bool(pending) and (options.workers is not None or options.ray_address is not None)
    display = display_for(total=len(pending), quiet=options.progress is False or remote)  # Ray workers train out of sight
    watch = Watchers([display, *trackers])
    reported: list[tuple[Plan, RunRecord]] = []
    for plan in plans:
        record = finished.get(id(plan))
        if record is not None:
            summary.skipped.append(f"{plan.variant} (seed {plan.seed})")
            say(f"skip {plan.variant} seed {plan.seed}: finished record with the same plan hash exists")
            summary.records.append(record)

    def on_record(plan: Plan, record: RunRecord, crash: str | None) -> None:
        summary.records.append(record)
        reported.append((plan, record))
        if crash:
            summary.crashed.append(crash)
        if spec.arms:
            _judge_arm_seed(record, summary.records, plans, options.out)

    live = LiveReports(spec.experiment.id, source.path, variants, options.out, options.ascii or spec.report.ascii)

    def on_unit(final: bool = False) -> None:
        summary.report_path = live.update(final=final)
        for plan, record in reported:  # its report and figures now exist
            watch.plan_reported(record, plan.run_dir(options.out))
        reported.clear()

    job = Job(options.out, options.device, baselines, False if remote else watch, registry)
    try:
        watch.experiment_started(spec.experiment.model_dump(), source.path)
        try:
            units = plan_units(pending, inspected.together)
            if backend.concurrent:  # the longest first, so no long unit starts last while the other workers idle
                units = longest_first(units, inspected.work)
            Sweep(backend, job, options.resume, say, on_record, on_unit).run(units)
        except KeyboardInterrupt:  # the reports as the records stand, then exit 130
            on_unit(final=True)
            raise
        on_unit(final=True)
        _report_to_watchers(summary, plans, spec, options, watch)
    finally:
        backend.close()  # closed already when the sweep ran
        watch.close()
    return summary


def _report_to_watchers(summary: RunSummary, plans: list[Plan], spec: Spec, options: RunOptions, watch: Watcher) -> None:
    """Every verdict judged; the watchers told the arms' verdicts (they came after their plans) and the experiment's end."""
    order = {(p.variant, p.label): i for i, p in enumerate(plans)}
    summary.records.sort(key=lambda r: order.get((r.variant, r.run_label), len(order)))
    summary.judged = [(group, judge_records(group)) for group in group_records(summary.records)]
    folders = {(p.variant, p.label): p.run_dir(options.out) for p in plans}
    for record in summary.records if spec.arms else ():
        watch.plan_reported(record, folders[(record.variant, record.run_label)])
    watch.experiment_finished(summary.judged, Path(options.out) / spec.experiment.id)


class _Preflighted:
    """Told each pending variant's prepared plan by the preflight, collects the variants whose seeds
    train together and each variant's :func:`~vifspec.executor.run.training_work`."""

    def __init__(self, pending: list[Plan], say: Say) -> None:
        self.several = {variant for (variant, _), n in Counter((p.variant, p.fold) for p in pending).items() if n > 1}
        self.together: set[str] = set()
        self.work: dict[str, float] = {}
        self.say = say

    def __call__(self, prepared: Prepared) -> None:
        from vifspec.executor.run import training_work
        from vifspec.executor.together import together_support

        variant = prepared.plan.variant
        self.work[variant] = training_work(prepared)
        if variant in self.several:
            support = together_support(prepared)
            self.say(f"seeds of {variant}: {support}")
            if support.together:
                self.together.add(variant)


def _judge_arm_seed(record: RunRecord, records: list[RunRecord], plans: list[Plan], out: str) -> None:
    """Once every arm of ``record``'s seed has finished, judge that seed and store its verdict in each arm's record."""
    same_seed = [r for r in records if r.arm and r.run_label == record.run_label]
    if len(same_seed) < len({p.arm for p in plans}):
        return
    verdict = judge_records(same_seed).to_dict()
    by_arm = {(p.arm, p.label): p for p in plans}
    for arm_record in same_seed:
        arm_record.verdict = verdict
        write_record(arm_record, by_arm[(arm_record.arm, arm_record.run_label)].run_dir(out))


def resolve_baseline(spec: Spec, spec_path: str, options: RunOptions, say: Say, registry: Registry) -> dict[int, BaselineRef]:
    """Seed -> what the runs are compared with (seed -1: one reference for every seed).

    A stored record serves every seed; a baseline spec is run first with the same seeds when its
    records are missing, and pairs by seed; an arm is referenced by name (its records are the other
    arm's runs).
    """
    baseline = spec.baseline
    if baseline is None or not (baseline.record or baseline.spec or baseline.arm):
        return {}
    if baseline.arm:
        return {-1: BaselineRef(label=baseline.label, source=f"arm {baseline.arm}", compare=baseline.compare, arm=baseline.arm)}
    if baseline.record:
        record = read_record(resolve_path(baseline.record, spec_path))
        return {-1: BaselineRef(label=baseline.label, source=baseline.record, metrics=record.metrics,
                                resamples=record.resamples, compare=baseline.compare)}
    other = str(resolve_path(baseline.spec, spec_path))
    sub = RunOptions(seeds=options.seeds, device=options.device, out=options.out, progress=options.progress, ascii=options.ascii,
                     workers=options.workers, ray_address=options.ray_address, retries=options.retries)
    _, _, _, plans = compile_run(other, sub, registry)
    found = {p.seed: (p, existing_record(p, options.out)) for p in plans}
    if any(record is None for _, record in found.values()):
        say(f"baseline {other}: no finished record, running it first")
        run_spec(other, sub, say, registry)
        found = {p.seed: (p, existing_record(p, options.out)) for p in plans}
    refs = {
        seed: BaselineRef(label=baseline.label, source=str(plan.run_dir(options.out) / "record.json"),
                          metrics=record.metrics, resamples=record.resamples, compare=baseline.compare)
        for seed, (plan, record) in found.items() if record is not None
    }
    if refs:
        refs[-1] = refs[min(refs)]
    return refs

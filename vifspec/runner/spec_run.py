"""Run a whole spec: the baseline first, each plan (resuming finished ones), verdicts, reports.

Each plan is prepared before it trains (a spec problem stops the run with exit 2 before anything of
that plan is written). A plan that crashes is recorded as crashed and the sweep goes on; the exit
code says so at the end. Verdicts come from the one results model (:mod:`vifspec.verdict`): each
record keeps its own seed's verdict, and the experiment's verdicts over seeds are recomputed from the
records whenever they are needed, so ``run``, ``check --records`` and the reports never disagree.
Torch is imported only when a plan actually trains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from vifspec.compiler import expand_variants, load_spec, plans_for, select_variants
from vifspec.compiler.plan import Plan
from vifspec.compiler.variants import Variant
from vifspec.errors import SpecError, TrainingCrash
from vifspec.progress import Watcher, Watchers, display_for
from vifspec.records import RecordError, RunRecord, read_record, write_record
from vifspec.records.record import BaselineRef
from vifspec.registry import Registry, default_registry
from vifspec.runner.reports import write_reports
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source, resolve_path
from vifspec.tracking import tracker_for
from vifspec.verdict import FAILED, PASSED, Verdict, group_records, judge_records

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
    source, spec = load_spec(path, registry)
    if not spec.trainable:
        raise SpecError(f"{path}: a verdict-only spec has nothing to run; use 'vifspec judge {path} --results FILE'")
    variants = expand_variants(spec, source)
    selected = select_variants(variants, set(options.only), options.group, source)
    return source, spec, variants, plans_for(selected, source, options.seeds, registry)


def run_spec(path: str, options: RunOptions, say: Say = print, registry: Registry | None = None) -> RunSummary:
    """Compile and run every selected plan of the spec at ``path``; write records and reports."""
    registry = registry or default_registry()
    source, spec, variants, plans = compile_run(path, options, registry)
    from vifspec.executor.run import run_plan  # imports torch
    from vifspec.prepare.preflight import preflight

    pending = [p for p in plans if not (options.resume and existing_record(p, options.out))]
    problems = preflight(pending, registry, options.device)
    if problems:
        raise SpecError(problems)
    trackers = [tracker_for(options.log, options.out, say)] if options.log else []  # a missing extra stops us here
    baselines = resolve_baseline(spec, source.path, options, say, registry)
    summary = RunSummary(spec.experiment.id)
    watch = Watchers([display_for(total=len(pending), quiet=options.progress is False), *trackers])
    try:
        watch.experiment_started(spec.experiment.model_dump(), source.path)
        for plan in plans:
            record = existing_record(plan, options.out) if options.resume else None
            if record is not None:
                summary.skipped.append(f"{plan.variant} (seed {plan.seed})")
                say(f"skip {plan.variant} seed {plan.seed}: finished record with the same plan hash exists")
            else:
                say(f"run  {plan.variant} seed {plan.seed} -> {plan.run_dir(options.out)}")
                record = _run_one(plan, options, baselines, registry, summary, run_plan, watch)
            if record is not None:
                summary.records.append(record)
                if spec.arms:
                    _judge_arm_seed(record, summary.records, plans, options.out)
            summary.report_path = write_reports(spec, source.path, variants, options.out, options.ascii or spec.report.ascii)
            if record is not None:
                watch.plan_reported(record, plan.run_dir(options.out))
        summary.judged = [(group, judge_records(group)) for group in group_records(summary.records)]
        folders = {(p.variant, p.seed): p.run_dir(options.out) for p in plans}
        for record in summary.records if spec.arms else ():  # arms' verdicts came after their plans ended
            watch.plan_reported(record, folders[(record.variant, record.seed)])
        watch.experiment_finished(summary.judged, Path(options.out) / spec.experiment.id)
    finally:
        watch.close()
    return summary


def _run_one(plan: Plan, options: RunOptions, baselines: dict[int, BaselineRef], registry: Registry,
             summary: RunSummary, run_plan: Callable[..., RunRecord], watch: Watcher) -> RunRecord | None:
    """Train one plan; a crash is recorded (the record says ``crashed``) and the sweep goes on."""
    baseline = baselines.get(plan.seed, baselines.get(-1))
    try:
        return run_plan(plan, out=options.out, device=options.device, baseline=baseline, progress=watch, registry=registry)
    except TrainingCrash as exc:
        summary.crashed.append(str(exc))
        try:
            return read_record(plan.run_dir(options.out))
        except RecordError:
            return None


def _judge_arm_seed(record: RunRecord, records: list[RunRecord], plans: list[Plan], out: str) -> None:
    """Once every arm of ``record``'s seed has finished, judge that seed and store its verdict in each arm's record."""
    same_seed = [r for r in records if r.arm and r.seed == record.seed]
    if len(same_seed) < len({p.arm for p in plans}):
        return
    verdict = judge_records(same_seed).to_dict()
    by_arm = {(p.arm, p.seed): p for p in plans}
    for arm_record in same_seed:
        arm_record.verdict = verdict
        write_record(arm_record, by_arm[(arm_record.arm, arm_record.seed)].run_dir(out))


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
        return {-1: BaselineRef(label=baseline.label, source=baseline.record, metrics=record.metrics, compare=baseline.compare)}
    other = str(resolve_path(baseline.spec, spec_path))
    sub = RunOptions(seeds=options.seeds, device=options.device, out=options.out, progress=options.progress, ascii=options.ascii)
    _, _, _, plans = compile_run(other, sub, registry)
    found = {p.seed: (p, existing_record(p, options.out)) for p in plans}
    if any(record is None for _, record in found.values()):
        say(f"baseline {other}: no finished record, running it first")
        run_spec(other, sub, say, registry)
        found = {p.seed: (p, existing_record(p, options.out)) for p in plans}
    refs = {
        seed: BaselineRef(label=baseline.label, source=str(plan.run_dir(options.out) / "record.json"),
                          metrics=record.metrics, compare=baseline.compare)
        for seed, (plan, record) in found.items() if record is not None
    }
    if refs:
        refs[-1] = refs[min(refs)]
    return refs

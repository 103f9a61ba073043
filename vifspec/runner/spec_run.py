"""Run a whole spec: baseline first, each plan (resuming finished ones), arm verdicts, reports.

Torch is imported only when a plan actually trains (``vifspec.executor``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from vifspec.compiler import expand_variants, load_spec, plans_for, select_variants
from vifspec.errors import SpecError
from vifspec.compiler.plan import Plan
from vifspec.records import FINISHED, atomic_write_text, load_record, write_record
from vifspec.registry import Registry, default_registry
from vifspec.report import render_experiment_report, render_run_report
from vifspec.verdict import PASSED, judge_results


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


@dataclass
class RunSummary:
    experiment: str
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    report_path: Path | None = None

    @property
    def passed(self) -> bool:
        return bool(self.records) and all((r.get("verdict") or {}).get("status") == PASSED for r in self.records)


def plan_status(plan: Plan, out: str) -> str:
    """``done`` when a finished record of this exact plan exists, else ``pending``."""
    record = existing_record(plan, out)
    return "done" if record is not None else "pending"


def existing_record(plan: Plan, out: str) -> dict[str, Any] | None:
    path = plan.run_dir(out) / "record.json"
    if not path.exists():
        return None
    try:
        record = load_record(path)
    except SpecError:
        return None
    return record if record.get("plan_hash") == plan.hash and record.get("status") in FINISHED else None


def compile_run(path: str, options: RunOptions, registry: Registry) -> tuple[Any, Any, list[Any], list[Plan]]:
    """Source, spec, every variant, and the plans selected by the options."""
    source, spec = load_spec(path, registry)
    if not spec.trainable:
        raise SpecError(f"{path}: a verdict-only spec has nothing to run; use 'vifspec judge {path} --results FILE'")
    variants = expand_variants(spec, source)
    selected = select_variants(variants, set(options.only), options.group, source)
    return source, spec, variants, plans_for(selected, source, options.seeds, registry)


def run_spec(path: str, options: RunOptions, say: Callable[[str], None] = print, registry: Registry | None = None) -> RunSummary:
    """Compile and run every selected plan of the spec at ``path``; write records and reports."""
    registry = registry or default_registry()
    source, spec, variants, plans = compile_run(path, options, registry)
    from vifspec.executor.run import run_plan  # imports torch

    baseline = resolve_baseline(spec, source.path, options, say, registry)
    summary = RunSummary(spec.experiment.id)
    ascii_ = options.ascii or spec.report.ascii
    for plan in plans:
        record = existing_record(plan, options.out) if options.resume else None
        if record is not None:
            summary.skipped.append(f"{plan.variant} (seed {plan.seed})")
            say(f"skip {plan.variant} seed {plan.seed}: finished record with the same plan hash exists")
        else:
            say(f"run  {plan.variant} seed {plan.seed} -> {plan.run_dir(options.out)}")
            record = run_plan(plan, out=options.out, device=options.device, baseline=baseline, progress=options.progress, registry=registry)
        summary.records.append(record)
        _write_run_report(plan, record, options.out, ascii_)
        summary.report_path = _write_experiment_report(spec, source.path, variants, options, summary)
    if spec.arms:
        _judge_arms(spec, summary.records, baseline)
        for plan, record in zip(plans, summary.records):
            write_record(record, plan.run_dir(options.out))
            _write_run_report(plan, record, options.out, ascii_)
        summary.report_path = _write_experiment_report(spec, source.path, variants, options, summary)
    return summary


def _write_run_report(plan: Plan, record: dict[str, Any], out: str, ascii_: bool) -> None:
    """``report.md`` beside the record, written as soon as the plan finishes (an interrupted sweep keeps it)."""
    atomic_write_text(plan.run_dir(out) / "report.md", render_run_report(record, ascii=ascii_))


def resolve_baseline(spec: Any, spec_path: str, options: RunOptions, say: Callable[[str], None], registry: Registry) -> dict[str, Any] | None:
    """The baseline's label, source and metrics: a stored record, or a spec's record (run first if missing)."""
    baseline = spec.baseline
    if baseline is None or not (baseline.record or baseline.spec):
        return None
    if baseline.record:
        record = load_record(_relative(baseline.record, spec_path))
        source = baseline.record
    else:
        other = str(_relative(baseline.spec, spec_path))
        sub = RunOptions(seeds=None, device=options.device, out=options.out, progress=options.progress, ascii=options.ascii)
        _, _, _, plans = compile_run(other, sub, registry)
        record = existing_record(plans[0], options.out)
        if record is None:
            say(f"baseline {other}: no finished record, running it first")
            record = run_spec(other, sub, say, registry).records[0]
        source = str(plans[0].run_dir(options.out) / "record.json")
    return {"label": baseline.label, "source": source, "metrics": record.get("metrics", {}), "compare": list(baseline.compare)}


def _relative(path: str, spec_path: str) -> Path:
    """A path in a spec is relative to the working directory if it exists there, else to the spec."""
    candidate = Path(path)
    if candidate.is_absolute() or candidate.exists():
        return candidate
    return Path(spec_path).parent / candidate


def _judge_arms(spec: Any, records: list[dict[str, Any]], baseline: dict[str, Any] | None) -> None:
    """One verdict for the whole experiment: criteria compare arms with each other."""
    arms = {r["arm"]: r.get("metrics", {}) for r in records if r.get("arm")}
    results: dict[str, Any] = {"metrics": {}, "arms": arms}
    if spec.baseline is not None and spec.baseline.arm in arms:
        results["baseline"] = arms[spec.baseline.arm]
        baseline = {"label": spec.baseline.label, "source": f"arm {spec.baseline.arm}", "metrics": arms[spec.baseline.arm], "compare": list(spec.baseline.compare)}
    elif baseline is not None:
        results["baseline"] = baseline["metrics"]
    bad = next((r for r in records if r.get("status") in ("diverged", "collapsed", "crashed")), None)
    verdict = judge_results(
        spec.criteria, {k: g.model_dump() for k, g in spec.gates.items()}, results, arms=set(spec.arms),
        status=bad["status"] if bad else None, stop_reason=f"arm {bad['arm']}: {bad.get('stop_reason')}" if bad else None,
    ).to_dict()
    for record in records:
        record["verdict"] = verdict
        record["arms"] = arms
        if baseline is not None:
            record["baseline"] = baseline


def _write_experiment_report(spec: Any, spec_path: str, variants: list[Any], options: RunOptions, summary: RunSummary) -> Path:
    """``runs/<experiment>/REPORT.md`` over every finished record of the experiment on disk."""
    root = Path(options.out) / spec.experiment.id
    records = []
    for path in sorted(root.rglob("record.json")):
        try:
            records.append(load_record(path))
        except SpecError:
            continue
    planned = [{"variant": v.id, "group": v.group} for v in variants]
    text = render_experiment_report(
        spec.experiment.model_dump(), records, planned=planned, spec_path=spec_path,
        rank_by=spec.report.rank_by, top_k=spec.report.top_k, ascii=options.ascii or spec.report.ascii,
    )
    atomic_write_text(root / "REPORT.md", text)
    return root / "REPORT.md"

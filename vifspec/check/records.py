"""``vifspec check --records``: re-judge stored records against their specs as they are now.

Records are grouped exactly as ``vifspec run`` groups them (one variant's seeds, or every arm of an
arms experiment) and judged by the same results model, so ``check --records`` and ``run`` never
disagree on a verdict. A record is also checked against itself: its criteria text must still match
the hash it registered (a record edited by hand is flagged), and its spec's criteria and gates must
be those it ran under (pre-registration; ``--mark-amended`` stores the amendment in the record).
An unreadable record is reported, naming the file, and the others are still judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from vifspec.check.outcome import CheckOutcome, RecordCheck, add_spec
from vifspec.compiler import Variant, expand_variants, load_spec
from vifspec.compiler.plan import canonical_hash, criteria_hash
from vifspec.errors import Problem, SpecError
from vifspec.records import RunRecord, scan_records, write_record
from vifspec.registry import Registry, default_registry
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source
from vifspec.verdict import gates_of, group_records, judge_records
from vifspec.verdict.results import current_records


@dataclass(frozen=True)
class _CompiledSpec:
    source: Source
    spec: Spec
    variants: dict[str, Variant]


def check_records(root: str | Path, outcome: CheckOutcome | None = None, registry: Registry | None = None,
                  mark_amended: bool = False, imports: bool = False) -> CheckOutcome:
    """Re-judge every record under ``root`` against its spec as it is now (see the module docstring).

    The spec of each record is checked too (added to ``outcome.files`` once), importing nothing it
    names unless ``imports``.
    """
    registry = registry or default_registry()
    outcome = outcome or CheckOutcome()
    if not Path(root).exists():
        outcome.records.append(RecordCheck(str(root), problems=[Problem("no such file or directory", str(root))]))
        return outcome
    scan = scan_records(root)
    outcome.records.extend(RecordCheck(str(p.file), problems=[p]) for p in scan.problems)
    paths = {id(r): str(p) for r, p in zip(scan.records, scan.paths)}
    cache: dict[str, _CompiledSpec | None] = {}
    current = {id(r) for r in current_records(scan.records)}
    for record in scan.records:
        if id(record) not in current:
            outcome.records.append(RecordCheck(paths[id(record)], skipped="a newer record of the same variant and seed exists"))
    for group in group_records(r for r in scan.records if id(r) in current):
        compile_spec = lambda spec_path: _compiled(spec_path, cache, outcome, registry, imports)  # noqa: E731
        for check in _judge_group(group, paths, compile_spec):
            if mark_amended and check.amendment:
                record = next(r for r in group if paths[id(r)] == check.path)
                record.amendment = check.amendment
                write_record(record, Path(check.path).parent)
            outcome.records.append(check)
    return outcome


def _compiled(spec_path: str, cache: dict[str, _CompiledSpec | None], outcome: CheckOutcome, registry: Registry,
              imports: bool) -> _CompiledSpec | None:
    """The spec at ``spec_path`` compiled once (None when invalid; its problems go to ``outcome``)."""
    if spec_path not in cache:
        if spec_path not in outcome.files:
            add_spec(outcome, spec_path, registry, imports)
        try:
            source, spec = load_spec(spec_path, registry, imports=imports)
            variants = {v.id: v for v in expand_variants(spec, source)} if spec.trainable else {}
            cache[spec_path] = _CompiledSpec(source, spec, variants)
        except SpecError:
            cache[spec_path] = None
    return cache[spec_path]


def _judge_group(group: list[RunRecord], paths: dict[int, str], compile_spec: Callable[[str], _CompiledSpec | None]) -> list[RecordCheck]:
    """One check per record of ``group``, all carrying the group's verdict under the current spec."""
    first_path = paths[id(group[0])]
    running = [r for r in group if r.status == "running"]
    judged = [r for r in group if r.status != "running"]
    checks = [RecordCheck(paths[id(r)], skipped="the run has not finished (status 'running')") for r in running]
    if not judged:
        return checks
    spec_path = resolve_spec_path(group[0].spec.path, first_path)
    if spec_path is None:
        return checks + [RecordCheck(paths[id(r)], problems=[Problem(f"its spec '{r.spec.path}' was not found", paths[id(r)])]) for r in judged]
    compiled = compile_spec(spec_path)
    if compiled is None:
        message = f"cannot re-judge: its spec {spec_path} does not compile"
        return checks + [RecordCheck(paths[id(r)], spec_path, problems=[Problem(message, paths[id(r)])]) for r in judged]
    variant = compiled.variants.get(group[0].variant)
    spec = variant.spec if variant is not None and not group[0].arm else compiled.spec
    try:
        verdict = judge_records(judged, criteria=spec.criteria, gates=gates_of(spec), settings=spec.verdict).to_dict()
    except SpecError as exc:
        problems = [f"cannot re-judge: {p.message}" for p in exc.problems]
        return checks + [RecordCheck(paths[id(r)], spec_path, problems=[Problem(m, paths[id(r)]) for m in problems]) for r in judged]
    return checks + [_record_check(r, paths[id(r)], spec_path, verdict, spec, compiled.source) for r in judged]


def _record_check(record: RunRecord, path: str, spec_path: str, verdict: dict[str, Any], spec: Spec, source: Source) -> RecordCheck:
    gates = {name: gate.model_dump() for name, gate in record.gates.items()}
    registered = {"criteria": record.criteria, "gates": gates, "verdict_settings": record.verdict_settings.model_dump()}
    if canonical_hash(registered) != record.criteria_hash:
        message = "its criteria or gates were edited after the run: they no longer match the hash it registered"
        return RecordCheck(path, spec_path, problems=[Problem(message, path)])
    amendment = amendment_of(record, spec)
    at = amendment_problem(amendment, source, path) if amendment else None
    return RecordCheck(path, spec_path, verdict, amendment, at)


def resolve_spec_path(spec_path: str, record_path: str) -> str | None:
    """A record's spec path as written at run time: relative to the working directory, or to a folder above the record."""
    if not spec_path:
        return None
    candidates = [Path(spec_path)] + [parent / spec_path for parent in Path(record_path).resolve().parents]
    found = next((c for c in candidates if c.is_file()), None)
    return None if found is None else (spec_path if found == Path(spec_path) else str(found))


# -- amendments --------------------------------------------------------------------------------


def amendment_of(record: RunRecord, spec: Spec) -> dict[str, Any] | None:
    """How ``spec``'s criteria and gates differ from those the record ran under, or None when they do not.

    Returns ``{"registered_hash", "current_hash", "criteria": {"added", "removed", "changed"},
    "gates": {...}, "summary"}`` (JSON-ready: the shape stored in a record's ``"amendment"``).
    """
    current_hash = criteria_hash(spec)
    if record.criteria_hash == current_hash:
        return None
    criteria = _diff(record.criteria, dict(spec.criteria))
    gates = _diff({n: g.model_dump() for n, g in record.gates.items()}, {name: gate.model_dump() for name, gate in spec.gates.items()})
    settings = _diff(record.verdict_settings.model_dump(), spec.verdict.model_dump())
    summary = _describe(criteria, "criterion") + _describe(gates, "gate") + _describe(settings, "[verdict]")
    summary = summary or ["the criteria hash differs"]
    return {
        "registered_hash": record.criteria_hash, "current_hash": current_hash,
        "criteria": criteria, "gates": gates, "verdict": settings,
        "summary": "criteria or gates amended after the run: " + "; ".join(summary),
    }


def amendment_problem(amendment: dict[str, Any], source: Source, record_path: str) -> Problem:
    """The amendment as a problem placed at the spec's first amended criterion or gate."""
    return source.problem(_amended_key(amendment), f"{record_path}: {amendment['summary']}")


def _diff(registered: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    return {
        "added": {k: current[k] for k in current if k not in registered},
        "removed": {k: registered[k] for k in registered if k not in current},
        "changed": {k: {"registered": registered[k], "current": current[k]}
                    for k in current if k in registered and registered[k] != current[k]},
    }


def _describe(diff: dict[str, Any], noun: str) -> list[str]:
    parts = [f"{noun} '{k}' added ({_short(v)})" for k, v in diff["added"].items()]
    parts += [f"{noun} '{k}' removed (was {_short(v)})" for k, v in diff["removed"].items()]
    parts += [f"{noun} '{k}' changed from {_short(v['registered'])} to {_short(v['current'])}" for k, v in diff["changed"].items()]
    return parts


def _short(value: Any) -> str:
    if isinstance(value, dict) and "criteria" in value:
        return f"require {value.get('require')!r} of {value.get('criteria')}"
    return repr(value)


def _amended_key(amendment: dict[str, Any]) -> tuple[str, ...]:
    """The key path of the first amended criterion, gate or ``[verdict]`` setting."""
    for table in ("criteria", "gates", "verdict"):
        diff = amendment.get(table) or {"added": {}, "removed": {}, "changed": {}}
        names = [*diff["changed"], *diff["added"]]
        if names:
            return (table, names[0])
        if diff["removed"]:
            return (table,)
    return ("criteria",)

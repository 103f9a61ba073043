"""``vifspec check``: compile every spec found, re-judge stored records, detect amended criteria.

Torch-free: components are checked against their registry declarations, never imported.

- :func:`check_paths` compiles every ``.toml`` spec under some paths and collects every problem of
  every file, each placed at its line and column.
- :func:`check_records` re-judges every run record under a folder against its spec as it is now, and
  flags records whose spec's criteria or gates were amended after the run (pre-registration: a record
  keeps the hash and text of the criteria and gates it ran under). :func:`amendment_of` describes
  such an amendment; ``--mark-amended`` stores it in the record under ``"amendment"``.

Exit codes (:attr:`CheckOutcome.exit_code`): 0 all valid and every judged record passes, 1 a record
fails its gates, 2 a spec is invalid, a record cannot be judged, or its criteria were amended.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vifspec.compiler import Variant, expand_variants, load_spec
from vifspec.spec.source import Source
from vifspec.errors import Problem, SpecError
from vifspec.compiler.plan import criteria_hash
from vifspec.records import FAILED_STATUSES, find_records, load_record, results_of, write_record
from vifspec.registry import Registry, default_registry
from vifspec.spec import Spec
from vifspec.verdict import PASSED, judge_results

PASSED_RECORD, FAILED_RECORD, AMENDED, ERROR, SKIPPED = "passed", "failed", "amended", "error", "skipped"


@dataclass
class RecordCheck:
    """One stored record re-judged: its verdict under the current spec, and what is wrong with it."""

    path: str
    spec_path: str | None = None
    verdict: dict[str, Any] | None = None
    amendment: dict[str, Any] | None = None
    amended_at: Problem | None = None
    problems: list[Problem] = field(default_factory=list)
    skipped: str | None = None

    @property
    def status(self) -> str:
        """``error`` (cannot be judged), ``amended``, ``failed``, ``passed`` or ``skipped``."""
        if self.problems:
            return ERROR
        if self.skipped:
            return SKIPPED
        if self.amendment:
            return AMENDED
        return PASSED_RECORD if (self.verdict or {}).get("status") == PASSED else FAILED_RECORD

    def findings(self) -> list[Problem]:
        """Everything to report about this record, placed in a file (the record, or its spec's criteria)."""
        if self.problems or self.skipped:
            return list(self.problems) or [Problem(f"not judged: {self.skipped}", self.path)]
        found = [self.amended_at] if self.amended_at else []
        if self.status != PASSED_RECORD and self.verdict is not None:
            found.append(Problem(verdict_line(self.verdict), self.path))
        return found


@dataclass
class CheckOutcome:
    """What one ``vifspec check`` found: spec files, variants, spec problems and judged records."""

    files: list[str] = field(default_factory=list)
    variants: int = 0
    problems: list[Problem] = field(default_factory=list)
    records: list[RecordCheck] = field(default_factory=list)

    def problems_of(self, file: str) -> list[Problem]:
        return [p for p in self.problems if p.file == file]

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.records}
        if self.problems or statuses & {ERROR, AMENDED}:
            return 2
        return 1 if FAILED_RECORD in statuses else 0

    def summary(self) -> str:
        bad = len({p.file for p in self.problems})
        state = "all valid" if not self.problems else f"{len(self.problems)} problem(s) in {bad} file(s)"
        text = f"checked {len(self.files)} spec file(s), {self.variants} variant(s): {state}"
        if self.records:
            counts = {s: sum(r.status == s for r in self.records) for s in (PASSED_RECORD, FAILED_RECORD, AMENDED, ERROR, SKIPPED)}
            text += f"; {len(self.records)} record(s): " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return text


# -- specs -------------------------------------------------------------------------------------


def spec_files(paths: list[str]) -> list[Path]:
    """The ``.toml`` files named or found (recursively) under ``paths``."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.rglob("*.toml")))
        else:
            found.append(path)
    return found


def check_source(path: str | Path, text: str | None = None, registry: Registry | None = None) -> tuple[int, list[Problem]]:
    """Compile one spec (``text`` as its content, else read from ``path``): its variant count and problems."""
    try:
        source, spec = load_spec(path, registry or default_registry(), text)
        return (len(expand_variants(spec, source)) if spec.trainable else 1), []
    except SpecError as exc:
        return 0, [p if p.file else replace(p, file=str(path)) for p in exc.problems]


def check_paths(paths: list[str], registry: Registry | None = None) -> CheckOutcome:
    """Compile every spec under ``paths``; every problem of every file is collected, none raised."""
    registry = registry or default_registry()
    outcome = CheckOutcome()
    for path in spec_files(paths):
        _add_spec(outcome, str(path), registry)
    return outcome


def _add_spec(outcome: CheckOutcome, path: str, registry: Registry) -> None:
    variants, problems = check_source(path, registry=registry)
    outcome.files.append(path)
    outcome.variants += variants
    outcome.problems.extend(problems)


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledSpec:
    source: Source
    spec: Spec
    variants: dict[str, Variant]


def check_records(root: str | Path, outcome: CheckOutcome | None = None, registry: Registry | None = None,
                  mark_amended: bool = False) -> CheckOutcome:
    """Re-judge every record under ``root`` against its spec as it is now.

    The spec of each record is checked too (added to ``outcome.files`` once). With ``mark_amended``,
    a record whose criteria were amended gets the amendment stored under ``"amendment"``.
    """
    registry = registry or default_registry()
    outcome = outcome or CheckOutcome()
    if not Path(root).exists():
        outcome.records.append(RecordCheck(str(root), problems=[Problem("no such file or directory", str(root))]))
        return outcome
    loaded, unreadable = _load_records(root)
    outcome.records.extend(unreadable)
    compiled: dict[str, _CompiledSpec | None] = {}
    for path, record in loaded:
        result = _judge_record(path, record, loaded, lambda p: _compiled(p, compiled, outcome, registry))
        if mark_amended and result.amendment:
            record["amendment"] = result.amendment
            write_record(record, Path(path).parent)
        outcome.records.append(result)
    return outcome


def _load_records(root: str | Path) -> tuple[list[tuple[str, dict[str, Any]]], list[RecordCheck]]:
    loaded, unreadable = [], []
    for path in find_records(root):
        try:
            loaded.append((str(path), load_record(path)))
        except SpecError as exc:
            unreadable.append(RecordCheck(str(path), problems=[Problem(p.message, str(path)) for p in exc.problems]))
    return loaded, unreadable


def _compiled(spec_path: str, cache: dict[str, _CompiledSpec | None], outcome: CheckOutcome, registry: Registry) -> _CompiledSpec | None:
    """The spec at ``spec_path`` compiled once (None when invalid; its problems go to ``outcome``)."""
    if spec_path not in cache:
        if spec_path not in outcome.files:
            _add_spec(outcome, spec_path, registry)
        try:
            source, spec = load_spec(spec_path, registry)
            variants = {v.id: v for v in expand_variants(spec, source)} if spec.trainable else {}
            cache[spec_path] = _CompiledSpec(source, spec, variants)
        except SpecError:
            cache[spec_path] = None
    return cache[spec_path]


def _judge_record(path: str, record: dict[str, Any], loaded: list[tuple[str, dict[str, Any]]], compile_spec: Any) -> RecordCheck:
    if record.get("status") == "running":
        return RecordCheck(path, skipped="the run has not finished (status 'running')")
    spec_path = resolve_spec_path(str((record.get("spec") or {}).get("path", "")), path)
    if spec_path is None:
        return RecordCheck(path, problems=[Problem(f"its spec '{(record.get('spec') or {}).get('path')}' was not found", path)])
    compiled = compile_spec(spec_path)
    if compiled is None:
        return RecordCheck(path, spec_path, problems=[Problem(f"cannot re-judge: its spec {spec_path} does not compile", path)])
    variant = compiled.variants.get(str(record.get("variant")))
    spec = variant.spec if variant is not None else compiled.spec
    try:
        verdict = _judge(spec, record, _arm_records(record, loaded)).to_dict()
    except SpecError as exc:
        return RecordCheck(path, spec_path, problems=[Problem(f"cannot re-judge: {p.message}", path) for p in exc.problems])
    amendment = amendment_of(record, spec)
    at = amendment_problem(amendment, compiled.source, path) if amendment else None
    return RecordCheck(path, spec_path, verdict, amendment, at)


def resolve_spec_path(spec_path: str, record_path: str) -> str | None:
    """A record's spec path as written at run time: relative to the working directory, or to a folder above the record."""
    if not spec_path:
        return None
    candidates = [Path(spec_path)] + [parent / spec_path for parent in Path(record_path).resolve().parents]
    found = next((c for c in candidates if c.is_file()), None)
    return None if found is None else (spec_path if found == Path(spec_path) else str(found))


def _arm_records(record: dict[str, Any], loaded: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The records of every arm of ``record``'s experiment run with the same seed (none when it is not an arm)."""
    if not record.get("arm"):
        return []
    same = (record.get("experiment", {}).get("id"), record.get("seed"))
    return [r for _, r in loaded if r.get("arm") and (r.get("experiment", {}).get("id"), r.get("seed")) == same]


def _judge(spec: Spec, record: dict[str, Any], arm_records: list[dict[str, Any]]) -> Any:
    """The record's verdict under ``spec``'s criteria and gates (with the arms' metrics for arm runs)."""
    results = results_of(record)
    runs = arm_records or [record]
    if arm_records:
        arms = {r["arm"]: r.get("metrics", {}) for r in arm_records}
        results = {"metrics": {}, "arms": arms, **({"baseline": results["baseline"]} if "baseline" in results else {})}
        if spec.baseline is not None and spec.baseline.arm in arms:
            results["baseline"] = arms[spec.baseline.arm]
    bad = next((r for r in runs if r.get("status") in FAILED_STATUSES), None)
    gates = {name: gate.model_dump() for name, gate in spec.gates.items()}
    return judge_results(
        spec.criteria, gates, results, status=bad["status"] if bad else None,
        arms=set(spec.arms) or None, stop_reason=bad.get("stop_reason") if bad else None,
    )


# -- amendments --------------------------------------------------------------------------------


def amendment_of(record: dict[str, Any], spec: Spec) -> dict[str, Any] | None:
    """How ``spec``'s criteria and gates differ from those the record ran under, or None when they do not.

    Returns ``{"registered_hash", "current_hash", "criteria": {"added", "removed", "changed"},
    "gates": {...}, "summary"}`` (JSON-ready: the shape stored in a record's ``"amendment"``).
    """
    current_hash = criteria_hash(spec)
    if record.get("criteria_hash") == current_hash:
        return None
    criteria = _diff(record.get("criteria") or {}, dict(spec.criteria))
    gates = _diff(record.get("gates") or {}, {name: gate.model_dump() for name, gate in spec.gates.items()})
    summary = _describe(criteria, "criterion") + _describe(gates, "gate") or ["the criteria hash differs"]
    return {
        "registered_hash": record.get("criteria_hash"), "current_hash": current_hash,
        "criteria": criteria, "gates": gates,
        "summary": "criteria or gates amended after the run: " + "; ".join(summary),
    }


def amendment_problem(amendment: dict[str, Any], source: Source, record_path: str) -> Problem:
    """The amendment as a problem placed at the spec's first amended criterion or gate."""
    return source.problem(_amended_key(amendment["criteria"], amendment["gates"]), f"{record_path}: {amendment['summary']}")


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
    if isinstance(value, dict):
        return f"require {value.get('require')!r} of {value.get('criteria')}"
    return repr(value)


def _amended_key(criteria: dict[str, Any], gates: dict[str, Any]) -> tuple[str, ...]:
    for table, diff in (("criteria", criteria), ("gates", gates)):
        names = [*diff["changed"], *diff["added"]]
        if names:
            return (table, names[0])
    return ("criteria",) if criteria["removed"] else ("gates",)


def verdict_line(verdict: dict[str, Any]) -> str:
    """One line: ``FAILED: gate 'phase1' 4/6 (require all); 4/6 criteria met``."""
    parts = [f"{verdict.get('status')}: {verdict.get('met', 0)}/{verdict.get('total', 0)} criteria met"]
    if verdict.get("reason"):
        parts.append(str(verdict["reason"]))
    failing_gates = [g for g in verdict.get("gates", []) if g.get("status") != "PASS"]
    parts += [f"gate '{g['name']}' {g['passed']}/{g['total']} (require {g['require']})" for g in failing_gates]
    if not verdict.get("gates"):
        parts += [f"criterion '{c['name']}' {c['status']}" for c in verdict.get("criteria", []) if c.get("status") != "PASS"]
    return "; ".join(parts)

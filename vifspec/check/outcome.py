"""``vifspec check``: compile every spec found, re-judge stored records, detect amended criteria.

Torch-free: components are checked against their registry declarations, never imported; an object a
spec names by import path is not imported either (its form and module are checked without executing
anything) unless ``imports=True`` (``vifspec check --import``, and ``--deep``, which builds the models).

- :func:`check_paths` compiles every ``.toml`` spec under some paths and collects every problem of
  every file, each placed at its line and column.
- :func:`check_records` re-judges every run record under a folder against its spec as it is now, and
  flags records whose spec's criteria or gates were amended after the run (pre-registration: a record
  keeps the hash and text of the criteria and gates it ran under). :func:`amendment_of` describes
  such an amendment; ``--mark-amended`` stores it in the record under ``"amendment"``.

Exit codes (:attr:`CheckOutcome.exit_code`): 0 all valid and every judged record passes, 1 a record's
verdict is FAILED, 4 INCONCLUSIVE (as ``vifspec run`` would say), 2 a spec is invalid, a record cannot
be read or judged, or its criteria were amended.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vifspec.compiler import expand_variants, load_spec
from vifspec.errors import Problem, SpecError
from vifspec.registry import Registry, default_registry
from vifspec.spec.schema import Spec
from vifspec.spec.source import read_source
from vifspec.verdict import PASSED, VERDICT_INCONCLUSIVE

PASSED_RECORD, FAILED_RECORD, INCONCLUSIVE_RECORD = "passed", "failed", "inconclusive"
AMENDED, ERROR, SKIPPED = "amended", "error", "skipped"


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
        status = (self.verdict or {}).get("status")
        return {PASSED: PASSED_RECORD, VERDICT_INCONCLUSIVE: INCONCLUSIVE_RECORD}.get(status, FAILED_RECORD)

    def findings(self) -> list[Problem]:
        """Everything to report about this record, placed in a file (the record, or its spec's criteria)."""
        if self.problems or self.skipped:
            return list(self.problems) or [Problem(f"not judged: {self.skipped}", self.path)]
        found = [self.amended_at] if self.amended_at else []
        if self.status != PASSED_RECORD and self.verdict is not None:
            found.append(Problem(verdict_line(self.verdict), self.path))
        return found


def verdict_line(verdict: dict[str, Any]) -> str:
    """One line: ``FAILED: 4/6 criteria met; gate 'phase1' 4/6 (require all)``."""
    parts = [f"{verdict.get('status')}: {verdict.get('met', 0)}/{verdict.get('total', 0)} criteria met"]
    if verdict.get("reason"):
        parts.append(str(verdict["reason"]))
    failing_gates = [g for g in verdict.get("gates", []) if g.get("status") != "PASS"]
    parts += [f"gate '{g['name']}' {g['passed']}/{g['total']} (require {g['require']})" for g in failing_gates]
    if not verdict.get("gates"):
        parts += [f"criterion '{c['name']}' {c['status']}" for c in verdict.get("criteria", []) if c.get("status") != "PASS"]
    return "; ".join(parts)


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
        if FAILED_RECORD in statuses:
            return 1
        return 4 if INCONCLUSIVE_RECORD in statuses else 0

    def summary(self) -> str:
        bad = len({p.file for p in self.problems})
        state = "all valid" if not self.problems else f"{len(self.problems)} problem(s) in {bad} file(s)"
        text = f"checked {len(self.files)} spec file(s), {self.variants} variant(s): {state}"
        if self.records:
            kinds = (PASSED_RECORD, FAILED_RECORD, INCONCLUSIVE_RECORD, AMENDED, ERROR, SKIPPED)
            counts = {s: sum(r.status == s for r in self.records) for s in kinds}
            text += f"; {len(self.records)} record(s): " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return text


# -- specs -------------------------------------------------------------------------------------


def spec_files(paths: list[str]) -> tuple[list[Path], list[Problem]]:
    """The files named, and the ``.toml`` specs found (recursively) in the folders named, with a
    problem for each folder holding none (checking nothing is not "all valid"). In a folder, a TOML
    file with none of the spec language's tables (a ``pyproject.toml``) is not a spec and is passed over."""
    found: list[Path] = []
    empty: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = [f for f in sorted(path.rglob("*.toml")) if _may_be_a_spec(f)]
            found.extend(inside)
            if not inside:
                empty.append(Problem("no spec files found (no *.toml with a spec's tables below this folder)", str(path)))
        else:
            found.append(path)
    return found, empty


def _may_be_a_spec(path: Path) -> bool:
    """False only for a readable TOML file none of whose top-level tables is one of a spec's."""
    try:
        doc = read_source(path).doc
    except SpecError:
        return True  # unreadable or broken: checking it reports why
    return not isinstance(doc, dict) or not doc or bool(set(doc) & set(Spec.model_fields))


def check_source(path: str | Path, text: str | None = None, registry: Registry | None = None,
                 imports: bool = False) -> tuple[int, list[Problem]]:
    """Compile one spec (``text`` as its content, else read from ``path``): its variant count and problems.
    Nothing the spec names is imported unless ``imports``."""
    try:
        source, spec = load_spec(path, registry or default_registry(), text, imports=imports)
        return (len(expand_variants(spec, source)) if spec.trainable else 1), []
    except SpecError as exc:
        return 0, [p if p.file else replace(p, file=str(path)) for p in exc.problems]


def check_paths(paths: list[str], registry: Registry | None = None, imports: bool = False) -> CheckOutcome:
    """Compile every spec under ``paths``; every problem of every file is collected, none raised.
    Nothing a spec names is imported unless ``imports``."""
    registry = registry or default_registry()
    outcome = CheckOutcome()
    files, empty = spec_files(paths)
    outcome.problems.extend(empty)
    for path in files:
        add_spec(outcome, str(path), registry, imports)
    return outcome


def add_spec(outcome: CheckOutcome, path: str, registry: Registry, imports: bool = False) -> None:
    variants, problems = check_source(path, registry=registry, imports=imports)
    outcome.files.append(path)
    outcome.variants += variants
    outcome.problems.extend(problems)

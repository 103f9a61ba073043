"""``vifspec check``: compile every spec found and collect every problem (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vifspec.compiler import expand_variants, load_spec
from vifspec.errors import Problem, SpecError
from vifspec.registry import Registry, default_registry


@dataclass
class CheckOutcome:
    files: list[str] = field(default_factory=list)
    variants: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        bad = len({p.file for p in self.problems})
        state = "all valid" if not self.problems else f"{len(self.problems)} problem(s) in {bad} file(s)"
        return f"checked {len(self.files)} spec file(s), {self.variants} variant(s): {state}"


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


def check_paths(paths: list[str], registry: Registry | None = None) -> CheckOutcome:
    registry = registry or default_registry()
    outcome = CheckOutcome()
    for path in spec_files(paths):
        outcome.files.append(str(path))
        try:
            source, spec = load_spec(path, registry)
            outcome.variants += len(expand_variants(spec, source)) if spec.trainable else 1
        except SpecError as exc:
            outcome.problems.extend(exc.problems)
    return outcome

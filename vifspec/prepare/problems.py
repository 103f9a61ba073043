"""The problems the prepare phase finds in one plan, placed at the spec key that caused them (torch-free)."""

from __future__ import annotations

from typing import Any

from vifspec.compiler.plan import Plan
from vifspec.errors import Problem, SpecError
from vifspec.spec.source import Source

VARIANT_SUFFIX = " (variant "


class PlanProblems:
    """Problems of one plan, placed at the key that caused them (or at the variant override that set it)."""

    def __init__(self, plan: Plan, source: Source):
        self.plan, self.source = plan, source
        self.found: list[Problem] = []

    def add(self, key_path: tuple[Any, ...], message: str) -> None:
        path = self.plan.origin_of(key_path, self.source.doc, self.source.positions.exact)
        where = f"{VARIANT_SUFFIX}{self.plan.variant})" if path != key_path else ""
        self.found.append(self.source.problem(path, message + where))

    def raise_if_any(self) -> None:
        if self.found:
            unique = list({(p.line, p.col, p.message): p for p in self.found}.values())
            raise SpecError(unique)

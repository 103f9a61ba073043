"""The criterion expression language: syntax tree (:mod:`.ast`), parser (:mod:`.parser`), numeric evaluation (:mod:`.evaluate`)."""

from __future__ import annotations

from typing import Iterable

from vifspec.expr.ast import BoundRef, Compare, Expr, ExprError, Logic, Node, Not, Ref
from vifspec.expr.evaluate import Calculator, Lookup, Missing, Target, compare, gap_text
from vifspec.expr.parser import parse


def names_a_run(expression: str, runs: Iterable[str]) -> bool:
    """Whether ``expression`` references an arm or a variant of the experiment by name (``False`` when
    it does not parse: the compiler reports that)."""
    names = frozenset(runs)
    try:
        return any(b.source == "arm" for ref in parse(expression).references() for b in ref.bind_all(names))
    except ExprError:
        return False

__all__ = [
    "BoundRef", "Calculator", "Compare", "Expr", "ExprError", "Logic", "Lookup", "Missing", "Node", "Not", "Ref",
    "Target", "compare", "gap_text", "names_a_run", "parse",
]

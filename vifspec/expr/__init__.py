"""The criterion expression language: syntax tree (:mod:`.ast`), parser (:mod:`.parser`), numeric evaluation (:mod:`.evaluate`)."""

from __future__ import annotations

from vifspec.expr.ast import BoundRef, Compare, Expr, ExprError, Logic, Node, Not, Ref
from vifspec.expr.evaluate import Calculator, Lookup, Missing, Target, compare, gap_text
from vifspec.expr.parser import parse

__all__ = [
    "BoundRef", "Calculator", "Compare", "Expr", "ExprError", "Logic", "Lookup", "Missing", "Node", "Not", "Ref",
    "Target", "compare", "gap_text", "parse",
]

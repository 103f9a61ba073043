"""The criterion expression language: syntax tree (:mod:`.ast`), parser (:mod:`.parser`), evaluation (:mod:`.evaluate`)."""

from __future__ import annotations

from vifspec.expr.ast import BoundRef, Expr, ExprError, Ref
from vifspec.expr.evaluate import (
    FAIL, MISSING, MIXED, PASS, Lookup, Outcome, Row, compare, evaluate, gap_text,
)
from vifspec.expr.parser import parse

__all__ = [
    "BoundRef", "Expr", "ExprError", "Lookup", "Outcome", "Ref", "Row",
    "PASS", "FAIL", "MISSING", "MIXED", "compare", "evaluate", "gap_text", "parse",
]

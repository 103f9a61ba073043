"""Criterion expressions: parse, list references, evaluate.

``test.gain_std > 0.10``, ``test.mae < 0.2``, ``{val,ood}.margin >= +0.02``,
``infonce.test.r@5 - ar_only.test.r@5 >= +10pp``, ``baseline.val.auc - val.auc < 1pp and not val.loss > 2``.

:func:`parse` (grammar in :mod:`vifspec.expr_parser`) returns an :class:`Expr` whose
:meth:`Expr.references` carry their columns, so the compiler can check each against the metrics
a plan produces. :func:`evaluate` judges an expression against a lookup of values:

- a reference whose value is missing (``None``), NaN or infinite, or arithmetic that yields a
  non-finite number (``x / 0``), makes the outcome MISSING: a missing metric never passes;
- a split set evaluates once per split, giving one :class:`Row` per split; the outcome is PASS when
  every row passes, FAIL when every row fails, MISSING when every row is missing, MIXED otherwise;
- comparisons treat values within a relative 1e-9 (absolute 1e-12) of each other as equal, so
  ``>=`` exactly at its target passes even after float arithmetic (``0.35 - 0.25 >= 10pp``) and
  ``>`` exactly at its target does not.

When one side of the top-level comparison is constant, the outcome also carries the report's
``target`` (operator and constant as written, ``">0.10"``, ``">= +10pp"``), ``achieved`` (the value
of the other side) and, when not passed, the ``gap`` ("55x short", "4.3% short", "9.5pp short",
"3x over", "12.0% over").
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from vifspec.expr.ast import (
    Arith,
    BoundRef,
    Call,
    Compare,
    Expr,
    ExprError,
    Logic,
    Node,
    Not,
    Num,
    Ref,
    Unary,
    walk,
)
from vifspec.expr.parser import parse

PASS, FAIL, MISSING, MIXED = "PASS", "FAIL", "MISSING", "MIXED"
REL_TOL, ABS_TOL = 1e-9, 1e-12
Lookup = Callable[[BoundRef], "float | None"]

_MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "≥": "≤", "≤": "≥"}
_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {"abs": lambda args: abs(args[0]), "min": min, "max": max}


class Row(NamedTuple):
    """One split of a split-set criterion."""

    split: str
    achieved: float | None
    status: str


@dataclass(frozen=True)
class Outcome:
    """The judgement of one expression; ``rows`` is empty without a split set."""

    status: str
    achieved: float | None = None
    target: str | None = None
    gap: str | None = None
    rows: tuple[Row, ...] = field(default_factory=tuple)


class _Missing(Exception):
    """A value needed by the expression is missing or not finite."""


def evaluate(expr: Expr, lookup: Lookup, arms: set[str] | frozenset[str] = frozenset()) -> Outcome:
    """Judge ``expr``; ``lookup`` gives the value of a bound reference (``None`` when missing)."""
    target = _Target.of(expr)
    splits = expr.splits
    results = [_evaluate_split(expr, lookup, arms, split, target) for split in (splits or (None,))]
    if splits is None:
        status, achieved = results[0]
        gap = target.gap(achieved) if target and status == FAIL else None
        return Outcome(status, achieved, target.text if target else None, gap)
    rows = tuple(Row(split, achieved, status) for split, (status, achieved) in zip(splits, results))
    return Outcome(_overall({row.status for row in rows}), None, target.text if target else None, None, rows)


def _overall(statuses: set[str]) -> str:
    return statuses.pop() if len(statuses) == 1 else MIXED


def _evaluate_split(
    expr: Expr, lookup: Lookup, arms: set[str] | frozenset[str], split: str | None, target: _Target | None
) -> tuple[str, float | None]:
    evaluator = _Evaluator(lookup, arms, split)
    try:
        status = PASS if evaluator.truth(expr.root) else FAIL
    except _Missing:
        status = MISSING
    if target is None:
        return status, None
    try:
        return status, evaluator.number(target.measured)
    except _Missing:
        return status, None


class _Evaluator:
    def __init__(self, lookup: Lookup, arms: set[str] | frozenset[str], split: str | None):
        self.lookup = lookup
        self.arms = arms
        self.split = split
        self.fetched: dict[BoundRef, object] = {}  # one lookup per reference, whatever reads it

    def truth(self, node: Node) -> bool:
        if isinstance(node, Compare):
            return compare(node.op, self.number(node.left), self.number(node.right))
        if isinstance(node, Not):
            return not self.truth(node.operand)
        if isinstance(node, Logic):
            left, right = self.truth(node.left), self.truth(node.right)
            return (left and right) if node.op == "and" else (left or right)
        raise TypeError(f"not a boolean node: {node!r}")

    def number(self, node: Node) -> float:
        value = self._compute(node)
        if not math.isfinite(value):
            raise _Missing
        return value

    def _compute(self, node: Node) -> float:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Ref):
            return self._fetch(node)
        if isinstance(node, Unary):
            operand = self.number(node.operand)
            return -operand if node.op == "-" else operand
        if isinstance(node, Call):
            return _FUNCTIONS[node.name]([self.number(arg) for arg in node.args])
        if isinstance(node, Arith):
            return _arithmetic(node.op, self.number(node.left), self.number(node.right))
        raise TypeError(f"not a numeric node: {node!r}")

    def _fetch(self, ref: Ref) -> float:
        bound = ref.bind(self.arms, self.split)
        if bound not in self.fetched:
            self.fetched[bound] = self.lookup(bound)
        value = self.fetched[bound]
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise _Missing
        try:
            return float(value)
        except OverflowError:  # an integer beyond float range
            raise _Missing from None


def _arithmetic(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        raise _Missing
    return left / right


def compare(op: str, left: float, right: float) -> bool:
    """``left op right`` with values within a relative 1e-9 (absolute 1e-12) counted as equal."""
    equal = math.isclose(left, right, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if op == "==":
        return equal
    if op in (">=", "<="):
        return equal or (left > right if op == ">=" else left < right)
    return not equal and (left > right if op == ">" else left < right)


# ------------------------------------------------------------------------------- target and gap


@dataclass(frozen=True)
class _Target:
    """A top-level comparison of a measured side against a constant, normalised to ``measured op constant``."""

    op: str
    text: str
    value: float | None
    percentage_points: bool
    measured: Node

    @classmethod
    def of(cls, expr: Expr) -> _Target | None:
        root = expr.root
        if not isinstance(root, Compare):
            return None
        if _is_constant(root.right) and not _is_constant(root.left):
            op, op_text, constant, measured = root.op, root.op_text, root.right, root.left
        elif _is_constant(root.left) and not _is_constant(root.right):
            op, op_text, constant, measured = _MIRRORED[root.op], _MIRRORED[root.op_text], root.left, root.right
        else:
            return None
        written = expr.source(constant)
        text = f"{op_text} {written}" if written[:1] in "+-" else f"{op_text}{written}"
        try:
            value: float | None = _Evaluator(lambda ref: None, frozenset(), None).number(constant)
        except _Missing:
            value = None
        points = any(isinstance(node, Num) and node.unit == "pp" for node in walk(constant))
        return cls(op, text, value, points, measured)

    def gap(self, achieved: float | None) -> str | None:
        """How far a failed ``achieved`` is from the target; ``None`` when it cannot be said."""
        if achieved is None or self.value is None or self.op == "==":
            return None
        return gap_text(self.op, self.value, achieved, self.percentage_points)


def _is_constant(node: Node) -> bool:
    return not any(isinstance(n, Ref) for n in walk(node))


def gap_text(op: str, target: float, achieved: float, percentage_points: bool = False) -> str:
    """Shortfall of ``achieved`` against ``op target`` (``op`` one of > >= < <=), in the seeds' words.

    Above-target criteria: "55x short" when 0 < achieved and target/achieved >= 2, else the relative
    shortfall "4.3% short" = (target - achieved) / |target|; "9.5pp short" for a pp target (the
    difference in percentage points); an absolute "0.041 short" when the target is 0. Below-target
    criteria mirror these with "over".
    """
    above = op in (">", ">=")
    word = "short" if above else "over"
    shortfall = target - achieved if above else achieved - target
    if percentage_points:
        return f"{shortfall * 100:.1f}pp {word}"
    small, large = (achieved, target) if above else (target, achieved)
    if small > 0 and large / small >= 2:
        return f"{_ratio(large / small)}x {word}"
    if target == 0:
        return f"{shortfall:.3g} {word}"
    return f"{shortfall / abs(target) * 100:.1f}% {word}"


def _ratio(ratio: float) -> str:
    """Whole times from 10x up (55.6 -> "55"), one decimal below (2.56 -> "2.5", 3.0 -> "3")."""
    if ratio >= 10:
        return str(math.floor(ratio + 1e-9))
    return f"{math.floor(ratio * 10 + 1e-9) / 10:g}"

"""Numeric evaluation of criterion expressions, comparisons with tolerance, targets and gaps.

:func:`parse` (grammar in :mod:`vifspec.expr.parser`) returns an :class:`Expr`; a
:class:`Calculator` computes the value of any numeric node for one set of measurements (one seed)
through a lookup of bound references. A reference whose value is missing (``None``), NaN or
infinite, or arithmetic that yields a non-finite number (``x / 0``), raises :class:`Missing`: a
missing metric never passes. A lookup may also give a numpy array of values (a run's B test
resamples): the node's value is then an array, with NaN where a draw's value is missing, so B
draws are computed at once. Judging a criterion over seeds is :mod:`vifspec.verdict.criterion`.

:func:`compare` treats values within a relative 1e-9 (absolute 1e-12) of each other as equal, so
``>=`` exactly at its target passes even after float arithmetic (``0.35 - 0.25 >= 10pp``) and ``>``
exactly at its target does not. :class:`Target` finds a comparison's constant side (``> 0.10``,
``>= +10pp`` as written) and :func:`gap_text` says how far a value falls short of it ("55x short",
"4.3% short", "9.5pp short", "3x over", "12.0% over").
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from vifspec.expr.ast import (
    Arith,
    BoundRef,
    Call,
    Compare,
    Expr,
    Node,
    Num,
    Ref,
    Unary,
    walk,
)

REL_TOL, ABS_TOL = 1e-9, 1e-12
Lookup = Callable[[BoundRef], "float | None"]

_MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "≥": "≤", "≤": "≥"}
_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "abs": lambda args: np.abs(args[0]),
    "min": lambda args: functools.reduce(np.minimum, args),
    "max": lambda args: functools.reduce(np.maximum, args),
}


class Missing(Exception):
    """A value needed by the expression is missing or not finite."""


class Calculator:
    """The value of numeric nodes for one set of measurements: one lookup per bound reference, cached."""

    def __init__(self, lookup: Lookup, arms: set[str] | frozenset[str], split: str | None):
        self.lookup = lookup
        self.arms = arms
        self.split = split
        self.fetched: dict[BoundRef, object] = {}  # one lookup per reference, whatever reads it

    def number(self, node: Node) -> Any:
        """The node's value: a float (:class:`Missing` when it is not finite), or an array of draws
        (NaN where a draw's value is not finite) when a reference looked up an array."""
        value = self._compute(node)
        if isinstance(value, np.ndarray) and value.ndim:
            return np.where(np.isfinite(value), value, np.nan)
        if not math.isfinite(value):
            raise Missing
        return float(value)

    def _compute(self, node: Node) -> Any:
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

    def _fetch(self, ref: Ref) -> Any:
        bound = ref.bind(self.arms, self.split)
        if bound not in self.fetched:
            self.fetched[bound] = self.lookup(bound)
        if isinstance(self.fetched[bound], np.ndarray):
            return self.fetched[bound]
        value = finite_number(self.fetched[bound])
        if value is None:
            raise Missing
        return value


def finite_number(value: object) -> float | None:
    """``value`` as a finite float, or ``None``: missing, not a number (a bool, a string), NaN, infinite,
    or an integer beyond float range -- a value a criterion can never pass on."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if isinstance(right, np.ndarray):  # draws: NaN where the divisor is 0
        return np.divide(left, right, out=np.full(np.broadcast(left, right).shape, np.nan), where=right != 0)
    if right == 0:
        raise Missing
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
class Target:
    """A comparison normalised to ``measured op value``.

    With a constant side (``test.auc > 0.70``, ``0.70 < test.auc``) the other side is measured and
    ``text`` is the operator and constant as written (``">0.70"``, ``">= +10pp"``). Without one
    (``a.test.r@5 > b.test.r@5``) the difference ``left - right`` is measured against 0 and ``text``
    is ``None``.
    """

    op: str
    text: str | None
    value: float | None
    percentage_points: bool
    measured: Node

    @classmethod
    def of(cls, expr: Expr, node: Compare | None = None) -> Target | None:
        """The target of comparison ``node`` (default: the expression's root, when it is a comparison)."""
        root = expr.root if node is None else node
        if not isinstance(root, Compare):
            return None
        if _is_constant(root.right) and not _is_constant(root.left):
            op, op_text, constant, measured = root.op, root.op_text, root.right, root.left
        elif _is_constant(root.left) and not _is_constant(root.right):
            op, op_text, constant, measured = _MIRRORED[root.op], _MIRRORED[root.op_text], root.left, root.right
        else:
            difference = Arith(root.start, root.end, "-", root.left, root.right)
            return cls(root.op, None, 0.0, False, difference)
        written = expr.source(constant)
        text = f"{op_text} {written}" if written[:1] in "+-" else f"{op_text}{written}"
        try:
            value: float | None = Calculator(lambda ref: None, frozenset(), None).number(constant)
        except Missing:
            value = None
        points = any(isinstance(n, Num) and n.unit == "pp" for n in walk(constant))
        return cls(op, text, value, points, measured)

    def gap(self, achieved: float | None) -> str | None:
        """How far ``achieved`` is from the target; ``None`` when it cannot be said."""
        if achieved is None or self.value is None or self.op == "==" or self.text is None:
            return None
        return gap_text(self.op, self.value, achieved, self.percentage_points)


def _is_constant(node: Node) -> bool:
    return not any(isinstance(n, Ref) for n in walk(node))


def gap_text(op: str, target: float, achieved: float, percentage_points: bool = False) -> str:
    """Shortfall of ``achieved`` against ``op target`` (``op`` one of > >= < <=), in the seeds' words.

    Above-target criteria: "55x short" when 0 < achieved and target/achieved >= 2, else the relative
    shortfall "4.3% short" = (target - achieved) / target; "9.5pp short" for a pp target (the
    difference in percentage points); an absolute "0.041 short" when the target is not positive or
    the achieved value is negative (a share of a quantity that crosses zero means nothing: a margin
    of -0.25 against 0.02 is "0.27 short", not "1350% short"). Below-target criteria mirror these with "over".
    """
    above = op in (">", ">=")
    word = "short" if above else "over"
    shortfall = target - achieved if above else achieved - target
    if percentage_points:
        return f"{shortfall * 100:.1f}pp {word}"
    small, large = (achieved, target) if above else (target, achieved)
    if small > 0 and large / small >= 2:
        return f"{_ratio(large / small)}x {word}"
    if target <= 0 or achieved < 0:
        return f"{shortfall:.3g} {word}"
    return f"{shortfall / target * 100:.1f}% {word}"


def _ratio(ratio: float) -> str:
    """Whole times from 10x up (55.6 -> "55"), one decimal below (2.56 -> "2.5", 3.0 -> "3")."""
    if ratio >= 10:
        return str(math.floor(ratio + 1e-9))
    return f"{math.floor(ratio * 10 + 1e-9) / 10:g}"

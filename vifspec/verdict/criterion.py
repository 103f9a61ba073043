"""One criterion judged over every seed it has: evaluated per seed, aggregated, decided.

Each comparison of the expression is normalised to ``measured op value`` (:class:`Target`); the
measured side is computed for every seed (a missing or non-finite value on any seed makes the
comparison MISSING and names the seed, never a verdict resting on the surviving seeds), the
per-seed values are summarised by an :class:`Estimate` (an aggregate and, where the estimator gives
one, an interval), and the comparison is decided on it:

- PASS when the whole interval lies on the passing side of the value, FAIL when it lies wholly on
  the failing side, INCONCLUSIVE otherwise; without an interval the aggregate alone decides
  (``==`` is always decided on the aggregate);
- ``not`` swaps PASS and FAIL; ``and``/``or`` combine three-valued (Kleene) logic, a MISSING
  operand makes the whole MISSING;
- a split set (``{val,ood}.margin >= 0.02``) is judged once per split; the criterion is that
  status when every split agrees, INCONCLUSIVE when they only pass or are inconclusive, MIXED otherwise.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Sequence

from vifspec.expr import Calculator, Compare, Expr, Logic, Lookup, Missing, Node, Not, Target, compare

PASS, FAIL, MISSING, MIXED, INCONCLUSIVE = "PASS", "FAIL", "MISSING", "MIXED", "INCONCLUSIVE"


@dataclass(frozen=True)
class Estimate:
    """An aggregate of per-seed values and, when known, its interval; ``kind`` says which uncertainty."""

    value: float
    low: float | None = None
    high: float | None = None
    n: int = 1
    kind: str = "none"

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


Estimator = Callable[[Sequence[float]], Estimate]


def mean_estimate(values: Sequence[float]) -> Estimate:
    """The mean, without an interval (the verdict of a point estimate)."""
    return Estimate(statistics.fmean(values), n=len(values))


@dataclass(frozen=True)
class Seed:
    """One seed's measurements: its label and the lookup of its values."""

    label: str
    lookup: Lookup


@dataclass(frozen=True)
class Decision:
    """A comparison or a whole expression decided: its status, the estimate of its measured side
    (top-level comparisons only), each seed's measured value, and the seeds that lacked one."""

    status: str
    estimate: Estimate | None = None
    per_seed: tuple[float | None, ...] = ()
    missing: tuple[str, ...] = ()


def decide(op: str, estimate: Estimate, value: float) -> str:
    """PASS / FAIL / INCONCLUSIVE of ``measured op value`` given the measured side's estimate."""
    if not estimate.has_interval or op == "==":
        return PASS if compare(op, estimate.value, value) else FAIL
    low_passes, high_passes = compare(op, estimate.low, value), compare(op, estimate.high, value)  # type: ignore[arg-type]
    if low_passes and high_passes:
        return PASS
    if not low_passes and not high_passes:
        return FAIL
    return INCONCLUSIVE


class ExpressionJudge:
    """Judges one parsed expression over ``seeds`` (for one split of a split set, or none)."""

    def __init__(self, expr: Expr, seeds: Sequence[Seed], arms: frozenset[str], estimator: Estimator, split: str | None = None):
        self.expr, self.seeds, self.estimator = expr, list(seeds), estimator
        self.calculators = [Calculator(seed.lookup, arms, split) for seed in seeds]

    def judge(self) -> Decision:
        return self._node(self.expr.root)

    def _node(self, node: Node) -> Decision:
        if isinstance(node, Compare):
            return self._comparison(node)
        if isinstance(node, Not):
            inner = self._node(node.operand)
            return Decision({PASS: FAIL, FAIL: PASS}.get(inner.status, inner.status), missing=inner.missing)
        if isinstance(node, Logic):
            left, right = self._node(node.left), self._node(node.right)
            return Decision(_combine(node.op, left.status, right.status), missing=left.missing + right.missing)
        raise TypeError(f"not a boolean node: {node!r}")

    def _comparison(self, node: Compare) -> Decision:
        target = Target.of(self.expr, node)
        assert target is not None
        values = tuple(self._measure(calculator, target.measured) for calculator in self.calculators)
        missing = tuple(seed.label for seed, value in zip(self.seeds, values) if value is None)
        if missing or target.value is None or not values:
            return Decision(MISSING, per_seed=values, missing=missing)
        estimate = self.estimator([v for v in values if v is not None])
        return Decision(decide(target.op, estimate, target.value), estimate, values)

    @staticmethod
    def _measure(calculator: Calculator, node: Node) -> float | None:
        try:
            return calculator.number(node)
        except Missing:
            return None


def _combine(op: str, left: str, right: str) -> str:
    """Kleene's three-valued ``and``/``or`` over PASS (true), FAIL (false), INCONCLUSIVE (unknown); MISSING wins."""
    statuses = {left, right}
    if MISSING in statuses:
        return MISSING
    decisive, other = (FAIL, PASS) if op == "and" else (PASS, FAIL)
    if decisive in statuses:
        return decisive
    return other if statuses == {other} else INCONCLUSIVE


def split_set_status(statuses: Sequence[str]) -> str:
    """The status of a split-set criterion from its rows (see the module docstring)."""
    distinct = set(statuses)
    if len(distinct) == 1:
        return statuses[0]
    return INCONCLUSIVE if distinct == {PASS, INCONCLUSIVE} else MIXED

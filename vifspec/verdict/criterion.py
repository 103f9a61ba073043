"""One criterion judged over every seed it has: evaluated per seed, aggregated with an interval, decided.

Each comparison of the expression is normalised to ``measured op value`` (:class:`Target`); the
measured side is computed for every seed (a missing or non-finite value on any seed makes the
comparison MISSING and names the seed, never a verdict resting on the surviving seeds) and the
per-seed values are summarised by an :class:`~vifspec.verdict.stats.Interval` -- over the seeds, or
for a single seed over its test resamples when every value it needs was resampled (the same
resampled test examples for every metric, so differences pair) -- and decided
(:func:`vifspec.verdict.decision.decide`):

- PASS when the whole interval lies on the passing side of the value, FAIL when it lies wholly on
  the failing side, INCONCLUSIVE otherwise; without an interval the aggregate alone decides;
- ``not`` swaps PASS and FAIL; ``and``/``or`` combine three-valued (Kleene) logic, a MISSING
  operand makes the whole MISSING;
- a split set (``{val,ood}.margin >= 0.02``) is judged once per split; the criterion is that
  status when every split agrees, INCONCLUSIVE when they only pass or are inconclusive, MIXED otherwise.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from vifspec.expr import Calculator, Compare, Expr, Logic, Lookup, Missing, Node, Not, Target, finite_number
from vifspec.expr.ast import BoundRef, Ref, walk
from vifspec.verdict.decision import decide
from vifspec.verdict.rates import at_least_wilson
from vifspec.verdict.stats import TEST_RESAMPLING, Interval, percentile_interval
from vifspec.verdict.status import FAIL, INCONCLUSIVE, MISSING, MIXED, PASS

__all__ = [
    "FAIL", "INCONCLUSIVE", "MISSING", "MIXED", "PASS", "Decision", "Draws", "Estimator", "ExpressionJudge", "Seed",
    "point_estimate", "split_set_status",
]

Estimator = Callable[[Sequence[float]], Interval]
Draws = Callable[[BoundRef], Sequence[float] | None]


def point_estimate(values: Sequence[float]) -> Interval:
    """The mean, without an interval (a point verdict)."""
    return Interval(statistics.fmean(values), n=len(values))


@dataclass(frozen=True)
class Seed:
    """One seed's measurements: its label, the lookup of its values and, where the test examples were
    resampled, the lookup of each value's resampled values (``None`` when a value was not resampled)."""

    label: str
    lookup: Lookup
    draws: Draws | None = None
    counts: Callable[[BoundRef], Sequence[int] | None] | None = None  # a rate's [successes, trials]


@dataclass(frozen=True)
class Decision:
    """A comparison or a whole expression decided: its status, the interval of its measured side
    (comparisons only), each seed's measured value, and the seeds that lacked one."""

    status: str
    estimate: Interval | None = None
    per_seed: tuple[float | None, ...] = ()
    missing: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # references no seed has a value for


class ExpressionJudge:
    """Judges one parsed expression over ``seeds`` (for one split of a split set, or none)."""

    def __init__(self, expr: Expr, seeds: Sequence[Seed], arms: frozenset[str], estimator: Estimator,
                 split: str | None = None, confidence: float = 0.95):
        self.expr, self.seeds, self.estimator, self.confidence = expr, list(seeds), estimator, confidence
        self.arms, self.split = arms, split
        self.calculators = [Calculator(seed.lookup, arms, split) for seed in seeds]

    def judge(self) -> Decision:
        return self._node(self.expr.root)

    def _node(self, node: Node) -> Decision:
        if isinstance(node, Compare):
            return self.comparison(node)
        if isinstance(node, Not):
            inner = self._node(node.operand)
            return Decision({PASS: FAIL, FAIL: PASS}.get(inner.status, inner.status), missing=inner.missing, absent=inner.absent)
        if isinstance(node, Logic):
            left, right = self._node(node.left), self._node(node.right)
            return Decision(_combine(node.op, left.status, right.status), missing=left.missing + right.missing,
                            absent=left.absent + right.absent)
        raise TypeError(f"not a boolean node: {node!r}")

    def comparison(self, node: Compare) -> Decision:
        """The comparison ``node`` decided on the interval of its measured side."""
        target = Target.of(self.expr, node)
        assert target is not None
        values = tuple(_measure(calculator, target.measured) for calculator in self.calculators)
        missing = tuple(seed.label for seed, value in zip(self.seeds, values) if value is None)
        if missing or target.value is None or not values:
            return Decision(MISSING, per_seed=values, missing=missing, absent=self._absent(target.measured))
        present = [v for v in values if v is not None]
        estimate = self._resampled(target.measured, present[0]) if len(present) == 1 else None
        estimate = estimate or self.estimator(present)
        return Decision(decide(estimate, target.op, target.value), estimate, values)

    def _absent(self, node: Node) -> tuple[str, ...]:
        """The references of ``node`` that no seed has a finite value for."""
        refs = [ref.bind(self.arms, self.split) for ref in _references(node)]
        return tuple(str(ref) for ref in refs if all(finite_number(seed.lookup(ref)) is None for seed in self.seeds))

    def _resampled(self, node: Node, value: float) -> Interval | None:
        """A single seed's interval from its test resamples, when every value ``node`` reads has them."""
        seed = self.seeds[0]
        if seed.draws is None:
            return None
        refs = [ref.bind(self.arms, self.split) for ref in _references(node)]
        drawn = {ref: seed.draws(ref) for ref in refs}
        resampled_refs = {ref: values for ref, values in drawn.items() if values is not None}
        if not resampled_refs:
            return None
        count = min(len(values) for values in resampled_refs.values())
        arrays = {ref: np.array([np.nan if v is None else v for v in values[:count]], dtype=float)
                  for ref, values in resampled_refs.items()}
        calculator = Calculator(lambda ref: arrays[ref] if ref in arrays else seed.lookup(ref), self.arms, self.split)
        try:  # every draw at once; a value missing outside the draws misses every draw
            resampled = np.broadcast_to(calculator.number(node), (count,))
        except Missing:
            resampled = np.full(count, np.nan)
        interval = percentile_interval(resampled, value, 1, self.confidence, kind=TEST_RESAMPLING)
        counts = seed.counts(refs[0]) if isinstance(node, Ref) and seed.counts is not None else None
        if counts:  # a rate compared as it is: a narrow interval widened to the Wilson interval of its counts
            interval = at_least_wilson(interval, *counts)
        exact = sorted(str(ref) for ref in drawn if ref not in resampled_refs)
        return replace(interval, note=f"{', '.join(exact)} taken as exact (not resampled)") if exact else interval


def _references(node: Node) -> list[Ref]:
    return [n for n in walk(node) if isinstance(n, Ref)]


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

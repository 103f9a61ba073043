"""Criteria + gates + :class:`Results` -> :class:`Verdict` (pure and torch-free).

Every criterion is judged once on all the seeds the results hold (:mod:`vifspec.verdict.criterion`).
A gate passes when at least ``require`` of its criteria PASS (``"all"``: every one), fails when it
could not pass even if every INCONCLUSIVE criterion passed, and is INCONCLUSIVE otherwise. Without
gates, every criterion is an implicit gate. The verdict is PASSED when every gate passes, FAILED
when one fails or a seed's run diverged, collapsed or crashed, INCONCLUSIVE otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from vifspec.errors import SpecError, did_you_mean
from vifspec.expr import ExprError, Target, parse
from vifspec.expr.ast import Arith, Ref, walk
from vifspec.facts import facts_of
from vifspec.verdict.criterion import (
    FAIL, INCONCLUSIVE, MISSING, PASS, Decision, Estimator, ExpressionJudge, mean_estimate, split_set_status,
)
from vifspec.verdict.results import Results

PASSED, FAILED = "PASSED", "FAILED"
VERDICT_INCONCLUSIVE = "INCONCLUSIVE"


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: non-finite values are written as ``None``."""
    return value if value is not None and math.isfinite(value) else None


@dataclass
class SplitRow:
    """One split of a split-set criterion: its aggregate, interval and status."""

    split: str
    achieved: float | None
    status: str
    low: float | None = None
    high: float | None = None


@dataclass
class SeedResult:
    """One seed's own judgement of a criterion (shown beside the verdict over seeds)."""

    seed: str
    achieved: float | None
    status: str


@dataclass
class CriterionResult:
    """One criterion judged over ``n`` seeds: ``status`` PASS, FAIL, INCONCLUSIVE, MISSING or MIXED.

    ``achieved`` is the aggregate of the measured side of a top-level comparison: the side that is
    not a constant (``target`` is the constant as written, ``">0.10"``), or the difference of the two
    sides when neither is constant (``target`` is ``None``); ``low``/``high`` its interval and ``uncertainty``
    which uncertainty that is (``"seeds"``, ``"test resampling"``, ``"none"``); ``gap`` says how far
    it is from the target; ``rows`` hold a split set's splits; ``seeds`` each seed's own judgement
    (when there are several); ``note`` why it is MISSING or failed regardless of its values.
    """

    name: str
    expression: str
    status: str
    target: str | None = None
    achieved: float | None = None
    gap: str | None = None
    rows: list[SplitRow] = field(default_factory=list)
    low: float | None = None
    high: float | None = None
    n: int = 1
    uncertainty: str = "none"
    seeds: list[SeedResult] = field(default_factory=list)
    note: str | None = None
    unit: str = "number"
    target_value: float | None = None

    @property
    def met(self) -> bool:
        return self.status == PASS

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("achieved", "low", "high"):
            data[key] = _finite(data[key])
        data["rows"] = [{**r, "achieved": _finite(r["achieved"])} for r in data["rows"]]
        data["seeds"] = [{**s, "achieved": _finite(s["achieved"])} for s in data["seeds"]]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["rows"] = [SplitRow(**r) for r in data.get("rows") or []]
        values["seeds"] = [SeedResult(**s) for s in data.get("seeds") or []]
        return cls(**values)


@dataclass
class GateResult:
    """One gate: ``passed`` of its ``total`` criteria PASS; ``require`` is "all" or a count."""

    name: str
    require: str | int
    criteria: list[str]
    passed: int
    total: int
    status: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateResult:
        return cls(data["name"], data["require"], list(data["criteria"]), data["passed"], data["total"], data["status"])


@dataclass
class Verdict:
    """The judgement of an experiment (or one seed of it): ``met``/``total`` count PASS criteria.

    ``gates`` lists the declared gates only (empty when every criterion is an implicit gate);
    ``reason`` says why it failed regardless of its criteria ("seed 2 diverged: ...").
    """

    status: str
    criteria: list[CriterionResult]
    gates: list[GateResult]
    met: int
    total: int
    reason: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "criteria": [c.to_dict() for c in self.criteria],
            "gates": [g.to_dict() for g in self.gates],
            "met": self.met,
            "total": self.total,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(
            data["status"],
            [CriterionResult.from_dict(c) for c in data.get("criteria", [])],
            [GateResult.from_dict(g) for g in data.get("gates", [])],
            data["met"], data["total"], data.get("reason"),
        )


def judge_results(
    criteria: Mapping[str, str],
    gates: Mapping[str, Mapping[str, Any]],
    results: Results,
    estimator: Estimator = mean_estimate,
) -> Verdict:
    """Judge ``results`` against ``criteria`` (name -> expression) and ``gates``.

    Raises :class:`ExprError` (a ``SpecError``) for a bad expression and :class:`SpecError` for a
    gate naming an unknown criterion.
    """
    failures = results.failures()
    judged = [judge_criterion(name, text, results, estimator, failures) for name, text in criteria.items()]
    by_name = {result.name: result for result in judged}
    gate_results = [judge_gate(name, gate, by_name) for name, gate in gates.items()]
    statuses = [g.status for g in gate_results] if gates else [_as_gate(c.status) for c in judged]
    reason = "; ".join(failures.values()) or None
    if reason or FAIL in statuses:
        status = FAILED
    else:
        status = VERDICT_INCONCLUSIVE if INCONCLUSIVE in statuses else PASSED
    return Verdict(status, judged, gate_results, sum(c.met for c in judged), len(judged), reason)


def _as_gate(status: str) -> str:
    """A criterion as its own gate: PASS, INCONCLUSIVE, or FAIL for anything else (MISSING, MIXED)."""
    return status if status in (PASS, INCONCLUSIVE) else FAIL


def judge_criterion(name: str, expression: str, results: Results, estimator: Estimator = mean_estimate,
                    failures: Mapping[str, str] | None = None) -> CriterionResult:
    """Parse and judge one criterion over every seed of ``results``; errors name the criterion."""
    try:
        expr = parse(expression)
        seeds = results.seeds()
        splits = expr.splits or (None,)
        decisions = [ExpressionJudge(expr, seeds, results.arm_names, estimator, split).judge() for split in splits]
    except ExprError as exc:
        raise ExprError(f"criterion '{name}': {exc.message}", exc.col) from None
    target = Target.of(expr)
    result = CriterionResult(name, expression, decisions[0].status, target.text if target else None, n=len(seeds))
    if target is not None:
        result.unit, result.target_value = measured_unit(target, results), target.value
    if expr.splits:
        result.rows = [_row(split, d) for split, d in zip(expr.splits, decisions)]
        result.status = split_set_status([r.status for r in result.rows])
    elif target is not None:
        _fill_estimate(result, decisions[0], target)
    if len(seeds) > 1 and not expr.splits:
        result.seeds = [_seed_result(expr, seed, results, target) for seed in seeds]
    _apply_failures(result, decisions, failures or {})
    return result


def _row(split: str, decision: Decision) -> SplitRow:
    estimate = decision.estimate
    return SplitRow(split, estimate.value if estimate else None, decision.status,
                    estimate.low if estimate else None, estimate.high if estimate else None)


def _fill_estimate(result: CriterionResult, decision: Decision, target: Target) -> None:
    estimate = decision.estimate
    if estimate is None:
        return
    result.achieved, result.low, result.high, result.uncertainty = estimate.value, estimate.low, estimate.high, estimate.kind
    if result.status != PASS:
        result.gap = target.gap(estimate.value)


def _seed_result(expr: Any, seed: Any, results: Results, target: Target | None) -> SeedResult:
    decision = ExpressionJudge(expr, [seed], results.arm_names, mean_estimate).judge()
    achieved = decision.estimate.value if decision.estimate and target is not None else None
    return SeedResult(seed.label, achieved, decision.status)


def _apply_failures(result: CriterionResult, decisions: list[Decision], failures: Mapping[str, str]) -> None:
    """Name the seeds a criterion lacks values from, and fail it when a seed's run failed."""
    missing = list(dict.fromkeys(label for d in decisions for label in d.missing))
    notes = [f"no value from seed {', '.join(missing)}"] if missing and len(missing) < result.n else []
    notes += list(failures.values())
    if failures and result.status in (PASS, INCONCLUSIVE):
        result.status = FAIL
    result.note = "; ".join(notes) or None


def measured_unit(target: Target, results: Results) -> str:
    """The unit of a comparison's measured side: the target's as written (``pp``, ``%``), else from the
    facts of the metrics it references (a difference of rates is in percentage points)."""
    written = target.text or ""
    is_difference = any(isinstance(n, Arith) and n.op == "-" for n in walk(target.measured))
    if "pp" in written or ("%" in written and is_difference):
        return "pp"
    if "%" in written:
        return "rate"
    refs = [n for n in walk(target.measured) if isinstance(n, Ref)]
    units = {facts_of(results.facts, ref.bind(results.arm_names, (ref.split_set or (None,))[0]).metric).unit for ref in refs}
    if units == {"rate"}:
        return "pp" if is_difference else "rate"
    return units.pop() if len(units) == 1 else "number"


def judge_gate(name: str, gate: Mapping[str, Any], criteria: Mapping[str, CriterionResult]) -> GateResult:
    """PASS when at least ``require`` criteria PASS; FAIL when that is out of reach even if every
    INCONCLUSIVE criterion passed; INCONCLUSIVE otherwise."""
    names = list(gate.get("criteria", []))
    unknown = [n for n in names if n not in criteria]
    if unknown:
        raise SpecError(f"gate '{name}' names unknown criterion '{unknown[0]}'{did_you_mean(unknown[0], criteria)}")
    require = gate.get("require", "all")  # validated by the schema (vifspec.spec.schema.Gate)
    needed = len(names) if require == "all" else require
    passed = sum(criteria[n].met for n in names)
    possible = passed + sum(criteria[n].status == INCONCLUSIVE for n in names)
    status = PASS if passed >= needed else FAIL if possible < needed else INCONCLUSIVE
    return GateResult(name, require, names, passed, len(names), status)


__all__ = [
    "FAILED", "MISSING", "PASSED", "VERDICT_INCONCLUSIVE", "CriterionResult", "GateResult", "SeedResult", "SplitRow",
    "Verdict", "judge_criterion", "judge_gate", "judge_results",
]

"""Criteria + gates + :class:`Results` -> :class:`Verdict` (pure and torch-free).

Every criterion is judged once on all the seeds the results hold (:mod:`vifspec.verdict.criterion`).
A gate passes when at least ``require`` of its criteria PASS (``"all"``: every one), fails when it
could not pass even if every INCONCLUSIVE criterion passed, and is INCONCLUSIVE otherwise. Without
gates, every criterion is an implicit gate. The verdict is PASSED when every gate passes, FAILED
when one fails or a seed's run diverged, collapsed or crashed, INCONCLUSIVE otherwise.
"""

from __future__ import annotations

import statistics
from typing import Any, Mapping

from vifspec.errors import SpecError, did_you_mean
from vifspec.expr import ExprError, Target, parse
from vifspec.expr.ast import Arith, Ref, walk
from vifspec.facts import facts_of
from vifspec.spec.schema import VerdictSettings
from vifspec.verdict.criterion import Decision, Estimator, ExpressionJudge, point_estimate, split_set_status
from vifspec.verdict.decision import seeds_needed
from vifspec.verdict.results import Results
from vifspec.verdict.stats import SEEDS, Interval, seed_interval
from vifspec.verdict.status import FAIL, FAILED, INCONCLUSIVE, MISSING, PASS, PASSED, VERDICT_INCONCLUSIVE
from vifspec.verdict.types import CriterionResult, GateResult, SeedResult, SplitRow, Verdict

BOOTSTRAP_RESAMPLES = 10_000


def estimator_for(settings: VerdictSettings) -> Estimator:
    """Per-seed values -> their aggregate and interval as ``[verdict]`` declares (one value: no interval)."""

    def estimate(values: Any) -> Interval:
        if len(values) < 2:
            return Interval.point(values[0], 1, "one seed: no interval over seeds", settings.aggregate, settings.confidence)
        return seed_interval(values, settings.confidence, settings.aggregate, settings.method, settings.bootstrap,
                             BOOTSTRAP_RESAMPLES, seed=0)

    return estimate


def judge_results(
    criteria: Mapping[str, str],
    gates: Mapping[str, Mapping[str, Any]],
    results: Results,
    settings: VerdictSettings | Mapping[str, Any] | None = None,
) -> Verdict:
    """Judge ``results`` against ``criteria`` (name -> expression) and ``gates`` as ``settings``
    (``[verdict]``: confidence, aggregate, interval method) declare.

    Raises :class:`ExprError` (a ``SpecError``) for a bad expression and :class:`SpecError` for a
    gate naming an unknown criterion.
    """
    settings = settings if isinstance(settings, VerdictSettings) else VerdictSettings.model_validate(settings or {})
    failures = results.failures()
    judged = [judge_criterion(name, text, results, settings, failures) for name, text in criteria.items()]
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


def judge_criterion(name: str, expression: str, results: Results, settings: VerdictSettings | None = None,
                    failures: Mapping[str, str] | None = None) -> CriterionResult:
    """Parse and judge one criterion over every seed of ``results``; errors name the criterion."""
    settings = settings or VerdictSettings()
    estimator = estimator_for(settings)
    try:
        expr = parse(expression)
        seeds = results.seeds()
        judges = [ExpressionJudge(expr, seeds, results.arm_names, estimator, split, settings.confidence)
                  for split in expr.splits or (None,)]
        decisions = [judge.judge() for judge in judges]
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
        _fill_estimate(result, decisions[0], target, settings)
    if len(seeds) > 1 and not expr.splits:
        result.seeds = [_seed_result(expr, seed, results, target) for seed in seeds]
    _apply_failures(result, decisions, failures or {})
    return result


def _row(split: str, decision: Decision) -> SplitRow:
    estimate = decision.estimate
    return SplitRow(split, estimate.value if estimate else None, decision.status,
                    estimate.low if estimate else None, estimate.high if estimate else None)


def _fill_estimate(result: CriterionResult, decision: Decision, target: Target, settings: VerdictSettings) -> None:
    estimate = decision.estimate
    if estimate is None:
        return
    result.achieved, result.interval = estimate.value, estimate
    if result.status != PASS:
        result.gap = target.gap(estimate.value)
    values = [v for v in decision.per_seed if v is not None]
    if result.status == INCONCLUSIVE and estimate.kind == SEEDS and len(values) > 1 and target.value is not None:
        result.seeds_needed = seeds_needed(statistics.stdev(values), estimate.value - target.value, settings.confidence)


def _seed_result(expr: Any, seed: Any, results: Results, target: Target | None) -> SeedResult:
    decision = ExpressionJudge(expr, [seed], results.arm_names, point_estimate).judge()
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
    "Verdict", "estimator_for", "judge_criterion", "judge_gate", "judge_results",
]

"""Criteria + gates + results -> :class:`Verdict` (pure and torch-free).

``results`` is ``{"metrics": {split: {metric: value}}, "baseline": {split: {...}},
"arms": {arm: {split: {...}}}}``; ``baseline`` and each arm may also be given as
``{"metrics": {split: {...}}, ...}`` (the shape of a run record's ``baseline``). Values are numbers
or ``None``; a missing, ``None``, NaN or infinite value never passes (the criterion is MISSING).

A gate passes when at least ``require`` of its criteria are PASS (``"all"``: every one). Without
gates, every criterion is an implicit gate. The verdict is PASSED iff every gate passes and the
run did not diverge, collapse or crash.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from vifspec.errors import SpecError, did_you_mean
from vifspec.expr import FAIL, PASS, BoundRef, ExprError, Lookup, Row, evaluate, parse
from vifspec.spec.schema import Spec

PASSED, FAILED = "PASSED", "FAILED"
FAILED_RUN_STATUSES = ("diverged", "collapsed", "crashed")


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: non-finite values are written as ``None``."""
    return value if value is not None and math.isfinite(value) else None


@dataclass
class CriterionResult:
    """One criterion judged: ``status`` is PASS, FAIL, MISSING or MIXED (MIXED is never met)."""

    name: str
    expression: str
    status: str
    target: str | None = None
    achieved: float | None = None
    gap: str | None = None
    rows: list[Row] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.status == PASS

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["achieved"] = _finite(self.achieved)
        data["rows"] = [{"split": r.split, "achieved": _finite(r.achieved), "status": r.status} for r in self.rows]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionResult:
        rows = [Row(r["split"], r["achieved"], r["status"]) for r in data.get("rows", [])]
        return cls(
            data["name"], data["expression"], data["status"],
            data.get("target"), data.get("achieved"), data.get("gap"), rows,
        )


@dataclass
class GateResult:
    """One gate: ``passed`` of its ``total`` criteria are PASS; ``require`` is "all" or a count."""

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
        return cls(
            data["name"], data["require"], list(data["criteria"]), data["passed"], data["total"], data["status"]
        )


@dataclass
class Verdict:
    """The judgement of a run: ``met``/``total`` count PASS criteria ("1/6 criteria met (17%)").

    ``gates`` lists the declared gates only (empty when every criterion is an implicit gate);
    ``reason`` says why a run failed regardless of its criteria ("run diverged: ...").
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
    results: Mapping[str, Any],
    status: str | None = None,
    arms: set[str] | None = None,
    stop_reason: str | None = None,
) -> Verdict:
    """Judge ``results`` against ``criteria`` (name -> expression) and ``gates``.

    ``arms`` defaults to the arm names found in ``results``; ``status`` is the run's status and
    ``stop_reason`` its explanation (both from the run record). Raises :class:`SpecError` for
    results of the wrong shape and :class:`ExprError` (a ``SpecError``) for a bad expression.
    """
    problems = validate_results(results)
    if problems:
        raise SpecError(problems)
    arm_names = set(arms) if arms is not None else set(results.get("arms") or {})
    lookup = results_lookup(results)
    judged = [judge_criterion(name, text, lookup, arm_names) for name, text in criteria.items()]
    by_name = {result.name: result for result in judged}
    gate_results = [judge_gate(name, gate, by_name) for name, gate in gates.items()]
    gates_pass = all(g.status == PASS for g in gate_results) if gates else all(c.met for c in judged)
    reason = run_failure(status, stop_reason)
    return Verdict(
        PASSED if gates_pass and reason is None else FAILED,
        judged, gate_results, sum(c.met for c in judged), len(judged), reason,
    )


def judge_criterion(name: str, expression: str, lookup: Lookup, arms: set[str]) -> CriterionResult:
    """Parse and evaluate one criterion; errors name the criterion and keep the column."""
    try:
        outcome = evaluate(parse(expression), lookup, arms)
    except ExprError as exc:
        raise ExprError(f"criterion '{name}': {exc.message}", exc.col) from None
    return CriterionResult(
        name, expression, outcome.status, outcome.target, outcome.achieved, outcome.gap, list(outcome.rows)
    )


def judge_gate(name: str, gate: Mapping[str, Any], criteria: Mapping[str, CriterionResult]) -> GateResult:
    """A gate passes when at least ``require`` (``"all"``: every one) of its criteria are PASS."""
    names = list(gate.get("criteria", []))
    unknown = [n for n in names if n not in criteria]
    if unknown:
        hint = did_you_mean(unknown[0], criteria)
        raise SpecError(f"gate '{name}' names unknown criterion '{unknown[0]}'{hint}")
    require = gate.get("require", "all")
    if require != "all" and (isinstance(require, bool) or not isinstance(require, int) or require < 1):
        raise SpecError(f"gate '{name}': require must be \"all\" or a positive integer, got {require!r}")
    needed = len(names) if require == "all" else require
    passed = sum(criteria[n].met for n in names)
    return GateResult(name, require, names, passed, len(names), PASS if passed >= needed else FAIL)


def run_failure(status: str | None, stop_reason: str | None = None) -> str | None:
    """Why a run fails whatever its criteria say ("run diverged: loss is NaN at epoch 3"), or None."""
    if status not in FAILED_RUN_STATUSES:
        return None
    return f"run {status}: {stop_reason}" if stop_reason else f"run {status}"


# ---------------------------------------------------------------------------------- results


def results_lookup(results: Mapping[str, Any]) -> Lookup:
    """The value of a bound reference in ``results``, or ``None`` when it is not there."""

    def lookup(ref: BoundRef) -> float | None:
        if ref.source == "self":
            table = results.get("metrics")
        elif ref.source == "baseline":
            table = _split_table(results.get("baseline"))
        else:
            table = _split_table((results.get("arms") or {}).get(ref.arm))
        return ((table or {}).get(ref.split) or {}).get(ref.metric)

    return lookup


def _split_table(block: Any) -> Any:
    """``{split: {...}}`` from either that itself or ``{"metrics": {split: {...}}, ...}``."""
    if isinstance(block, Mapping) and isinstance(block.get("metrics"), Mapping):
        return block["metrics"]
    return block


def validate_results(results: Any) -> list[str]:
    """Problems with a results object, one message each (empty when it can be judged)."""
    if not isinstance(results, Mapping):
        return [f"results must be a JSON object {{\"metrics\": {{split: {{metric: value}}}}}}, got {_kind(results)}"]
    if "metrics" not in results:
        return ["results have no \"metrics\" object; expected {\"metrics\": {split: {metric: value}}}"]
    problems = _table_problems("metrics", results["metrics"])
    if results.get("baseline") is not None:
        problems += _table_problems("baseline", _split_table(results["baseline"]))
    arms = results.get("arms")
    if arms is not None and not isinstance(arms, Mapping):
        problems.append(f"arms: expected an object {{arm: {{split: {{metric: value}}}}}}, got {_kind(arms)}")
    elif arms:
        for arm, block in arms.items():
            problems += _table_problems(f"arms.{arm}", _split_table(block))
    return problems


def _table_problems(where: str, table: Any) -> list[str]:
    if not isinstance(table, Mapping):
        return [f"{where}: expected an object {{split: {{metric: value}}}}, got {_kind(table)}"]
    problems = []
    for split, values in table.items():
        if not isinstance(values, Mapping):
            problems.append(f"{where}.{split}: expected an object {{metric: value}}, got {_kind(values)}")
            continue
        for metric, value in values.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
                problems.append(f"{where}.{split}.{metric}: expected a number or null, got {value!r}")
    return problems


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# ------------------------------------------------------------------------------ spec judgement


def judge_spec(spec: Spec | str | Path, results: dict[str, Any]) -> Any:
    """The verdict of ``results`` (judge's JSON shape) against a spec's criteria and gates."""
    from vifspec.compiler import load_spec

    if not isinstance(spec, Spec):
        _, spec = load_spec(spec)
    gates = {name: gate.model_dump() for name, gate in spec.gates.items()}
    arm = spec.baseline.arm if spec.baseline else None
    if arm and "baseline" not in results and isinstance(results.get("arms"), dict) and arm in results["arms"]:
        results = {**results, "baseline": results["arms"][arm]}  # the baseline is one of the arms
    return judge_results(spec.criteria, gates, results, arms=set(spec.arms) or None)

def result_directions(spec: Spec, results: dict[str, Any], registry: Any = None) -> dict[str, bool]:
    """Directions of the metrics named in a results file: by their [metric] fn, else by registry name."""
    from vifspec.registry import default_registry

    registry = registry or default_registry()
    names = {m for table in (results.get("metrics") or {}).values() if isinstance(table, dict) for m in table}
    out = {}
    for name in names:
        fn = spec.metric[name].fn if name in spec.metric else name
        if registry.has("metric", fn):
            out[name] = registry.get("metric", fn).higher_is_better
    return out


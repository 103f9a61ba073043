"""The verdict: criteria and gates judged over every seed of the results (pure, torch-free).

- :mod:`.results` builds the verdict's inputs (:class:`Results`) from run records or a results file
- :mod:`.criterion` judges one expression over seeds; :mod:`.judge` criteria and gates -> :class:`Verdict`
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from vifspec.expr import names_a_run
from vifspec.records.record import RunRecord
from vifspec.spec.schema import Spec, VerdictSettings
from vifspec.verdict.judge import judge_criterion, judge_gate, judge_results
from vifspec.verdict.status import FAIL, FAILED, INCONCLUSIVE, MISSING, MIXED, PASS, PASSED, VERDICT_INCONCLUSIVE
from vifspec.verdict.types import CriterionResult, GateResult, Verdict
from vifspec.verdict.results import (
    Results, group_records, is_experiment_group, results_from_file, results_from_records, validate_results,
)

__all__ = [
    "FAIL", "FAILED", "INCONCLUSIVE", "MISSING", "MIXED", "PASS", "PASSED", "VERDICT_INCONCLUSIVE", "CriterionResult",
    "GateResult", "Results", "Verdict", "group_records", "judge_criterion", "judge_file", "judge_gate", "judge_records",
    "judge_results", "judge_spec", "results_from_file", "results_from_records", "validate_results",
]


def gates_of(spec: Spec) -> dict[str, dict[str, Any]]:
    """A spec's gates as the plain mappings the verdict reads."""
    return {name: gate.model_dump() for name, gate in spec.gates.items()}


def judge_records(records: Iterable[RunRecord], *, criteria: Mapping[str, str] | None = None,
                  gates: Mapping[str, Any] | None = None, settings: VerdictSettings | None = None) -> Verdict:
    """The verdict of one group of records (one variant's seeds, or every arm of an arms experiment);
    the criteria, gates and ``[verdict]`` settings default to those the records were run under."""
    records = list(records)
    first = records[0]
    criteria = first.criteria if criteria is None else criteria
    gates = {name: gate.model_dump() for name, gate in first.gates.items()} if gates is None else gates
    settings = first.verdict_settings if settings is None else settings
    if any(r.arm for r in records) or not any(names_a_run(t, first.runs) for t in criteria.values()):
        return judge_results(criteria, gates, results_from_records(records), settings)
    across = is_experiment_group(records)  # criteria comparing variants are judged once, across them
    chosen = {name: text for name, text in criteria.items() if names_a_run(text, first.runs) == across}
    kept = {name: gate for name, gate in gates.items() if set(gate.get("criteria", [])) <= set(chosen)}
    return judge_results(chosen, kept, results_from_records(records), settings)


def judge_file(spec: Spec, data: Any, imports: bool = True) -> tuple[Verdict, Results]:
    """The verdict of a results file's JSON against ``spec``, and the results it was judged on (with
    the facts of every metric it names, from the spec's ``[metric]`` tables and the registry; with
    ``imports=False``, as ``vifspec judge`` does, a metric named by import path is not imported)."""
    from vifspec.compiler.facts import resolve_facts
    from vifspec.registry import default_registry

    results = results_from_file(data, spec.arms, spec.baseline.arm if spec.baseline else None)
    results.facts = resolve_facts(spec, default_registry(), results.metric_names(), imports)
    return judge_results(spec.criteria, gates_of(spec), results, spec.verdict), results


def judge_spec(spec: Spec | str | Path, results: Any) -> Verdict:
    """``vifspec.judge``: the verdict of ``results`` (a results file's shape) against a spec (or its path)."""
    if not isinstance(spec, Spec):
        from vifspec.compiler import load_spec

        _, spec = load_spec(spec)
    return judge_file(spec, results)[0]

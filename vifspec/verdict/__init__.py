"""The verdict: criteria and gates judged against results (pure, torch-free)."""

from __future__ import annotations

from vifspec.verdict.judge import (
    FAILED, PASSED, CriterionResult, GateResult, Verdict, judge_criterion, judge_gate, judge_results, judge_spec,
    result_directions, run_failure, validate_results,
)

__all__ = [
    "FAILED", "PASSED", "CriterionResult", "GateResult", "Verdict", "judge_criterion", "judge_gate", "judge_results",
    "judge_spec", "result_directions", "run_failure", "validate_results",
]

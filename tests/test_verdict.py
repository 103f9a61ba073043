"""The verdict engine: criteria, gates k-of-n, run status, results validation, JSON round trip."""

from __future__ import annotations

import json
import math

import pytest

from vifspec.errors import SpecError
from vifspec.expr import ExprError
from vifspec.verdict import Verdict, judge_results, results_from_file, validate_results
from vifspec.verdict.results import Results, Sample


def judge(criteria: dict, gates: dict, data: dict, arms: set[str] = frozenset()) -> Verdict:
    """The verdict of a results file's content."""
    return judge_results(criteria, gates, results_from_file(data, arms))

# Facts from the V3 Phase 1 seed: six criteria, one met.
V3_CRITERIA = {
    "Gain Std": "test.gain_std > 0.10",
    "Encoder2 AUC": "val.encoder2_auc > 0.62",
    "Mastery Correlation": "test.mastery_corr > 0.40",
    "Beta Spread Maintained": "test.beta_std > 0.3",
    "Skill CV": "test.skill_cv > 0.20",
    "Response-Conditional": "test.gain_ratio > 1.2",
}
V3_RESULTS = {
    "metrics": {
        "val": {"encoder2_auc": 0.5935},
        "test": {"gain_std": 0.0018, "mastery_corr": 0.039, "beta_std": 0.448, "skill_cv": 0.002, "gain_ratio": 1.0},
    }
}


def test_seed_success_criteria_table() -> None:
    verdict = judge(V3_CRITERIA, {}, V3_RESULTS)
    assert (verdict.status, verdict.met, verdict.total) == ("FAILED", 1, 6)
    rows = {c.name: (c.target, c.achieved, c.status, c.gap) for c in verdict.criteria}
    assert rows["Gain Std"] == (">0.10", 0.0018, "FAIL", "55x short")
    assert rows["Encoder2 AUC"] == (">0.62", 0.5935, "FAIL", "4.3% short")
    assert rows["Mastery Correlation"][3] == "10x short"
    assert rows["Skill CV"][3] == "100x short"
    assert rows["Beta Spread Maintained"] == (">0.3", 0.448, "PASS", None)
    assert [c.name for c in verdict.criteria] == list(V3_CRITERIA)


def test_seed_per_split_gates_with_a_mixed_rollout() -> None:
    criteria = {
        "A: Offset Margin": "{val,ood}.margin >= +0.02",
        "B: Retrieval R@1": "{val,ood}.r@1 >= 60%",
        "B: Retrieval R@5": "{val,ood}.r@5 >= 60%",
        "C: Ablations": "{val,ood}.ablations_ok == 1",
        "D: Rollout": "{val,ood}.rollout >= 0.46",
        "E: Bins Delta": "{val,ood}.bins_delta_ok == 1",
    }
    gates = {"A": {"criteria": ["A: Offset Margin"]}, "B": {"require": "all", "criteria": ["B: Retrieval R@1", "B: Retrieval R@5"]},
             "C": {"criteria": ["C: Ablations"]}, "D": {"criteria": ["D: Rollout"]}, "E": {"criteria": ["E: Bins Delta"]}}
    results = {"metrics": {
        "val": {"margin": -0.041, "r@1": 0.032, "r@5": 0.175, "ablations_ok": 0.0, "rollout": 0.448, "bins_delta_ok": 1.0},
        "ood": {"margin": -0.046, "r@1": 0.0175, "r@5": 0.109, "ablations_ok": 0.0, "rollout": 0.476, "bins_delta_ok": 1.0},
    }}
    verdict = judge(criteria, gates, results)
    statuses = {c.name: c.status for c in verdict.criteria}
    assert statuses["D: Rollout"] == "MIXED"
    assert [(r.split, r.status) for r in verdict.criteria[4].rows] == [("val", "FAIL"), ("ood", "PASS")]
    assert sum(g.status == "PASS" for g in verdict.gates) == 1 and len(verdict.gates) == 5
    assert (verdict.status, verdict.met) == ("FAILED", 1)  # MIXED is never met


@pytest.mark.parametrize(("require", "passing", "status"),
                         [("all", 3, "PASS"), ("all", 2, "FAIL"), (2, 2, "PASS"), (2, 1, "FAIL"), (1, 1, "PASS"),
                          (3, 3, "PASS")])
def test_gate_requires_k_of_n(require, passing: int, status: str) -> None:
    criteria = {f"c{i}": f"val.m{i} > 0.5" for i in range(3)}
    metrics = {f"m{i}": (1.0 if i < passing else 0.0) for i in range(3)}
    verdict = judge(criteria, {"g": {"require": require, "criteria": list(criteria)}}, {"metrics": {"val": metrics}})
    gate = verdict.gates[0]
    assert (gate.passed, gate.total, gate.status) == (passing, 3, status)
    assert verdict.status == ("PASSED" if status == "PASS" else "FAILED")
    assert verdict.met == passing


def test_without_gates_every_criterion_is_a_gate() -> None:
    criteria = {"a": "val.a > 0.5", "b": "val.b > 0.5"}
    assert judge(criteria, {}, {"metrics": {"val": {"a": 1.0, "b": 1.0}}}).status == "PASSED"
    failed = judge(criteria, {}, {"metrics": {"val": {"a": 1.0, "b": 0.0}}})
    assert (failed.status, failed.gates, failed.reason) == ("FAILED", [], None)


def test_criteria_outside_every_gate_do_not_decide_the_verdict() -> None:
    criteria = {"a": "val.a > 0.5", "b": "val.b > 0.5"}
    verdict = judge(criteria, {"g": {"criteria": ["a"]}}, {"metrics": {"val": {"a": 1.0, "b": 0.0}}})
    assert (verdict.status, verdict.met, verdict.total) == ("PASSED", 1, 2)


@pytest.mark.parametrize("status", ["diverged", "collapsed", "crashed"])
def test_a_failed_seed_fails_every_criterion_and_is_named(status: str) -> None:
    samples = [Sample("0", {"val": {"a": 1.0}}, "completed"), Sample("1", {"val": {"a": 1.0}}, status, "loss is NaN at epoch 3")]
    verdict = judge_results({"a": "val.a > 0.5"}, {}, Results(own=samples))
    assert (verdict.status, verdict.met, verdict.criteria[0].status) == ("FAILED", 0, "FAIL")
    assert verdict.reason == f"seed 1 {status}: loss is NaN at epoch 3"
    assert verdict.criteria[0].note == verdict.reason
    fine = [Sample("0", {"val": {"a": 1.0}}, "early_stopped")]
    assert judge_results({"a": "val.a > 0.5"}, {}, Results(own=fine)).status == "PASSED"


@pytest.mark.parametrize("baseline", [{"val": {"auc": 0.6893}},
                                      {"label": "V2", "metrics": {"val": {"auc": 0.6893}}, "compare": ["val.auc"]}])
def test_baseline_in_either_shape(baseline: dict) -> None:
    results = {"metrics": {"val": {"auc": 0.6648}}, "baseline": baseline}
    verdict = judge({"no worse": "val.auc >= baseline.val.auc - 1pp"}, {}, results)
    assert verdict.criteria[0].status == "FAIL"
    results["metrics"]["val"]["auc"] = 0.6800
    assert judge({"no worse": "val.auc >= baseline.val.auc - 1pp"}, {}, results).status == "PASSED"


def test_arm_references_and_arm_names_from_results_or_argument() -> None:
    results = {"metrics": {}, "arms": {"infonce": {"test": {"r@5": 0.30}}, "ar_only": {"metrics": {"test": {"r@5": 0.25}}}}}
    criteria = {"ΔR@5": "infonce.test.r@5 - ar_only.test.r@5 >= +10pp"}
    verdict = judge(criteria, {}, results)
    assert (verdict.criteria[0].status, verdict.criteria[0].gap) == ("FAIL", "5.0pp short")
    assert verdict.criteria[0].achieved == pytest.approx(0.05)
    assert judge(criteria, {}, {"arms": results["arms"]}).criteria[0].status == "FAIL"  # arms alone are enough


def test_missing_and_nan_metrics_never_pass() -> None:
    verdict = judge({"a": "val.a > 0.5", "b": "val.b < 0.5", "c": "val.c > 0"}, {},
                            {"metrics": {"val": {"a": None, "b": math.nan}}})
    assert [c.status for c in verdict.criteria] == ["MISSING", "MISSING", "MISSING"]
    assert (verdict.status, verdict.met) == ("FAILED", 0)


def test_verdict_round_trips_through_strict_json() -> None:
    criteria = {**V3_CRITERIA, "Rollout": "{val,ood}.rollout >= 0.46", "NaN": "val.nan_metric > 0"}
    results = {"metrics": {**V3_RESULTS["metrics"], "val": {"encoder2_auc": 0.5935, "rollout": 0.448, "nan_metric": math.nan},
                           "ood": {"rollout": math.nan}}}
    verdict = judge(criteria, {"p": {"require": 2, "criteria": ["Gain Std", "Rollout"]}}, results)
    text = json.dumps(verdict.to_dict(), allow_nan=False)
    again = Verdict.from_dict(json.loads(text))
    assert again == verdict
    assert again.to_dict() == verdict.to_dict()
    assert again.criteria[-2].rows[1].achieved is None


def test_criterion_errors_name_the_criterion_and_column() -> None:
    with pytest.raises(ExprError) as info:
        judge({"Gain Std": "test.gain_std > > 0.1"}, {}, {"metrics": {}})
    assert info.value.col == 17 and info.value.message.startswith("criterion 'Gain Std': unexpected '>'")


def test_gate_errors() -> None:
    with pytest.raises(SpecError, match="did you mean 'Gain Std'"):
        judge({"Gain Std": "test.a > 0"}, {"g": {"criteria": ["Gain Sdt"]}}, {"metrics": {}})


@pytest.mark.parametrize(("require", "message"), [(0, "require must be 'all' or an integer >= 1"),
                                                  (3, "requires 3 but lists only 1 criteria")])
def test_a_gate_require_is_checked_once_when_the_spec_compiles(write_spec, require, message) -> None:
    from vifspec.compiler import load_spec

    path = write_spec(f'[experiment]\nid = "v"\n[criteria]\na = "test.a > 0"\n[gates.g]\nrequire = {require}\ncriteria = ["a"]\n')
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert message in str(info.value) and ":6:" in str(info.value)


@pytest.mark.parametrize(
    ("results", "fragment"),
    [
        ([1, 2], "must be a JSON object"),
        ({"metric": {}}, "no \"metrics\" object"),
        ({"metrics": {"val": [0.5]}}, "metrics.val: expected an object"),
        ({"metrics": {"val": {"auc": "0.5"}}}, "metrics.val.auc: expected a number, null or a non-empty list"),
        ({"metrics": {"val": {"auc": [0.5, "x"]}}}, "metrics.val.auc"),
        ({"metrics": {"val": {"auc": []}}}, "metrics.val.auc"),
        ({"metrics": {"val": {"auc": True}}}, "metrics.val.auc"),
        ({"metrics": {}, "baseline": {"val": {"auc": "x"}}}, "baseline.val.auc"),
        ({"metrics": {}, "arms": ["a"]}, "arms: expected an object"),
        ({"metrics": {}, "arms": {"a": {"metrics": {"val": 3}}}}, "arms.a.val"),
    ],
)
def test_validate_results_reports_each_problem(results, fragment: str) -> None:
    problems = validate_results(results)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(SpecError):
        judge({"a": "val.auc > 0"}, {}, results)


def test_valid_results_have_no_problems() -> None:
    np = pytest.importorskip("numpy")
    results = {"metrics": {"val": {"auc": 0.5, "n": 3, "missing": None, "np": np.float32(0.25)}},
               "baseline": {"metrics": {"val": {"auc": 0.4}}, "label": "V2"}, "arms": {"a": {"val": {"auc": 0.1}}}}
    assert validate_results(results) == []
    assert judge({"np": "val.np == 0.25"}, {}, results).status == "PASSED"

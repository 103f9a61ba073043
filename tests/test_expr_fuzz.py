"""Property tests: no input makes the expression engine raise anything but ExprError."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from vifspec.errors import SpecError
from vifspec.expr import ExprError, parse
from vifspec.verdict import judge_results, results_from_file, validate_results
from fuzzing import fuzz
from verdict_helpers import judge

FUZZ = fuzz(200)
ARMS = frozenset({"arm"})
STATUSES = {"PASS", "FAIL", "MISSING", "MIXED", "INCONCLUSIVE"}

REFERENCES = st.sampled_from([
    "val.a", "test.b", "val.loss.bce", "test.r@5", "baseline.val.a", "arm.test.r@5",
    "{val,ood}.m", "arm.{val,ood}.m", "baseline.{ood,val}.m",
])
NUMBERS = st.sampled_from(["0", "0.10", "1e-3", "+10pp", "10%", "1.2x", ".5", "3", "2.5E+2"])


def _functions(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = inner.map(lambda x: f"abs({x})")
    variadic = st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=1, max_size=3))
    return unary | variadic.map(lambda t: f"{t[0]}({', '.join(t[1])})")


ARITHMETIC = st.recursive(
    REFERENCES | NUMBERS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(" ".join),
        inner.map(lambda x: f"-{x}"),
        inner.map(lambda x: f"({x})"),
        _functions(inner),
    ),
    max_leaves=6,
)
COMPARISON = st.tuples(ARITHMETIC, st.sampled_from([">", ">=", "<", "<=", "==", "≥", "≤"]), ARITHMETIC).map(" ".join)
CRITERIA = st.recursive(
    COMPARISON,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
        inner.map(lambda x: f"not {x}"),
        inner.map(lambda x: f"({x})"),
    ),
    max_leaves=4,
)
VALUES = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers())
PIECES = st.sampled_from(list("valtesodmb.{},()+-*/<>=≥≤%x0123456789 @_e!$") + ["and ", " or ", "not ", "abs(", "pp"])


def _lookup_from(data: st.DataObject):
    drawn: dict[str, object] = {}

    def lookup(ref):
        key = str(ref)
        if key not in drawn:
            drawn[key] = data.draw(VALUES, label=key)
        return drawn[key]

    return lookup


def _check_outcome(expr, outcome) -> None:
    assert outcome.status in STATUSES
    assert outcome.achieved is None or math.isfinite(outcome.achieved)
    if expr.splits is None:
        assert outcome.rows == [] and outcome.status != "MIXED"
    else:
        assert [row.split for row in outcome.rows] == list(expr.splits)
    if outcome.status == "PASS":
        assert outcome.gap is None


def _parse_and_evaluate(text: str, data: st.DataObject) -> None:
    try:
        expr = parse(text)
        outcome = judge(text, _lookup_from(data), ARMS)
    except ExprError as exc:
        assert 1 <= exc.col <= len(text) + 1 and exc.message
        return
    _check_outcome(expr, outcome)


@FUZZ
@given(st.text(max_size=60), st.data())
def test_random_text_raises_only_expr_error(text: str, data: st.DataObject) -> None:
    _parse_and_evaluate(text, data)


@FUZZ
@given(st.lists(PIECES, max_size=30).map("".join), st.data())
def test_random_token_soup_raises_only_expr_error(text: str, data: st.DataObject) -> None:
    _parse_and_evaluate(text, data)


@FUZZ
@given(CRITERIA, st.data())
def test_generated_criteria_parse_and_evaluate(text: str, data: st.DataObject) -> None:
    expr = parse(text)
    _check_outcome(expr, judge(text, _lookup_from(data), ARMS))
    if expr.references():
        assert judge(text, lambda ref: None, ARMS).status == "MISSING"


@FUZZ
@given(CRITERIA, st.integers(0, 200), st.sampled_from(["delete", "insert", "replace"]), PIECES, st.data())
def test_mutated_criteria_raise_only_expr_error(text: str, position: int, how: str, piece: str, data) -> None:
    index = position % (len(text) + 1)
    if how == "delete":
        mutated = text[:index] + text[index + 1 :]
    elif how == "insert":
        mutated = text[:index] + piece + text[index:]
    else:
        mutated = text[:index] + piece + text[index + 1 :]
    _parse_and_evaluate(mutated, data)


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["val", "m", "metrics", "a"]), inner, max_size=3),
    max_leaves=10,
)


@FUZZ
@example({"metrics": {"metrics": {"val": None}}})  # found by the long campaign: a split named "metrics" was unwrapped
@given(st.dictionaries(st.sampled_from(["metrics", "baseline", "arms"]), JSON, max_size=3))
def test_results_are_either_reported_as_problems_or_judged(results: dict) -> None:
    criteria = {"c": "{val,m}.a > 0.5 or baseline.val.a < a.m.a", "d": "val.m >= 1"}
    if validate_results(results):
        try:
            results_from_file(results)
        except SpecError:
            return
        raise AssertionError("invalid results were judged")
    verdict = judge_results(criteria, {"g": {"require": 1, "criteria": ["c", "d"]}}, results_from_file(results, {"a"}))
    assert verdict.status in {"PASSED", "FAILED"} and 0 <= verdict.met <= 2

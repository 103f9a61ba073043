"""Property tests of ``vifspec check`` over malformed and mutated specs (hypothesis).

Each case is compiled in-process with :func:`vifspec.check.check_source`; a sample goes through the
CLI with click's ``CliRunner``. For every case: no exception escapes, the outcome is valid or
invalid (exit 0 or 2, never a traceback), and every problem has a line unless it has no place in the
file (a missing top-level table). Mutations applied at a known key must be reported at that key's
line. Case counts (``EXAMPLES``) add up to more than 10,000.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vifspec.check import check_source
from vifspec.cli import main
from vifspec.errors import Problem
from vifspec.starter import starter_text
from fuzzing import CASES, case_folder
from fuzzing import fuzz as fuzz_settings
from kt_fixture import ARMS_SPEC

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {"random_text": 1500, "random_doc": 2000, "wrong_type": 1500, "typo": 1200, "out_of_range": 800,
            "broken_expression": 1000, "unknown_component": 600, "deleted_required": 600, "noise": 1500, "cli": 40}



@pytest.fixture(scope="module", autouse=True)
def _report_case_count() -> object:
    yield
    print(f"\nvifspec check fuzz: {sum(CASES.values())} cases run: {dict(CASES)}")


def fuzz(name: str) -> settings:
    return fuzz_settings(EXAMPLES[name])




BASES = [
    (ROOT / "specs" / "v3_phase1.toml").read_text(encoding="utf-8"),
    (ROOT / "specs" / "v2_baseline.toml").read_text(encoding="utf-8"),
    starter_text("starter", "specs/starter.toml"),
    ARMS_SPEC,
]
_KEY_LINE = re.compile(r'^("[^"]*"|[A-Za-z0-9_\-]+)(\s*=\s*)(.*?)\s*(#.*)?$')
USER_NAMED = ("criteria", "arms", "sweep", "variants", "metrics")
REQUIRED = {("experiment", "id"), ("data", "source"), ("model", "name"), ("train", "epochs")}


@dataclass(frozen=True)
class KeyLine:
    """One ``key = value`` line of a base spec: where it is and what it sets."""

    base: int
    line: int  # 1-based
    path: tuple[str, ...]
    value: str


def _catalogue() -> list[KeyLine]:
    found = []
    for b, text in enumerate(BASES):
        table: tuple[str, ...] = ()
        for n, raw in enumerate(text.splitlines(), start=1):
            if raw.startswith("["):
                table = tuple(raw.split("#")[0].strip().strip("[]").split("."))
                continue
            match = _KEY_LINE.match(raw)
            if match:
                found.append(KeyLine(b, n, table + (match.group(1).strip('"'),), match.group(3)))
    return found


KEYS = _catalogue()


def _replace_line(key: KeyLine, new_line: str | None) -> str:
    lines = BASES[key.base].splitlines()
    if new_line is None:
        del lines[key.line - 1]
    else:
        lines[key.line - 1] = new_line
    return "\n".join(lines) + "\n"


def _with_value(key: KeyLine, value: str) -> str:
    return _replace_line(key, f'{_quoted(key.path[-1])} = {value}')


def _quoted(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_\-]+", key) else json.dumps(key)


def _header_line(key: KeyLine) -> int:
    lines = BASES[key.base].splitlines()
    return max(n for n in range(1, key.line) if lines[n - 1].startswith("["))


# -- properties ----------------------------------------------------------------------------------


def _placeless(problem: Problem) -> bool:
    """A problem with no place in the file: a required top-level table that is absent."""
    return problem.key is not None and "." not in problem.key and problem.message == "required key is missing"


def assert_well_reported(problems: list[Problem]) -> None:
    for problem in problems:
        assert problem.file == "x.toml"
        assert problem.line is not None or _placeless(problem), str(problem)
        assert problem.message and "Traceback" not in problem.message


def assert_reported_at(text: str, line: int) -> list[Problem]:
    CASES["placed"] += 1
    _, problems = check_source("x.toml", text)
    assert_well_reported(problems)
    assert problems, f"no problem reported for:\n{text}"
    assert line in {p.line for p in problems}, f"expected a problem at line {line}, got {[str(p) for p in problems]}"
    return problems


def assert_valid_or_reported(text: str) -> None:
    CASES["unplaced"] += 1
    _, problems = check_source("x.toml", text)
    assert_well_reported(problems)


# -- random text and random TOML documents ---------------------------------------------------------


@fuzz("random_text")
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
       | st.lists(st.sampled_from(['[', ']', '=', '"', "'", "\n", "a", "1", ".", "{", "}", ",", "#", "[experiment]", 'id = "x"']),
                  max_size=40).map("".join))
def test_random_text_never_raises(text: str) -> None:
    assert_valid_or_reported(text)


_SCALARS = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " ._-@", max_size=12).map(json.dumps),
    st.integers(-5, 100).map(str), st.sampled_from(["0.5", "-1.5", "true", "false", "1979-05-27", "inf", "nan"]),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.dictionaries(st.sampled_from(["a", "fn", "weight", "name", "monitor"]), inner, max_size=3)
      .map(lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"),
), max_leaves=4)
_TABLES = st.sampled_from(["experiment", "data", "model", "train", "loss.bce", "metric.m", "metrics", "criteria",
                           "gates.g", "baseline", "track", "guards", "report", "arms.a", "sweep", "nonsense", "train.optimizer"])
_KEYS = st.sampled_from(["id", "source", "name", "epochs", "fn", "weight", "params", "inputs", "val", "test", "criteria",
                         "require", "monitor", "patience", "splits", "seeds", "wieght", "bogus", "loss.bce.weight", "label"])


@fuzz("random_doc")
@given(st.dictionaries(_TABLES, st.dictionaries(_KEYS, _VALUES, max_size=4), max_size=6))
def test_random_documents_place_unknown_keys(doc: dict[str, dict[str, str]]) -> None:
    lines, at = [], {}
    for table, items in doc.items():
        lines.append(f"[{table}]")
        for key, value in items.items():
            lines.append(f"{_quoted(key)} = {value}")
            at[(table, key)] = len(lines)
    CASES["random_doc"] += 1
    _, problems = check_source("x.toml", "\n".join(lines) + "\n")
    assert_well_reported(problems)
    for problem in problems:
        unknown = re.match(r"unknown key '([^']+)'", problem.message)
        key = (problem.key or "").rsplit(".", 1)
        if unknown and len(key) == 2 and tuple(key) in at:
            assert problem.line == at[tuple(key)], str(problem)


# -- mutations at a known key ----------------------------------------------------------------------


def _strict(key: KeyLine) -> bool:
    return key.path[0] not in USER_NAMED and "params" not in key.path[:-1]


_TEXTS = st.text(alphabet=string.ascii_letters + string.digits + " ._-", max_size=10).map(json.dumps)
_NUMBERS = st.integers(-10**6, 10**6).map(str) | st.floats(allow_nan=False, allow_infinity=False).map(repr)
_OTHER_TYPES = {
    "string": _NUMBERS | st.sampled_from(["true", "[1, 2]", "{ a = 1 }", "1979-05-27"]),
    "number": _TEXTS | st.sampled_from(["[1]", "{ a = 1 }", "1979-05-27"]),
    "bool": _TEXTS | st.sampled_from(["[true]", "{ a = 1 }"]),
    "array": _TEXTS | _NUMBERS | st.sampled_from(["{ a = 1 }"]),
    "table": _TEXTS | _NUMBERS | st.sampled_from(["[1, 2]"]),
}


def _type_of(value: str) -> str:
    if value.startswith('"'):
        return "string"
    if value in ("true", "false"):
        return "bool"
    return {"[": "array", "{": "table"}.get(value[:1], "number")


UNION_TYPED = ("require",)  # "all" or an integer: both types are right (the long campaign drew require = 2)


@fuzz("wrong_type")
@given(st.sampled_from([k for k in KEYS if (_strict(k) or k.path[0] in ("criteria", "metrics")) and k.path[-1] not in UNION_TYPED]),
       st.data())
def test_wrong_type_is_reported_at_its_line(key: KeyLine, data: st.DataObject) -> None:
    value = data.draw(_OTHER_TYPES[_type_of(key.value)])
    assert_reported_at(_with_value(key, value), key.line)


def _typo(name: str, data: st.DataObject) -> str:
    i = data.draw(st.integers(0, len(name) - 1))
    char = data.draw(st.sampled_from("xqz_9"))
    return data.draw(st.sampled_from([name[:i] + char + name[i + 1:], name[:i] + char + name[i:], name[:i] + name[i + 1:] + "x"]))


@fuzz("typo")
@given(st.sampled_from([k for k in KEYS if _strict(k)]), st.data())
def test_misspelled_key_is_reported_at_its_line(key: KeyLine, data: st.DataObject) -> None:
    name = _typo(key.path[-1], data)
    if name == key.path[-1]:
        return
    problems = assert_reported_at(_replace_line(key, f"{_quoted(name)} = {key.value}"), key.line)
    assert any("unknown key" in p.message for p in problems if p.line == key.line)


_NON_POSITIVE = st.integers(-10**6, 0).map(str)
_OUT_OF_RANGE = {"weight": st.floats(max_value=-1e-9, allow_infinity=False).map(repr), "patience": _NON_POSITIVE,
                 "epochs": _NON_POSITIVE, "batch_size": _NON_POSITIVE, "start_epoch": _NON_POSITIVE,
                 "require": _NON_POSITIVE | st.integers(7, 10**6).map(str),
                 "splits": st.sampled_from(["{ train = 0.5, val = 0.2 }", "{ train = 0.7, val = 0.7 }", "{ val = 1.0 }", "{ train = 1.5 }"]),
                 "early_stopping": _NON_POSITIVE.map(lambda n: f'{{ monitor = "val.encoder1_auc", patience = {n} }}'),
                 "optimizer": st.floats(max_value=0, allow_infinity=False).map(lambda lr: f"{{ lr = {lr!r} }}")}


@fuzz("out_of_range")
@given(st.sampled_from([k for k in KEYS if k.path[-1] in _OUT_OF_RANGE]), st.data())
def test_value_out_of_range_is_reported_at_its_line(key: KeyLine, data: st.DataObject) -> None:
    assert_reported_at(_with_value(key, data.draw(_OUT_OF_RANGE[key.path[-1]])), key.line)


_BREAKERS = [
    lambda e, w: f"{e} {w} >", lambda e, w: f"({e} {w}", lambda e, w: f"{e} )", lambda e, w: f"{e} and", lambda e, w: e.replace(">", "=>", 1),
    lambda e, w: re.sub(r"\.([a-z_0-9]+) ", f".zz_{w} ", e, count=1), lambda e, w: f"zz_{w}.x > 1",
    lambda e, w: f"{e} $", lambda e, w: "", lambda e, w: e.replace(".", "..", 1), lambda e, w: f"{e} 1pp",
]
_WORDS = st.text(alphabet=string.ascii_lowercase + string.digits + "_", min_size=1, max_size=8)


@fuzz("broken_expression")
@given(st.sampled_from([k for k in KEYS if k.path[0] == "criteria"]), st.sampled_from(_BREAKERS), _WORDS)
def test_broken_expression_is_reported_at_its_line(key: KeyLine, breaker: object, word: str) -> None:
    broken = breaker(json.loads(key.value), word)  # type: ignore[operator]
    assert_reported_at(_with_value(key, json.dumps(broken)), key.line)


@fuzz("unknown_component")
@given(st.sampled_from([k for k in KEYS if k.path[-1] in ("fn", "source", "trivial") or k.path == ("model", "name")]),
       st.sampled_from(["aucc", "bce_", "kt_syntetic", "gainkt"]) | _WORDS.map(lambda w: "zz_" + w))
def test_unknown_component_is_reported_at_its_line(key: KeyLine, name: str) -> None:
    value = json.dumps([name]) if key.path[-1] == "trivial" else json.dumps(name)
    problems = assert_reported_at(_with_value(key, value), key.line)
    assert any(name in p.message for p in problems if p.line == key.line)


@fuzz("deleted_required")
@given(st.sampled_from([k for k in KEYS if k.path[:2] in REQUIRED or (k.path[0] in ("loss", "metric") and k.path[-1] == "fn")
                        or k.path[0] == "gates" and k.path[-1] == "criteria"]))
def test_deleted_required_key_is_reported_at_its_table(key: KeyLine) -> None:
    problems = assert_reported_at(_replace_line(key, None), _header_line(key))
    assert any("missing" in p.message for p in problems)


@fuzz("noise")
@example(base=0, edits=[(99, 1, "'")] * 3)  # found by this test: three quotes inside a basic string lost every later line
@given(st.sampled_from(range(len(BASES))), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 200),
       st.sampled_from(['"', "'", "[", "]", "=", "{", "}", "#", "\\", ".", ",", " x", "\n", "-", "0", "@"])), min_size=1, max_size=3))
def test_random_noise_in_a_spec_never_raises(base: int, edits: list[tuple[int, int, str]]) -> None:
    lines = BASES[base].splitlines()
    for row, col, char in edits:
        row %= len(lines)
        lines[row] = lines[row][:col] + char + lines[row][col:]
    assert_valid_or_reported("\n".join(lines) + "\n")


@fuzz("cli")
@given(key=st.sampled_from([k for k in KEYS if _strict(k)]), value=st.sampled_from(['"text"', "[1]", "-7"]))
def test_cli_reports_the_line_and_exits_2(key: KeyLine, value: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    text = _with_value(key, value)
    _, problems = check_source("x.toml", text)
    path = case_folder(tmp_path_factory, "cli") / "x.toml"
    path.write_text(text, encoding="utf-8")
    CASES["cli"] += 1
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == (2 if problems else 0), result.output
    for problem in problems:
        assert f"{path}:{problem.line}:" in result.output

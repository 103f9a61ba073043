"""Property tests of the command line on hostile input (hypothesis, through click's ``CliRunner``).

For every case: no exception escapes (no traceback), the exit code is one the CLI documents for that
command, ``check`` imports nothing a spec names, and nothing is written outside the output folder.
Hostile specs go to ``check``; hostile results files to ``judge``; hostile run records to ``report``,
``index`` and ``check --records``; hostile arguments to ``schema``, ``new``, ``list``, ``judge --out``,
``index --into`` and ``run --dry-run``. CI runs the counts below, derandomised; ``scripts/fuzz.sh``
runs a long randomised campaign (``VIFSPEC_FUZZ_SCALE`` times as many cases).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from fuzzing import CASES, case_folder, fuzz
from kt_fixture import ARMS_SPEC, TINY_KT
from test_cli import VERDICT_ONLY
from vifspec.cli import main

EXAMPLES = {"check": 120, "judge": 150, "judge_bytes": 60, "records": 40, "args": 80}
EXITS = {"check": {0, 2}, "judge": {0, 1, 2, 4, 5}, "report": {0, 2, 5}, "index": {0, 2, 5}, "check --records": {0, 1, 2, 4},
         "schema": {0, 2, 5}, "new": {0, 2, 5}, "list": {0, 2}, "run": {0, 2, 5}}
FINDINGS = os.environ.get("VIFSPEC_FUZZ_FINDINGS")  # campaign mode: note each failure in this file and go on


@pytest.fixture(scope="module", autouse=True)
def _report_case_count() -> object:
    yield
    cli = {k: v for k, v in CASES.items() if k.startswith("cli.")}
    print(f"\nvifspec CLI fuzz: {sum(cli.values())} cases run: {cli}")


def invoke(*args: object) -> object:
    """Run one command; assert it ended with a code its ``--help`` documents, and without a traceback."""
    argv = [str(a) for a in args]
    command = "check --records" if argv[:2] == ["check", "--records"] else argv[0]
    CASES[f"cli.{command}"] += 1
    result = CliRunner().invoke(main, argv)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    if FINDINGS and (crashed or result.exit_code not in EXITS[command] or "Traceback" in result.output):
        _note_finding(command, argv, result)
        return result
    if crashed:
        raise AssertionError(f"vifspec {argv}: {type(result.exception).__name__}") from result.exception
    assert result.exit_code in EXITS[command], f"vifspec {argv} exited {result.exit_code}:\n{result.output}"
    assert "Traceback" not in result.output, result.output
    return result


def _note_finding(command: str, argv: list[str], result: object) -> None:
    """One JSON line: the command, the exception and the innermost vifspec frame it passed through."""
    frames = traceback.extract_tb(result.exc_info[2]) if result.exc_info and result.exc_info[2] else []
    ours = [f for f in frames if "/vifspec/" in f.filename.replace("\\", "/")]
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno} {ours[-1].name}" if ours else "-"
    kind = type(result.exception).__name__ if result.exception is not None else f"exit {result.exit_code}"
    line = {"command": command, "error": kind, "where": where, "message": str(result.exception)[:200], "argv": argv[:6]}
    with open(FINDINGS, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


# -- hostile values ---------------------------------------------------------------------------------

HOSTILE_IDS = st.sampled_from([
    "../x", "../../../x", "..", ".", "/tmp/x", "a/b", "a\\b", "", " ", "-x", "a" * 300, "CON", "x\x00y", "é", "a..b",
    "x\ny", "~", "$HOME", "*", "ok-1", "\udcff", "a" * 101,
]) | st.text(min_size=1, max_size=12)
ARGS = HOSTILE_IDS.filter(lambda text: "\x00" not in text)  # argv cannot hold a NUL; it can hold "\udcff" (a non-UTF-8 byte)
IMPORT_PATHS = st.sampled_from([
    ":fn", "..x:fn", "x:", ":", "a::b", "a.:b", ".a:b", "a:b:c", "fuzz_marker_mod:fn", "fuzz_marker_pkg.sub:fn",
    "fuzz_marker_pkg:fn", "no_such_module_zz:fn", "os.path:join", "1a:b", "a-b:c", "a b:c",
])
BIG_INTS = st.sampled_from([2**63, 2**64, 2**70, -(2**63) - 1, 10**30, -1]) | st.integers()
TOML_VALUES = st.one_of(
    BIG_INTS.map(str),
    st.integers(1, 700).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 120).map(lambda n: "{ a = " * n + "1" + " }" * n),
    HOSTILE_IDS.map(json.dumps),
    IMPORT_PATHS.map(json.dumps),
    st.sampled_from(['"a\'\'\'b"', "'''x'''", '"""a"""', '"\\"\\"\\""', "'\"\"\"'", "inf", "nan", "-inf", "1e400"]),
    st.text(max_size=30).map(json.dumps),
)
SPEC_BASES = [TINY_KT.lstrip(), ARMS_SPEC, VERDICT_ONLY.lstrip()]
KEYS = ["seeds", "seed", "epochs", "fn", "source", "name", "id", "weight", "patience", "d_model", "require", "x"]
TABLES = ["train", "data", "model", "loss.bce", "metric.m", "experiment", "criteria", "sweep", "gates.main", "arms.a"]


@st.composite
def hostile_specs(draw: st.DrawFn) -> str:
    """A shipped-style spec with hostile values set, and hostile arms, variants or sweeps added."""
    text = draw(st.sampled_from(SPEC_BASES))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            table, key, value = draw(st.sampled_from(TABLES)), draw(st.sampled_from(KEYS)), draw(TOML_VALUES)
            text += f"\n[{table}]\n{key} = {value}\n"
        elif kind == 1:
            section, name = draw(st.sampled_from(["arms", "variants"])), draw(HOSTILE_IDS)
            text += f"\n[{section}.{json.dumps(name)}]\n\"train.epochs\" = 1\n"
        elif kind == 2:
            values = draw(st.lists(HOSTILE_IDS.map(json.dumps) | BIG_INTS.map(str), min_size=0, max_size=4))
            text += f"\n[sweep]\n{json.dumps(draw(HOSTILE_IDS))} = [{', '.join(values)}]\n"
        else:
            lines = text.splitlines()
            at = draw(st.integers(0, len(lines) - 1))
            lines[at] = lines[at].replace('"', draw(st.sampled_from(["'''", '"""', "\\\"", "'"])), 1)
            text = "\n".join(lines) + "\n"
    return text


@pytest.fixture(scope="module")
def marker_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Modules on sys.path that leave a marker file when imported (check must never import them)."""
    folder = tmp_path_factory.mktemp("marker_modules")
    marker = folder / "IMPORTED"
    code = f"open({str(marker)!r}, 'w').write(__name__)\ndef fn(x): return x\n"
    (folder / "fuzz_marker_mod.py").write_text(code)
    (folder / "fuzz_marker_pkg").mkdir()
    (folder / "fuzz_marker_pkg" / "__init__.py").write_text(code)
    (folder / "fuzz_marker_pkg" / "sub.py").write_text(code)
    sys.path.insert(0, str(folder))
    yield marker
    sys.path.remove(str(folder))


@fuzz(EXAMPLES["check"])
@given(text=hostile_specs())
def test_check_survives_hostile_specs_and_imports_nothing(text: str, marker_modules: Path, tmp_path_factory) -> None:
    path = case_folder(tmp_path_factory, "check") / "x.toml"
    path.write_text(text, encoding="utf-8")
    invoke("check", path)
    assert not marker_modules.exists(), "check imported a module named by the spec"
    assert not {"fuzz_marker_mod", "fuzz_marker_pkg"} & set(sys.modules)


# -- hostile results files ---------------------------------------------------------------------------

NUMBERS = st.one_of(st.floats(), BIG_INTS, st.sampled_from([10**400, -(10**400), 0, 1, True, None]))
JSON_VALUES = st.recursive(
    NUMBERS | st.text(max_size=5) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["metrics", "test", "val", "ood", "auc", "mae", "margin", "baseline", "arms", "a", "b"]), inner, max_size=4),
    max_leaves=12,
)
RESULTS = st.fixed_dictionaries({}, optional={
    "metrics": st.dictionaries(st.sampled_from(["test", "val", "ood"]), st.dictionaries(st.sampled_from(["auc", "mae", "margin"]), NUMBERS | JSON_VALUES, max_size=3), max_size=3) | JSON_VALUES,
    "baseline": JSON_VALUES, "arms": JSON_VALUES,
})
JUDGE_SPECS = {
    "verdict": VERDICT_ONLY,
    "arms": '[experiment]\nid = "a"\n[arms.a]\n[arms.b]\n[criteria]\n"d" = "a.test.auc - b.test.auc >= 10pp"\n"m" = "{a,b}.val.auc > 0.5"\n',
}


def _json_text(value: object) -> str:
    return json.dumps(value, allow_nan=True)


@fuzz(EXAMPLES["judge"])
@given(spec=st.sampled_from(sorted(JUDGE_SPECS)), results=RESULTS | JSON_VALUES, out=st.sampled_from(["", "report.md", "missing/report.md", "blocker/report.md"]))
def test_judge_survives_hostile_results(spec: str, results: object, out: str, tmp_path_factory) -> None:
    folder = case_folder(tmp_path_factory, "judge")
    (folder / "spec.toml").write_text(JUDGE_SPECS[spec], encoding="utf-8")
    (folder / "results.json").write_text(_json_text(results), encoding="utf-8")
    (folder / "blocker").write_text("a file where a folder should be")
    args = ["--out", folder / out] if out else []
    result = invoke("judge", folder / "spec.toml", "--results", folder / "results.json", *args)
    if out.startswith(("missing", "blocker")):
        assert result.exit_code in (2, 5) and not (folder / out).exists()


@fuzz(EXAMPLES["judge_bytes"])
@example(data=b"[" * 100_000)
@example(data=b'{"metrics": {"test": {"auc": ' + b"1" * 5000 + b"}}}")
@example(data=b'{"metrics": {"test": {"auc": 1' + b"0" * 400 + b"}}}")
@example(data=b'{"metrics": {"test": {"auc": "\\ud800"}}}')
@example(data=b"\xff\xfe{}")
@given(data=st.binary(max_size=200) | RESULTS.map(lambda r: _json_text(r).encode()).flatmap(
    lambda raw: st.integers(0, len(raw)).map(lambda cut: raw[:cut])))
def test_judge_survives_hostile_bytes(data: bytes, tmp_path_factory) -> None:
    folder = case_folder(tmp_path_factory, "judge_bytes")
    (folder / "spec.toml").write_text(VERDICT_ONLY, encoding="utf-8")
    (folder / "results.json").write_bytes(data)
    invoke("judge", folder / "spec.toml", "--results", folder / "results.json")


# -- hostile arguments -------------------------------------------------------------------------------

OUT_PATHS = st.sampled_from(["out.md", "missing/out.md", "blocker/out.md", "folder", "ro/out.md", "x" * 300, ".", "folder/"])


@pytest.fixture(scope="module")
def real_record(executed) -> tuple[Path, dict]:
    """A spec and the record of one real run of it (the session's executed runs)."""
    path = executed.root / "runs" / "tiny-kt" / "main" / "seed-0" / "record.json"
    return executed.root / "tiny.toml", json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory, real_record) -> Path:
    """A working folder with a file where a folder is expected, a folder, a read-only folder, a spec and runs."""
    folder = tmp_path_factory.mktemp("args") / "work"
    (folder / "folder").mkdir(parents=True)
    (folder / "blocker").write_text("a file")
    (folder / "ro").mkdir()
    (folder / "ro").chmod(0o555)
    (folder / "spec.toml").write_text(TINY_KT, encoding="utf-8")
    (folder / "runs" / "tiny-kt" / "main").mkdir(parents=True)
    (folder / "runs" / "tiny-kt" / "main" / "record.json").write_text(json.dumps(real_record[1]), encoding="utf-8")
    yield folder
    (folder / "ro").chmod(0o755)


@fuzz(EXAMPLES["args"])
@example(command="index", name="\udcff", extra="")  # found by the campaign: a non-UTF-8 name could not be printed
@given(command=st.sampled_from(["schema", "new", "list", "index", "run"]), name=ARGS | OUT_PATHS, extra=ARGS | OUT_PATHS)
def test_commands_survive_hostile_arguments(command: str, name: str, extra: str, playground: Path) -> None:
    outside = playground.parent
    before = set(outside.iterdir())
    cwd = os.getcwd()
    os.chdir(playground)
    try:
        if command == "schema":
            invoke("schema", "--out", name)
        elif command == "new":
            invoke("new", name, "--dir", extra, "--force")
        elif command == "list":
            invoke("list", name)
        elif command == "index":
            invoke("index", "runs", "--into", name, "--rank-by", extra)
        else:
            invoke("run", "spec.toml", "--dry-run", "--only", name, "--group", extra, "--out", "runs")
    finally:
        os.chdir(cwd)
    # a file the user names (--out, --into, --dir) may be anywhere; nothing else may leave the working folder
    named = {"schema": [name], "index": [name], "new": [f"{extra}/{name}.toml"]}.get(command, [])
    targets = [(playground / n).resolve() for n in named]
    new = {p.resolve() for p in set(outside.iterdir()) - before}
    stray = {p for p in new if not any(p == t or p in t.parents for t in targets)}
    assert not stray, f"written outside the working folder: {stray}"
    for path in new:
        (path.unlink() if path.is_file() else shutil.rmtree(path))


# -- hostile run records (report, index, check --records) ---------------------------------------------


def _mutate(record: dict, data: st.DataObject) -> bytes:
    """A record with a random key removed or set to a hostile value, or its bytes cut, or garbage."""
    how = data.draw(st.sampled_from(["set", "delete", "cut", "garbage", "deep", "digits"]))
    copy = json.loads(json.dumps(record))
    if how in ("set", "delete"):
        node, key = copy, None
        for _ in range(data.draw(st.integers(1, 4))):
            if not isinstance(node, dict) or not node:
                break
            key = data.draw(st.sampled_from(sorted(node)))
            if isinstance(node[key], dict) and node[key] and data.draw(st.booleans()):
                node = node[key]
                continue
            break
        if isinstance(node, dict) and key in node:
            if how == "delete":
                del node[key]
            else:
                node[key] = data.draw(JSON_VALUES | HOSTILE_IDS)
        return _json_text(copy).encode()
    raw = _json_text(copy).encode()
    if how == "cut":
        return raw[: data.draw(st.integers(0, len(raw) - 1))]
    if how == "garbage":
        return data.draw(st.binary(max_size=64))
    if how == "deep":
        return raw.replace(b'"metrics": {', b'"metrics": ' + b"[" * 5000 + b"{", 1)
    return raw.replace(b'"seed": 0', b'"seed": ' + b"9" * 5000, 1)


@fuzz(EXAMPLES["records"])
@given(data=st.data(), command=st.sampled_from(["report", "index", "records"]))
def test_record_readers_survive_hostile_records(data: st.DataObject, command: str, real_record, tmp_path_factory) -> None:
    spec, record = real_record
    runs = case_folder(tmp_path_factory, "runs")
    for variant in ("good", "bad"):
        (runs / "tiny-kt" / variant).mkdir(parents=True)
    (runs / "tiny-kt" / "good" / "record.json").write_text(_json_text({**record, "spec": {**record["spec"], "path": str(spec)}}))
    (runs / "tiny-kt" / "bad" / "record.json").write_bytes(_mutate(record, data))
    if command == "report":
        invoke("report", runs)
    elif command == "index":
        invoke("index", runs, "--into", runs / "INDEX.md", "--rank-by", "test.encoder1_auc")
    else:
        invoke("check", "--records", runs)

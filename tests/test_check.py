"""``vifspec check``: every problem of every file at once, placed; output formats; torch-free; ``new``."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from vifspec.check import check_paths
from vifspec.cli import main
from vifspec.compiler import compile_plans
from vifspec.spec import Spec
from vifspec.starter import write_starter

ROOT = Path(__file__).resolve().parents[1]
BROKEN = """\
[experiment]
id = "broken"

[data]
source = "kt_synthetic"
splits = { train = 0.5, val = 0.2 }

[model]
name = "gain_kt"

[train]
epochs = 3
early_stopping = { monitor = "val.auc1", patience = 0 }

[loss.bce]
fn = "bce"
inputs = { logits = "encoder1_logits", target = "correct" }
wieght = 0.5
"""
DANGLING = """\
[experiment]
id = "dangling"

[data]
source = "kt_synthetic"

[model]
name = "gain_kt"

[train]
epochs = 3

[loss.bce]
fn = "bcee"
inputs = { logits = "encoder1_logits", target = "correct" }

[metric.auc1]
fn = "auc"
inputs = { scores = "encoder1_logits", target = "correct" }

[metrics]
val = ["auc1"]

[criteria]
"AUC" = "test.auc1 > 0.6"

[gates.main]
criteria = ["AUCC"]

[sweep]
"loss.bce.wieght" = [0.5, 1.0]
"""


@pytest.fixture()
def bad_specs(tmp_path: Path) -> Path:
    (tmp_path / "broken.toml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "dangling.toml").write_text(DANGLING, encoding="utf-8")
    (tmp_path / "syntax.toml").write_text('[experiment]\nid = "x\n', encoding="utf-8")
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_valid_specs_exit_0_and_count_files_and_variants() -> None:
    code, out = _run(str(ROOT / "specs"))
    assert code == 0
    outcome = check_paths([str(ROOT / "specs")])
    assert f"checked {len(outcome.files)} spec file(s), {outcome.variants} variant(s): all valid" in out
    assert outcome.variants >= len(outcome.files) >= 2


def test_every_problem_of_every_file_is_reported_at_its_place(bad_specs: Path) -> None:
    code, out = _run(str(bad_specs))
    assert code == 2
    broken, dangling, syntax = (str(bad_specs / n) for n in ("broken.toml", "dangling.toml", "syntax.toml"))
    expected = [
        f"{broken}:6:1: data.splits:",  # do not sum to 1
        f"{broken}:13:42: train.early_stopping.patience: must be >= 1",
        f"{broken}:18:1: loss.bce.wieght: unknown key 'wieght' (did you mean 'weight'?)",
        f"{dangling}:14:1: loss.bce.fn: unknown loss 'bcee' (did you mean 'bce'?)",
        f"{dangling}:25:10: criteria.AUC:",  # test split not produced
        f"{dangling}:28:1: gates.main.criteria: unknown criterion 'AUCC' (did you mean 'AUC'?)",
        f"{dangling}:31:1: sweep.loss.bce.wieght:",  # a sweep key that does not exist
        f"{syntax}:2:",
    ]
    for fragment in expected:
        assert fragment in out, f"{fragment!r} not in:\n{out}"
    assert "sum to 1" in out and "no split 'test'" in out and "does not exist in the spec" in out
    assert "problem(s) in 3 file(s)" in out


def test_github_format_annotates_each_problem(bad_specs: Path) -> None:
    code, out = _run("--format", "github", str(bad_specs / "broken.toml"))
    assert code == 2
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 4  # splits, patience, wieght, and the monitor naming a split [metrics] lacks
    assert any(line.startswith(f"::error file={bad_specs / 'broken.toml'},line=18,col=1,title=vifspec check::loss.bce.wieght: unknown key")
               for line in annotations)


def test_junit_format_has_one_case_per_spec(bad_specs: Path) -> None:
    (bad_specs / "good.toml").write_text((ROOT / "specs" / "v2_baseline.toml").read_text(encoding="utf-8"), encoding="utf-8")
    code, out = _run("--format", "junit", str(bad_specs))
    assert code == 2
    root = ET.fromstring(out.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite.get("name") == "vifspec check"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {str(bad_specs / n) for n in ("broken.toml", "dangling.toml", "syntax.toml", "good.toml")}
    assert all(case.get("classname") == "spec" for case in cases.values())
    assert suite.get("tests") == "4" and suite.get("failures") == "3" and suite.get("errors") == "0"
    assert cases[str(bad_specs / "good.toml")].find("failure") is None
    failure = cases[str(bad_specs / "broken.toml")].find("failure")
    assert failure.get("message") and f"{bad_specs / 'broken.toml'}:18:1:" in failure.text


def test_json_format_for_tools(bad_specs: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "check.json"
    code, _ = _run("--format", "json", "--out", str(out_file), str(bad_specs / "dangling.toml"))
    data = json.loads(out_file.read_text(encoding="utf-8"))
    assert code == data["exit_code"] == 2
    assert data["files"] == [str(bad_specs / "dangling.toml")]
    assert {p["line"] for p in data["problems"]} >= {14, 25, 28, 31}
    assert all(set(p) == {"message", "file", "line", "col", "key"} for p in data["problems"])


def test_check_never_imports_torch() -> None:
    code = ("import sys; from click.testing import CliRunner; from vifspec.cli import main; "
            "r = CliRunner().invoke(main, ['check', 'specs']); print(r.exit_code, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def test_new_writes_a_starter_that_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    result = CliRunner().invoke(main, ["new", "my-exp"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "specs" / "my-exp.toml"
    text = path.read_text(encoding="utf-8")
    assert 'id = "my-exp"' in text and text.count("#") > 20
    plans = compile_plans(path)
    assert [p.variant for p in plans] == ["main"] and plans[0].spec.train.epochs <= 5
    again = CliRunner().invoke(main, ["new", "my-exp"])
    assert again.exit_code == 2 and "already exists" in again.output


def test_new_rejects_an_invalid_id(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="not a valid experiment id"):
        write_starter("bad id!", tmp_path)


def test_schema_file_matches_the_spec_language() -> None:
    stored = json.loads((ROOT / "docs" / "vifspec.schema.json").read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(Spec.model_json_schema())), "regenerate: vifspec schema --out docs/vifspec.schema.json"


def test_pre_commit_hook_runs_vifspec_check() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: vifspec-check\n" in text and "entry: vifspec check\n" in text

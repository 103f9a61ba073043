"""``vifspec check --records``: re-judge stored records, flag amended criteria (pre-registration)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from vifspec.check import amendment_of
from vifspec.cli import main
from vifspec.compiler import load_spec
from vifspec.records import read_record, write_record
from vifspec.records.record import SpecRef
from vifspec.starter import starter_text
from kt_fixture import ARMS_SPEC


@pytest.fixture()
def demo(executed):
    """An executed record of the starter spec, placed at specs/demo.toml, with chosen test metrics."""

    def record(metrics: dict | None = None, **updates):
        spec = SpecRef(path="specs/demo.toml", hash="x")
        return executed.copy("demo", spec=spec, **({"metrics": metrics} if metrics is not None else {}), **updates)

    return record


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "demo.toml"
    spec.write_text(starter_text("demo", "specs/demo.toml"), encoding="utf-8")
    write_record(demo({"test": {"encoder1_auc": 0.7, "gain_std": 0.2}}), "runs/demo/main")
    return tmp_path


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_a_passing_record_exits_0(project: Path) -> None:
    code, out = _check("--records")
    assert code == 0, out
    assert "1 record(s): 1 passed" in out and "checked 1 spec file(s)" in out


def test_a_record_failing_its_gates_exits_1(project: Path, demo) -> None:
    write_record(demo({"test": {"encoder1_auc": 0.5, "gain_std": 0.0}}), "runs/demo/main")
    code, out = _check("--records", "runs")
    assert code == 1
    assert "FAILED: 0/2 criteria met" in out and "gate 'main' 0/2" in out


def test_amended_criteria_are_flagged_with_their_line(project: Path) -> None:
    spec = project / "specs" / "demo.toml"
    text = spec.read_text(encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith('"Gain Std"'))
    spec.write_text(text.replace("test.gain_std > 0.05", "test.gain_std > 0.01"), encoding="utf-8")
    code, out = _check("--records")
    assert code == 2
    assert f"specs/demo.toml:{line}:1: criteria.Gain Std: runs/demo/main/record.json: criteria or gates amended after the run" in out
    assert "'test.gain_std > 0.05' to 'test.gain_std > 0.01'" in out
    junit = ET.fromstring(_check("--records", "--format", "junit")[1].split("\n", 1)[1])
    case = junit.find("testsuite/testcase[@classname='record']")
    assert case.get("name") == "runs/demo/main/record.json" and "amended" in case.find("failure").get("message")


def test_mark_amended_stores_the_amendment_in_the_record(project: Path) -> None:
    spec = project / "specs" / "demo.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('criteria = ["AUC", "Gain Std"]', 'criteria = ["AUC"]'), encoding="utf-8")
    assert _check("--records", "--mark-amended")[0] == 2
    stored = read_record(project / "runs/demo/main").amendment
    assert stored["gates"]["changed"]["main"]["registered"]["criteria"] == ["AUC", "Gain Std"]
    assert stored["gates"]["changed"]["main"]["current"]["criteria"] == ["AUC"]
    assert stored["registered_hash"] != stored["current_hash"] and "gate 'main' changed" in stored["summary"]


def test_amendment_of_names_added_and_removed_criteria(project: Path) -> None:
    record = read_record(project / "runs/demo/main")
    _, spec = load_spec("specs/demo.toml")
    assert amendment_of(record, spec) is None
    record.criteria = {"AUC": record.criteria["AUC"], "Old": "test.encoder1_auc > 0.9"}
    record.criteria_hash = "registered-before"
    amendment = amendment_of(record, spec)
    assert amendment["criteria"]["added"] == {"Gain Std": "test.gain_std > 0.05"}
    assert amendment["criteria"]["removed"] == {"Old": "test.encoder1_auc > 0.9"}


def test_arm_records_are_judged_by_seed_like_run_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, executed) -> None:
    monkeypatch.chdir(tmp_path)
    Path("arms.toml").write_text(ARMS_SPEC, encoding="utf-8")
    aucs = {("a", 0): 0.75, ("b", 0): 0.70, ("a", 1): 0.60, ("b", 1): 0.62}  # seed 1 alone would fail
    for index, original in enumerate(executed.records["arms"]):
        auc = aucs[(original.arm, original.seed)]
        record = executed.copy("arms", index, metrics={"test": {"auc1": auc}},
                               spec=SpecRef(path="arms.toml", hash="x"))
        write_record(record, f"runs/arms-demo/{original.arm}/seed-{original.seed}")
    code, out = _check("--records", "--format", "json")
    data = json.loads(out)
    criterion = data["records"][0]["verdict"]["criteria"][0]
    assert criterion["achieved"] == pytest.approx(((0.75 - 0.70) + (0.60 - 0.62)) / 2)  # the mean of the paired differences
    assert [(s["seed"], s["status"]) for s in criterion["seeds"]] == [("0", "PASS"), ("1", "FAIL")]
    assert code == 4 and {r["status"] for r in data["records"]} == {"inconclusive"}  # two seeds that disagree


def test_unreadable_records_and_missing_specs_are_errors(project: Path, demo) -> None:
    Path("runs/demo/other").mkdir(parents=True)
    Path("runs/demo/other/record.json").write_text("{not json", encoding="utf-8")
    gone = demo({"test": {}}, variant="gone")
    gone.spec.path = "specs/gone.toml"
    write_record(gone, "runs/demo/gone")
    write_record(demo({}, variant="running", status="running"), "runs/demo/running")
    code, out = _check("--records", "--format", "junit")
    assert code == 2
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite.get("errors") == "2" and suite.get("skipped") == "1" and suite.get("tests") == "5"
    assert "specs/gone.toml' was not found" in out and "not a readable record" in out


def test_a_record_whose_criteria_were_edited_by_hand_is_flagged(project: Path) -> None:
    path = project / "runs/demo/main/record.json"
    text = path.read_text(encoding="utf-8").replace("test.gain_std > 0.05", "test.gain_std > 0.0")
    path.write_text(text, encoding="utf-8")
    code, out = _check("--records")
    assert code == 2 and "edited after the run: they no longer match the hash it registered" in out

"""A model in the researcher's own file, named ``"module:Class"``, is found beside the spec or in the
working directory without ``PYTHONPATH``; ``check`` finds it there without importing it, ``run`` imports it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vifspec.cli import main
from vifspec.records.record import FAILED_STATUSES, RUNNING

NET = """\
import pathlib
import torch
from torch import nn

pathlib.Path(__file__).with_name("IMPORTED").write_text(__name__)


class Net(nn.Module):
    def __init__(self, input_dim, hidden=8):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(input_dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, batch):
        logits = self.net(batch["x"].float()).squeeze(-1)
        return {"logits": logits, "probs": torch.sigmoid(logits)}
"""

SPEC = """\
[experiment]
id = "own-model"

[data]
source = "tabular_synthetic"
params = {{ n = 200, tier = "a20", positive_rate = 0.3 }}

[model]
name = "{module}:Net"
params = {{ hidden = 8 }}

[train]
epochs = 2
batch_size = 32
optimizer = {{ name = "adamw", lr = 0.003 }}
seeds = [0]
device = "cpu"
checkpoint = false

[loss.main]
fn = "bce"
inputs = {{ logits = "logits", target = "target" }}

[metric.auc]
fn = "auc"
inputs = {{ scores = "probs", target = "target" }}

[metrics]
val = ["auc"]
test = ["auc"]

[criteria]
"AUC" = "test.auc > 0.5"
"""


def _project(tmp_path: Path, module: str, code_in: str) -> tuple[Path, Path]:
    """``tmp_path/project/specs/exp.toml`` naming ``module:Net``; the module written in ``code_in``
    (``"specs"``: beside the spec, ``"project"``: the folder a user works in)."""
    specs = tmp_path / "project" / "specs"
    specs.mkdir(parents=True)
    spec = specs / "exp.toml"
    spec.write_text(SPEC.format(module=module), encoding="utf-8")
    code = specs if code_in == "specs" else tmp_path / "project"
    (code / f"{module}.py").write_text(NET, encoding="utf-8")
    return spec, code


@pytest.fixture
def forget(monkeypatch: pytest.MonkeyPatch):
    """Drop the test's module from ``sys.modules`` afterwards (each test imports its own)."""
    names: list[str] = []
    yield names.append
    for name in names:
        sys.modules.pop(name, None)


def _trained(out: Path) -> dict:
    record = json.loads((out / "own-model" / "main" / "record.json").read_text(encoding="utf-8"))
    assert record["status"] not in (RUNNING, *FAILED_STATUSES), record.get("stop_reason")
    return record


def test_a_model_beside_the_spec_is_checked_without_import_and_run_from_another_folder(tmp_path, monkeypatch, forget):
    spec, code = _project(tmp_path, "ownnet_beside", "specs")
    forget("ownnet_beside")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path_before = list(sys.path)

    checked = CliRunner().invoke(main, ["check", str(spec)])
    assert checked.exit_code == 0, checked.output
    assert not (code / "IMPORTED").exists() and "ownnet_beside" not in sys.modules

    result = CliRunner().invoke(main, ["run", str(spec), "--out", str(tmp_path / "runs"), "--quiet"])
    assert result.exit_code in (0, 1, 4), result.output
    assert (code / "IMPORTED").read_text() == "ownnet_beside"
    assert _trained(tmp_path / "runs")["model"]["param_count"] > 0
    assert sys.path == path_before  # the folders were on the search path only while the spec ran


def test_a_model_in_the_working_directory_is_found(tmp_path, monkeypatch, forget):
    spec, code = _project(tmp_path, "ownnet_cwd", "project")
    forget("ownnet_cwd")
    monkeypatch.chdir(code)
    result = CliRunner().invoke(main, ["run", str(spec), "--out", str(tmp_path / "runs"), "--quiet"])
    assert result.exit_code in (0, 1, 4), result.output
    assert (code / "IMPORTED").read_text() == "ownnet_cwd"
    _trained(tmp_path / "runs")


def test_a_model_in_neither_folder_is_a_spec_error_saying_where_it_was_looked_for(tmp_path, monkeypatch):
    spec, code = _project(tmp_path, "ownnet_nowhere", "specs")
    (code / "ownnet_nowhere.py").unlink()
    monkeypatch.chdir(tmp_path)
    for command in (["check", str(spec)], ["run", str(spec), "--out", str(tmp_path / "runs"), "--quiet"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        assert "model.name" in result.output and "ownnet_nowhere" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "runs" / "own-model").exists()

"""``vifspec check --deep`` and ``vifspec run``: mistakes that need the data or the model, found before
any training, each at its own line (the prepare phase)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spec_parts import BCE_AND_AUC
from vifspec.cli import main

SPEC = """\
[experiment]
id = "deep"

[data]
source = "table.csv"
params = { fields = { x = ["a", "b"], target = "label" } }

[model]
name = "mlp"
params = { hidden = [4] }

[train]
epochs = 1
device = "cpu"

""" + BCE_AND_AUC + """
[metrics]
val = ["auc"]
test = ["auc"]

[sweep]
"train.epochs" = [1, 2]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A spec in a sub-folder beside its CSV file; the working directory is elsewhere."""
    pd = pytest.importorskip("pandas")
    folder = tmp_path / "experiments"
    folder.mkdir()
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    table["label"] = (table.a + table.b > 0).astype(int)
    table.to_csv(folder / "table.csv", index=False)
    monkeypatch.chdir(tmp_path)
    return folder


def _write(project: Path, old: str = "", new: str = "") -> tuple[Path, list[str]]:
    text = SPEC.replace(old, new) if old else SPEC
    path = project / "spec.toml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines()


def _line(lines: list[str], fragment: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


def _invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


CASES = [  # (change, fragment on the line to expect, message fragment)
    (('x = ["a", "b"]', 'x = ["a", "bb"]'), 'params = { fields', "has no column 'bb' (did you mean 'b'?)"),
    (('logits = "logits", target = "target" }\n\n[metric', 'logits = "logitz", target = "target" }\n\n[metric'),
     'logits = "logitz"', "no model output, batch field or parameter named 'logitz' (did you mean 'logits'?)"),
    (('"train.epochs" = [1, 2]', '"model.params.hiden" = [[4], [8]]'), '"model.params.hiden"',
     "unknown parameter 'hiden' (did you mean 'hidden'?)"),
    (('test = ["auc"]', 'test = ["auc"]\nood = ["auc"]'), 'ood = ["auc"]', "the dataset has no split 'ood'"),
    (('params = { hidden = [4] }', 'params = { hidden = [4], dropout = 2.0 }'), "params = { hidden = [4], dropout",
     "dropout must be in [0, 1), got 2.0"),
]


@pytest.mark.parametrize(("change", "where", "message"), CASES)
def test_check_deep_and_run_report_the_problem_at_its_line_before_training(project, change, where, message) -> None:
    path, lines = _write(project, *change)
    assert _invoke("check", str(path)).exit_code == 0  # plain check cannot see it (nor import torch)
    deep = _invoke("check", "--deep", str(path))
    assert deep.exit_code == 2
    assert f"{path}:{_line(lines, where)}:" in deep.output and message in deep.output
    run = _invoke("run", str(path), "--out", "runs")
    assert run.exit_code == 2 and message in run.output and "Traceback" not in run.output
    assert not Path("runs").exists()  # nothing trained, nothing written


def test_a_problem_of_several_variants_is_reported_once_naming_them(project) -> None:
    path, _ = _write(project, '"train.epochs" = [1, 2]', '"model.params.hiden" = [[4], [8]]')
    out = _invoke("check", "--deep", str(path)).output
    assert out.count("unknown parameter 'hiden'") == 1 and "(variant hiden=4, hiden=8)" in out


def test_a_registered_metric_without_its_binding_is_placed_at_the_metrics_list(project) -> None:
    path, lines = _write(project, '[metric.auc]\nfn = "auc"\ninputs = { scores = "logits", target = "target" }\n', "")
    out = _invoke("check", "--deep", str(path)).output
    assert f"{path}:{_line(lines, 'val = ')}:1: metrics.val: 'auc' needs input 'scores'" in out
    assert "bind it in a [metric.auc] table" in out


def test_a_valid_spec_passes_deep_and_data_paths_resolve_beside_the_spec(project) -> None:
    path, _ = _write(project)
    assert _invoke("check", "--deep", str(path)).exit_code == 0
    run = _invoke("run", str(path), "--out", "runs")
    assert run.exit_code in (0, 1, 4), run.output
    assert len(list(Path("runs").rglob("record.json"))) == 2

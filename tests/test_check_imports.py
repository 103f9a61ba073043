"""``vifspec check`` executes nothing a spec names unless asked (``--import``): a module in the repository
it checks may be hostile. An import path is checked for its form and for a module that can be found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kt_fixture import TINY_KT
from vifspec.cli import main

HOSTILE = "import pathlib\npathlib.Path(__file__).with_name('IMPORTED-' + __name__).write_text('ran')\n"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A checked-out repository: a spec naming a module, a package and a submodule that run code when imported."""
    (tmp_path / "evilmod.py").write_text(HOSTILE + "def loss(x):\n    return x.mean()\n")
    (tmp_path / "evilpkg").mkdir()
    (tmp_path / "evilpkg" / "__init__.py").write_text(HOSTILE)
    (tmp_path / "evilpkg" / "metrics.py").write_text(HOSTILE + "def score(x):\n    return 0.0\nscore.higher_is_better = True\n")
    spec = TINY_KT + (
        '\n[loss.extra]\nfn = "evilmod:loss"\ninputs = { x = "gains" }\n'
        '\n[metric.score]\nfn = "evilpkg.metrics:score"\ninputs = { x = "gains" }\n'
    )
    spec = spec.replace('test = ["encoder1_auc", "gain_std"]', 'test = ["encoder1_auc", "gain_std", "score"]')
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "x.toml").write_text(spec)
    return tmp_path


def imported(repository: Path) -> list[str]:
    return sorted(p.name for p in repository.rglob("IMPORTED-*"))


def test_python_m_check_with_the_repository_on_sys_path_imports_nothing(repository: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(repository)}  # as CI does with PYTHONPATH=. ; python -m adds the cwd too
    done = subprocess.run([sys.executable, "-m", "vifspec", "check"], cwd=repository, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "1 spec file(s)" in done.stderr + done.stdout
    assert imported(repository) == []


def test_check_imports_nothing_in_process(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(repository))
    result = CliRunner().invoke(main, ["check", str(repository / "specs")])
    assert result.exit_code == 0, result.output
    assert imported(repository) == []
    assert not {"evilmod", "evilpkg", "evilpkg.metrics"} & set(sys.modules)


def test_check_import_opts_in_and_checks_the_objects(repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(repository))
    spec = repository / "specs" / "x.toml"
    spec.write_text(spec.read_text().replace('inputs = { x = "gains" }\n\n[metric.score]', 'inputs = { y = "gains" }\n\n[metric.score]'))
    for name in ("evilmod", "evilpkg", "evilpkg.metrics"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    result = CliRunner().invoke(main, ["check", "--import", str(spec)])
    assert imported(repository) == ["IMPORTED-evilmod", "IMPORTED-evilpkg", "IMPORTED-evilpkg.metrics"]
    assert result.exit_code == 2 and "'evilmod:loss' has no input 'y'" in result.output  # the object's inputs were checked


def test_a_module_that_cannot_be_found_is_a_spec_error(write_spec) -> None:
    spec = write_spec(TINY_KT.replace('fn = "bce"', 'fn = "no_such_package_zz.sub:loss"'))
    result = CliRunner().invoke(main, ["check", str(spec)])
    line = spec.read_text().splitlines().index('fn = "no_such_package_zz.sub:loss"') + 1
    assert result.exit_code == 2
    assert f"{spec}:{line}:1: loss.bce.fn: cannot find module 'no_such_package_zz.sub'" in result.output


def test_a_missing_submodule_of_a_package_is_found_missing_without_importing_the_package(repository, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(repository))
    spec = repository / "specs" / "x.toml"
    spec.write_text(spec.read_text().replace("evilpkg.metrics:score", "evilpkg.nope:score"))
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert result.exit_code == 2 and "cannot find module 'evilpkg.nope'" in result.output
    assert imported(repository) == []


@pytest.mark.parametrize("target", [":fn", "..x:fn", "x:", "a.:b", "a:b:c", "1a:b", "a-b:c"])
def test_malformed_import_paths_explain_the_form(write_spec, target: str) -> None:
    spec = write_spec(TINY_KT.replace('fn = "bce"', f'fn = "{target}"'))
    for command in (["check"], ["plan"]):
        result = CliRunner().invoke(main, [*command, str(spec)])
        assert result.exit_code == 2, result.output
        assert f"loss.bce.fn: '{target}' is not an import path of the form 'package.module:object'" in result.output
        assert "Traceback" not in result.output


def test_import_failure_inside_the_module_is_a_spec_error(tmp_path: Path, write_spec, monkeypatch) -> None:
    (tmp_path / "brokenmod.py").write_text("raise RuntimeError('half-written module')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = write_spec(TINY_KT.replace('fn = "bce"', 'fn = "brokenmod:loss"'))
    result = CliRunner().invoke(main, ["check", "--import", str(spec)])
    assert result.exit_code == 2
    assert "importing 'brokenmod' for 'brokenmod:loss' failed: RuntimeError: half-written module" in result.output

"""check, judge, report and the verdict path never import torch (they must start fast)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from click.testing import CliRunner
from vifspec.cli import main
result = CliRunner().invoke(main, {args!r})
assert result.exit_code in (0, 1, 4), result.output
import vifspec.verdict, vifspec.report, vifspec.compiler, vifspec.check
print('torch' in sys.modules)
"""


def torch_loaded(args: list[str]) -> bool:
    out = subprocess.run([sys.executable, "-c", CODE.format(args=args)], capture_output=True, text=True, check=True)
    return out.stdout.strip().endswith("True")


def test_check_does_not_import_torch():
    assert not torch_loaded(["check", "specs"])


def test_list_and_schema_do_not_import_torch():
    assert not torch_loaded(["list"])
    assert not torch_loaded(["schema"])


def test_judge_does_not_import_torch(tmp_path):
    spec = tmp_path / "v.toml"
    spec.write_text('[experiment]\nid = "v"\n[criteria]\n"a" = "test.auc > 0.5"\n')
    results = tmp_path / "r.json"
    results.write_text('{"metrics": {"test": {"auc": 0.7}}}')
    assert not torch_loaded(["judge", str(spec), "--results", str(results)])


def test_report_with_figures_does_not_import_torch(executed):
    assert not torch_loaded(["report", str(executed.root / "runs" / "tiny-kt")])

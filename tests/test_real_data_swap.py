"""A researcher's own data: swap [data] for a file and keep the rest of a shipped spec."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from vifspec.cli import main

SPEC = Path(__file__).resolve().parents[1] / "specs" / "feature_tracker.toml"


def test_feature_tracker_runs_on_an_npz_file(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, 12)).astype(np.float32)
    target = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=600) > 1.2).astype(np.float32)
    np.savez(tmp_path / "mine.npz", x=x, target=target)
    text = SPEC.read_text()
    text = re.sub(r'source = "tabular_synthetic"\nparams = \{[^}]*\}', f'source = "{tmp_path / "mine.npz"}"', text)
    text = text.replace("epochs = 6", "epochs = 2")
    spec = tmp_path / "mine.toml"
    spec.write_text(text)

    out = tmp_path / "runs"
    result = CliRunner().invoke(main, ["run", str(spec), "--only", "FE-02", "--out", str(out)])
    assert result.exit_code in (0, 1, 4), result.output
    record = json.loads((out / "feature-tracker" / "FE-02" / "record.json").read_text())
    assert record["model"]["n_train"] == 420  # 70% of the file's 600 rows
    assert record["status"] in ("completed", "early_stopped", "collapsed")
    assert record["metrics"]["test"]["auc"] is not None

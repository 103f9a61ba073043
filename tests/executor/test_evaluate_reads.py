"""An evaluation computes the model outputs its metrics, loss and tracking read, and skips the rest."""

from __future__ import annotations

import vifspec
from vifspec.models.ordinal.critic import OrdinalCritic

from executor.test_together import CRITIC

CALIBRATED = CRITIC.replace("dropout = 0.3 }", "dropout = 0.3, mc_samples = 5 }").replace("seeds = [0, 1, 2]", "seeds = [0]") + """
[metric.calibration]
fn = "error_uncertainty"
inputs = { uncertainty = "mc_std", preds = "mc_mean", target = "target" }
"""


def _mc_passes(write_spec, tmp_path, monkeypatch, epochs: int, test: str) -> tuple[int, dict]:
    calls = []
    original = OrdinalCritic.mc_dropout
    monkeypatch.setattr(OrdinalCritic, "mc_dropout", lambda self, x: calls.append(1) or original(self, x))
    text = CALIBRATED.replace("epochs = 3", f"epochs = {epochs}").replace('test = ["qwk", "mae"]', f"test = {test}")
    (plan,) = vifspec.compile(write_spec(text, f"calibrated{epochs}.toml"))
    record = vifspec.run(plan, out=tmp_path / f"runs{epochs}", progress=False)
    return len(calls), record.metrics["test"]


def test_monte_carlo_passes_run_only_where_a_metric_reads_them(write_spec, tmp_path, monkeypatch):
    two, metrics = _mc_passes(write_spec, tmp_path, monkeypatch, 2, '["qwk", "calibration"]')
    five, _ = _mc_passes(write_spec, tmp_path, monkeypatch, 5, '["qwk", "calibration"]')
    assert two == five > 0  # the validation metrics (qwk, mae) never read mc_std: no pass per epoch
    assert metrics["calibration"] is not None
    none_read, _ = _mc_passes(write_spec, tmp_path, monkeypatch, 2, '["qwk"]')
    assert none_read == two - 1  # the test split's one batch is gone; the prepare phase's probe remains

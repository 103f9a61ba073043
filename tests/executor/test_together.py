"""Seeds trained together give the records each seed gives alone; variants that cannot fall back."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

import vifspec
from kt_fixture import TINY_KT
from mlp_fixture import MLP_SPEC
from vifspec.cli import main
from vifspec.executor.together import run_together, together_support
from vifspec.prepare.prepare import prepare
from vifspec.registry import default_registry

CRITIC = """
[experiment]
id = "critic-seeds"

[data]
source = "ordinal_synthetic"
params = { n = 300, encoder_dim = 32, window = 1, extra = 4 }

[model]
name = "ordinal_critic"
params = { head = "coral", hidden_dim = 16, dropout = 0.3 }

[train]
epochs = 3
batch_size = 32
optimizer = { name = "adamw", lr = 0.003 }
seeds = [0, 1, 2]
device = "cpu"
checkpoint = false

[train.schedule]
name = "onecycle"

[loss.main]
fn = "coral"

[metric.qwk]
fn = "qwk"
inputs = { preds = "label", target = "target" }

[metric.mae]
fn = "mae"
inputs = { preds = "label", target = "target" }

[metrics]
val = ["qwk", "mae"]
test = ["qwk", "mae"]
"""


def _alone_and_together(path, tmp_path):
    plans = vifspec.compile(path)
    together = run_together(plans, out=str(tmp_path / "together"), progress=False)
    alone = [vifspec.run(plan, out=tmp_path / "alone", progress=False) for plan in plans]
    return together, alone


def _assert_same_runs(together, alone, tolerance=1e-5):
    for mine, reference in zip(together, alone, strict=True):
        assert (mine.seed, mine.status, mine.stop_reason) == (reference.seed, reference.status, reference.stop_reason)
        assert mine.epochs == reference.epochs
        assert mine.plan_hash == reference.plan_hash
        for epoch, ref_epoch in zip(mine.history, reference.history, strict=True):
            assert epoch.lr == pytest.approx(ref_epoch.lr)
            assert epoch.train.loss == pytest.approx(ref_epoch.train.loss, abs=tolerance)
            assert epoch.val == pytest.approx(ref_epoch.val, abs=tolerance)
        assert mine.metrics.keys() == reference.metrics.keys()
        for split, values in mine.metrics.items():
            assert values == pytest.approx(reference.metrics[split], abs=tolerance)
        assert mine.verdict["status"] == reference.verdict["status"]


def test_mlp_seeds_together_equal_each_seed_alone(write_spec, tmp_path):
    """Dropout, shuffling, early stopping (patience 1), norm clipping per seed and a loss term bound
    to a parameter: each seed's record is the one its own run writes."""
    path = write_spec(MLP_SPEC)
    assert str(together_support(prepare(vifspec.compile(path)[0], default_registry()))) == "together"
    together, alone = _alone_and_together(path, tmp_path)
    _assert_same_runs(together, alone)
    assert len({len(r.history) for r in alone}) == 3  # each seed stops at its own epoch
    assert len({r.metrics["test"]["auc"] for r in together}) == 3


def test_ordinal_critic_seeds_together_equal_each_seed_alone(write_spec, tmp_path):
    """LayerNorm, GELU, dropout 0.3, the CORAL loss and a per-step one-cycle schedule."""
    path = write_spec(CRITIC)
    assert str(together_support(prepare(vifspec.compile(path)[0], default_registry()))) == "together"
    together, alone = _alone_and_together(path, tmp_path)
    _assert_same_runs(together, alone)
    assert together[0].history[0].train.loss != together[1].history[0].train.loss  # own initialisation and batches


def test_a_gru_model_trains_its_seeds_one_by_one_with_the_same_records(write_spec, tmp_path):
    path = write_spec(TINY_KT.replace("seeds = [0]", "seeds = [0, 1]"))
    support = together_support(prepare(vifspec.compile(path)[0], default_registry()))
    assert not support.together and "gru" in support.reason.lower()
    together, alone = _alone_and_together(path, tmp_path)
    _assert_same_runs(together, alone, tolerance=0.0)


def test_a_plateau_schedule_keeps_seeds_apart(write_spec):
    path = write_spec(CRITIC.replace('name = "onecycle"', 'name = "plateau"\nmonitor = "val.qwk"'))
    support = together_support(prepare(vifspec.compile(path)[0], default_registry()))
    assert not support.together and "plateau" in support.reason


def test_a_large_step_on_a_cpu_trains_its_seeds_one_by_one(write_spec, monkeypatch):
    """The critic here has 1,268 trainable parameters (input 32 + 4 = 36: Linear(36, 16) 592, Linear(16, 16)
    272, two LayerNorm(16) 32 each, the head Linear(16, 10 x 2) 340) and batches of 32 rows: 40,576 a step."""
    from vifspec.executor import together

    prepared = prepare(vifspec.compile(write_spec(CRITIC))[0], default_registry())
    monkeypatch.setattr(together, "CPU_STEP_LIMIT", 40_576)
    assert together_support(prepared).together
    monkeypatch.setattr(together, "CPU_STEP_LIMIT", 40_575)
    support = together_support(prepared)
    assert not support.together and "1,268 parameters x 32 rows" in support.reason


def test_plan_says_how_each_variants_seeds_train(write_spec):
    critic = write_spec(CRITIC, "critic.toml")
    kt = write_spec(TINY_KT, "kt.toml")
    together = CliRunner().invoke(main, ["plan", str(critic)])
    assert together.exit_code == 0, together.output
    assert re.search(r"\| together\s+\|", together.output)
    alone = CliRunner().invoke(main, ["plan", str(kt), "--seeds", "2"])
    assert alone.exit_code == 0, alone.output
    assert "one by one: RuntimeError: Batching rule not implemented for aten::gru" in alone.output
    one = CliRunner().invoke(main, ["plan", str(kt)])
    assert "one seed" in one.output

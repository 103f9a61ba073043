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


DATA_CODE = '''
from pathlib import Path

import numpy as np
import torch

from vifspec.data import DataBundle


def _bundle(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5))
    target = (x[:, 0] + rng.logistic(size=n) > 0).astype("float32")
    Path(__file__).with_name("loads.txt").open("a").write("load\\n")
    return DataBundle(fields={"x": torch.tensor(x, dtype=torch.float32), "target": torch.tensor(target)}, info={"input_dim": 5})


def own_generator(*, seed, n=300):
    return _bundle(seed, n)


def global_draw(*, seed, n=300):
    torch.rand(1)  # a draw from the global generator: the data could depend on the plan's seed
    return _bundle(seed, n)


def reseeds(*, seed, n=300):
    torch.manual_seed(seed)  # the data seed: from then on every seed's model would start alike
    return _bundle(seed, n)
'''


def _shared_load_spec(write_spec, source: str) -> str:
    module = f"data_{source}"  # one module per case: an imported module stays in sys.modules
    path = write_spec(MLP_SPEC.replace('source = "tabular_synthetic"', f'source = "{module}:{source}"')
                      .replace('params = { n = 400, tier = "a20", positive_rate = 0.3 }', "params = { n = 300 }")
                      .replace("seeds = [0, 1, 2]", "seeds = [0, 1, 2, 3]"))
    (path.parent / f"{module}.py").write_text(DATA_CODE)
    return path


@pytest.mark.parametrize(("source", "loads"), [("own_generator", 2), ("global_draw", 4), ("reseeds", 4)])
def test_seeds_together_load_the_data_once_it_is_known_not_to_depend_on_the_seed(write_spec, tmp_path, source, loads):
    """Two seeds' loads that leave the global generators alone and agree: the others use their data.
    A load that draws from them, or reseeds them, runs for every seed, so each record stays its own run's."""
    path = _shared_load_spec(write_spec, source)
    plans = vifspec.compile(path)
    loads_file = path.parent / "loads.txt"
    together = run_together(plans, out=str(tmp_path / "together"), progress=False)
    assert len(loads_file.read_text().splitlines()) == loads
    alone = [vifspec.run(plan, out=tmp_path / "alone", progress=False) for plan in plans]
    _assert_same_runs(together, alone)

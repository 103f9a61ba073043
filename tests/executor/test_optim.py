"""Optimizers, learning-rate schedules, gradient clipping and autocast of [train]."""

from __future__ import annotations

import json
import math

import pytest
import torch
from click.testing import CliRunner

from vifspec.facts import MetricFacts
from vifspec.cli import main
from vifspec.executor.optim import LrSchedule, autocast, build_optimizer, clip_gradients
from vifspec.spec.train import GradClip, Optimizer, Schedule

LR = 0.1


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


def _epoch_lrs(cfg: dict, epochs: int, val=None) -> list[float]:
    optimizer = torch.optim.SGD(_model().parameters(), lr=LR)
    schedule = LrSchedule(optimizer, Schedule(**cfg), epochs, steps_per_epoch=4, facts={"acc": MetricFacts("accuracy", True)})
    lrs = []
    for epoch in range(1, epochs + 1):
        lrs.append(schedule.lr)
        for _ in range(4):
            optimizer.step()
            schedule.after_step()
        schedule.after_epoch(epoch, (val or (lambda e: {}))(epoch))
    return lrs


def test_optimizer_knobs_reach_torch() -> None:
    sgd = build_optimizer(_model(), Optimizer(name="sgd", lr=0.5, momentum=0.9, nesterov=True, weight_decay=0.01))
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.defaults["nesterov"] and sgd.defaults["momentum"] == 0.9 and sgd.defaults["weight_decay"] == 0.01
    adam = build_optimizer(_model(), Optimizer(name="adam", betas=(0.8, 0.99), eps=1e-6, amsgrad=True))
    assert type(adam) is torch.optim.Adam and adam.defaults["betas"] == (0.8, 0.99)
    assert adam.defaults["eps"] == 1e-6 and adam.defaults["amsgrad"]
    adamw = build_optimizer(_model(), Optimizer())
    assert type(adamw) is torch.optim.AdamW and adamw.defaults["betas"] == (0.9, 0.999)


def test_step_schedule() -> None:
    lrs = _epoch_lrs({"name": "step", "step_size": 2, "gamma": 0.5}, 6)
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_cosine_after_linear_warmup() -> None:
    lrs = _epoch_lrs({"name": "cosine", "warmup_epochs": 3, "min_lr": 0.01}, 8)
    warm = [LR * e / 4 for e in (1, 2, 3)]
    cosine = [0.01 + (LR - 0.01) * (1 + math.cos(math.pi * t / 5)) / 2 for t in range(5)]
    assert lrs == pytest.approx(warm + cosine)


def test_onecycle_moves_every_step_from_low_to_peak_to_lower() -> None:
    optimizer = torch.optim.SGD(_model().parameters(), lr=LR, momentum=0.9)
    schedule = LrSchedule(optimizer, Schedule(name="onecycle", max_lr=1.0, pct_start=0.25), 5, steps_per_epoch=8)
    lrs = []
    for epoch in range(1, 6):
        for _ in range(8):
            lrs.append(schedule.lr)
            optimizer.step()
            schedule.after_step()
        schedule.after_epoch(epoch, {})
    assert lrs[0] == pytest.approx(1.0 / 25)  # torch's default div_factor
    assert max(lrs) == pytest.approx(1.0, rel=1e-3) and lrs.index(max(lrs)) == 9  # step 25% x 40 - 1, as torch counts
    assert lrs[-1] < lrs[0] / 100


def test_plateau_cuts_the_lr_when_the_monitor_stalls_in_its_own_direction() -> None:
    rising_loss = _epoch_lrs({"name": "plateau", "patience": 1, "factor": 0.5, "monitor": "val.loss"}, 5,
                             val=lambda e: {"loss": float(e)})
    assert rising_loss == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05])
    rising_acc = _epoch_lrs({"name": "plateau", "patience": 1, "factor": 0.5, "monitor": "val.acc"}, 5,
                            val=lambda e: {"acc": float(e)})
    assert rising_acc == pytest.approx([0.1] * 5)  # accuracy improves: no cut


def test_plateau_after_warmup() -> None:
    lrs = _epoch_lrs({"name": "plateau", "warmup_epochs": 2, "patience": 0, "factor": 0.5, "monitor": "val.loss"}, 5,
                     val=lambda e: {"loss": 1.0})
    assert lrs == pytest.approx([LR / 3, 2 * LR / 3, LR, LR, LR / 2])  # epoch 3 sets the best, epoch 4 stalls


def test_clip_by_value_then_by_norm() -> None:
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    for p in model.parameters():
        p.grad = torch.full_like(p, 3.0)
    clip_gradients(optimizer, GradClip(value=2.0))
    assert all(torch.equal(p.grad, torch.full_like(p, 2.0)) for p in model.parameters())
    clip_gradients(optimizer, GradClip(norm=1.0))
    total = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
    assert float(total) == pytest.approx(1.0, rel=1e-5)
    clip_gradients(optimizer, None)


def test_autocast_is_a_no_op_off_cuda() -> None:
    with autocast(torch.device("cpu"), "bf16"):
        out = torch.nn.Linear(3, 2)(torch.randn(4, 3))
    assert out.dtype == torch.float32


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_autocast_runs_bf16_on_cuda() -> None:
    layer = torch.nn.Linear(3, 2).cuda()
    with autocast(torch.device("cuda"), "bf16"):
        out = layer(torch.randn(4, 3, device="cuda"))
    assert out.dtype == torch.bfloat16


SPEC = """
[experiment]
id = "optim-spec"

[data]
source = "tabular_synthetic"
params = {{ n = 600, tier = "a20", positive_rate = 0.2 }}

[model]
name = "mlp"
params = {{ hidden = [8] }}

[train]
epochs = 4
batch_size = 100
device = "cpu"
{train}

[loss.main]
fn = "bce"
inputs = {{ logits = "logits", target = "target" }}

[metrics]
val = ["loss"]
test = ["auc"]

[metric.auc]
fn = "auc"
inputs = {{ scores = "logits", target = "target" }}
"""


def test_a_spec_with_schedule_clip_and_optimizer_knobs_trains(write_spec, tmp_path) -> None:
    train = """optimizer = { name = "sgd", lr = 0.2, momentum = 0.9, nesterov = true }
schedule = { name = "step", step_size = 1, gamma = 0.5, warmup_epochs = 1 }
grad_clip = { norm = 1.0, value = 0.5 }
autocast = "bf16"
"""
    out = tmp_path / "runs"
    result = CliRunner().invoke(main, ["run", str(write_spec(SPEC.format(train=train))), "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "optim-spec" / "main" / "record.json").read_text())
    assert [entry["lr"] for entry in record["history"]] == pytest.approx([0.1, 0.2, 0.1, 0.05])
    assert record["metrics"]["test"]["auc"] > 0.6


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ('schedule = { name = "cosine", step_size = 2 }', r"16:1: train.schedule: .*'step_size' applies to step schedules"),
        ('schedule = { name = "onecycle", warmup_epochs = 1 }', "onecycle warms up by itself"),
        ('schedule = { name = "plateau", monitor = "val.auc" }', r"train.schedule.monitor: 'val.auc': metric 'auc' is not computed on 'val'"),
        ('optimizer = { name = "adamw", nesterov = true }', "'nesterov' applies to sgd optimizers"),
        ('optimizer = { name = "sgd", nesterov = true }', "nesterov needs momentum > 0"),
        ('grad_clip = { norm_type = 1.0 }', "give norm, value or both"),
        ('autocast = "fp8"', "train.autocast"),
    ],
)
def test_bad_training_options_are_spec_errors_at_their_line(write_spec, train, message) -> None:
    result = CliRunner().invoke(main, ["check", str(write_spec(SPEC.format(train=train)))])
    assert result.exit_code == 2, result.output
    assert __import__("re").search(message, result.output), result.output

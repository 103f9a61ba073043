"""The executor: records, determinism, early stopping, schedules, guards, crashes, checkpoints."""

from __future__ import annotations

import pytest
import torch

import vifspec
from vifspec.errors import SpecError, TrainingCrash
from vifspec.executor.lossmix import schedule_factor
from vifspec.facts import facts_of
from vifspec.records import read_record
from vifspec.spec import LossTerm
from kt_fixture import TINY_KT


def run_one(path, out, **options):
    (plan,) = vifspec.compile(path)
    return vifspec.run(plan, out=out, progress=False, **options), plan


def test_record_holds_history_metrics_and_verdict(tiny_kt, tmp_path):
    record, plan = run_one(tiny_kt, tmp_path / "runs")
    on_disk = read_record(plan.run_dir(tmp_path / "runs"))
    assert on_disk == record and on_disk.plan_hash == plan.hash
    assert on_disk.status in ("completed", "early_stopped")
    assert 1 <= len(on_disk.history) <= 3
    first = on_disk.history[0].train.terms
    assert first["variance"].weight == 0.0 and first["bce"].weight == 0.5  # start_epoch = 2
    assert first["bce"].weighted == pytest.approx(first["bce"].raw * 0.5)
    assert set(on_disk.metrics) == {"val", "test"}
    assert {"encoder1_auc", "gain_std", "loss", "loss.bce", "loss.variance"} <= set(on_disk.metrics["test"])
    assert on_disk.verdict["status"] == "PASSED"  # gate requires 1 of 2 and AUC > 0 passes
    assert on_disk.criteria["Gain Std"] == "test.gain_std > 1000"
    assert on_disk.trivial["kt_skill_rate"]["test"]["encoder1_auc"] is not None
    assert set(on_disk.history[0].track["beta_skill"]) == {"mean", "std", "min", "max"}
    assert on_disk.model.param_count == sum(p.numel() for p in _model(plan).parameters())
    assert on_disk.facts["encoder1_auc"].higher_is_better is True and facts_of(on_disk.metric_facts(), "test.loss").diagnostic


def _model(plan):
    from vifspec.prepare.prepare import prepare
    from vifspec.registry import default_registry

    return prepare(plan, default_registry(), "cpu").model


def test_same_spec_and_seed_give_identical_metrics_on_cpu(tiny_kt, tmp_path):
    first, _ = run_one(tiny_kt, tmp_path / "a")
    second, _ = run_one(tiny_kt, tmp_path / "b")
    assert first.metrics == second.metrics
    assert [h.train for h in first.history] == [h.train for h in second.history]


@pytest.mark.parametrize("every, most", [(3600.0, 3), (0.0, 1 + 8 + 1)])
def test_a_running_record_is_saved_after_the_first_epoch_then_at_most_every_so_often(write_spec, tmp_path, monkeypatch,
                                                                                      every, most):
    """Fast epochs do not spend their time rewriting the record: written as training starts, after
    epoch 1, then when due, and always at the end with every epoch."""
    from vifspec.executor import run as executor

    saved = []
    writer = executor.write_record
    monkeypatch.setattr(executor, "SAVE_EVERY_S", every)
    monkeypatch.setattr(executor, "write_record", lambda record, run_dir: saved.append(len(record.history)) or writer(record, run_dir))
    path = write_spec(TINY_KT.replace("epochs = 3", "epochs = 8").replace("patience = 2", "patience = 9"))
    record, plan = run_one(path, tmp_path)
    assert saved[:2] == [0, 1] and saved[-1] == 8 == len(record.history) and len(saved) == most
    assert len(read_record(plan.run_dir(tmp_path)).history) == 8


def test_best_epoch_weights_are_restored_and_checkpoint_loads_weights_only(tiny_kt, tmp_path):
    record, plan = run_one(tiny_kt, tmp_path / "runs")
    best = record.epochs.best
    val_at_best = record.history[best - 1].val["encoder1_auc"]
    assert record.metrics["val"]["encoder1_auc"] == pytest.approx(val_at_best, abs=1e-6)
    state = torch.load(plan.run_dir(tmp_path / "runs") / "checkpoint.pt", weights_only=True)
    assert "beta_skill" in state


def test_nan_loss_ends_the_run_as_diverged_and_failed(write_spec, tmp_path):
    text = TINY_KT + '\n[loss.bad]\nfn = "plugin_fixtures:nan_loss"\ninputs = { x = "gains" }\nweight = 1.0\n'
    record, _ = run_one(write_spec(text), tmp_path / "runs")
    assert record.status == "diverged"
    assert len(record.history) == 1
    assert record.verdict["status"] == "FAILED"
    assert "diverged" in record.verdict["reason"]


def test_crash_inside_training_marks_the_record_and_raises(write_spec, tmp_path):
    text = TINY_KT + '\n[loss.bad]\nfn = "plugin_fixtures:boom_loss"\ninputs = { x = "gains" }\n'
    (plan,) = vifspec.compile(write_spec(text))
    with pytest.raises(TrainingCrash):
        vifspec.run(plan, out=tmp_path / "runs", progress=False)
    record = read_record(plan.run_dir(tmp_path / "runs"))
    assert record.status == "crashed" and "boom inside the loss" in record.stop_reason


def test_unbound_output_name_is_a_spec_error_with_a_line(write_spec, tmp_path):
    path = write_spec(TINY_KT.replace('inputs = { x = "gains" }\nweight = 2.0', 'inputs = { x = "gainz" }\nweight = 2.0'))
    (plan,) = vifspec.compile(path)
    with pytest.raises(SpecError) as info:
        vifspec.run(plan, out=tmp_path / "runs", progress=False)
    message = str(info.value.problems[0])
    assert "no model output, batch field or parameter named 'gainz'" in message
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "gainz" in t)
    assert f":{line}:" in message


def test_collapse_guard_stops_with_collapsed_status(write_spec, tmp_path):
    text = TINY_KT + '\n[[guards.collapse]]\nmonitor = "val.encoder1_auc"\nbelow = 2.0\nlabel = "auc collapse"\n'
    record, _ = run_one(write_spec(text), tmp_path / "runs")
    assert record.status == "collapsed"
    assert record.stop_reason.startswith("auc collapse: val.encoder1_auc")
    assert record.verdict["status"] == "FAILED"


@pytest.mark.parametrize(
    ("start", "ramp", "stop", "epoch", "expected"),
    [(1, 0, None, 1, 1.0), (3, 0, None, 2, 0.0), (3, 2, None, 3, 0.5), (3, 2, None, 4, 1.0), (1, 0, 4, 5, 0.0)],
)
def test_schedule_factor(start, ramp, stop, epoch, expected):
    term = LossTerm(fn="bce", start_epoch=start, ramp_epochs=ramp, stop_epoch=stop)
    assert schedule_factor(term, epoch) == expected


def test_params_that_do_not_fit_the_factory_are_spec_errors(write_spec, tmp_path):
    path = write_spec(TINY_KT.replace("params = { d_model = 8 }", "params = { d_model = 8, d_modle = 4 }"))
    (plan,) = vifspec.compile(path)
    with pytest.raises(SpecError, match=r"model.params.d_modle: unknown parameter 'd_modle' \(did you mean 'd_model'\?\)"):
        vifspec.run(plan, out=tmp_path / "runs", progress=False)
    path = write_spec(TINY_KT.replace("seq_len = 12 }", "seq_len = 12, tier = 'a100' }"), "data.toml")
    (plan,) = vifspec.compile(path)
    with pytest.raises(SpecError, match=r":\d+:\d+: data.params.tier: unknown parameter 'tier'"):
        vifspec.run(plan, out=tmp_path / "runs", progress=False)


def test_ctrl_c_marks_the_record_interrupted_keeps_finished_epochs_and_a_rerun_resumes(write_spec, tmp_path):
    from click.testing import CliRunner

    from plugin_fixtures import ControlC
    from vifspec.cli import main

    ControlC.calls = 0
    text = TINY_KT.replace("epochs = 3", "epochs = 4").replace("patience = 2", "patience = 9")
    text += '\n[loss.ctrl_c]\nfn = "plugin_fixtures:ControlC.loss"\ninputs = { x = "gains" }\nparams = { after = 8 }\n'
    path = write_spec(text)
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(path), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 130 and "interrupted" in result.output
    (record_path,) = (tmp_path / "runs").rglob("record.json")
    record = read_record(record_path)
    assert record.status == "interrupted" and len(record.history) >= 1  # every finished epoch kept
    assert record.stop_reason.startswith("interrupted during epoch")
    report = record_path.parent / "report.md"  # the reports are written as the interrupted run left its records
    assert "interrupted" in report.read_text(encoding="utf-8") and report.stat().st_mtime >= record_path.stat().st_mtime
    assert (tmp_path / "runs" / record.experiment.id / "REPORT.md").exists()
    ControlC.calls = -10**6  # no more Ctrl-C: the rerun trains the interrupted plan again
    again = runner.invoke(main, ["run", str(path), "--out", str(tmp_path / "runs")])
    assert again.exit_code in (0, 1, 4), again.output
    assert read_record(record_path).status in ("completed", "early_stopped")

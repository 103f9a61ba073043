"""``vifspec run --log tensorboard`` read back with TensorBoard's own event reader."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vifspec.cli import main
from vifspec.records import read_record

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def events(folder) -> EventAccumulator:
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def test_event_files_in_each_run_folder_and_the_experiment_folder(tiny_kt, tmp_path):
    out = tmp_path / "runs"
    result = CliRunner().invoke(main, ["run", str(tiny_kt), "--out", str(out), "--log", "tensorboard"])
    assert result.exit_code == 0, result.output
    assert f"tensorboard --logdir {out / 'tiny-kt'}" in result.output
    run = out / "tiny-kt" / "main"
    record = read_record(run / "record.json")
    plan = events(run)
    auc = plan.Scalars("val/encoder1_auc")
    assert [(s.step, s.value) for s in auc] == [(e.epoch, pytest.approx(e.val["encoder1_auc"])) for e in record.history]
    weights = [s.value for s in plan.Scalars("train/weight.variance")]
    assert weights == [e.train.terms["variance"].weight for e in record.history]  # 0 before start_epoch = 2
    [final] = plan.Scalars("final/test.encoder1_auc")
    assert final.step == record.epochs.best and final.value == pytest.approx(record.metrics["test"]["encoder1_auc"])
    tags = plan.Tags()
    assert {"plan/text_summary", "verdict/text_summary", "report/report/text_summary"} <= set(tags["tensors"])
    assert "figures/curves" in tags["images"]
    text = plan.Tensors("verdict/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "vifspec.verdict" in text and record.verdict["status"] in text
    experiment = events(out / "tiny-kt")
    summary = experiment.Tensors("verdict/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "main.verdict" in summary and "report/REPORT/text_summary" in experiment.Tags()["tensors"]
    assert len(list(run.glob("events.out.tfevents.*"))) == 1

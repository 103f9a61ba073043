"""``vifspec run SPEC --log tensorboard``: event files under the run folder, read by ``tensorboard --logdir runs/<experiment>``.

Each plan writes its events into its own run folder (``runs/<experiment>/<variant>[/seed-<s>]/``), so
TensorBoard shows one run per plan; the experiment's own events (every verdict, ``REPORT.md``,
the experiment's figures) go into ``runs/<experiment>/``. A plan trained again replaces its
earlier events. Per plan: the resolved plan as text and as hyperparameters (HPARAMS tab, with the
final metrics), every epoch's values (step = epoch), the final metrics (``final/<split>.<metric>``
at the best epoch), the verdict and criteria as text, the report as text and the figures as images.
Written with ``torch.utils.tensorboard``, which needs the ``tensorboard`` package.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, Mapping, Sequence

from vifspec.errors import SpecError
from vifspec.progress import plan_key
from vifspec.records import RunRecord
from vifspec.report.markdown import md_table
from vifspec.tracking.base import (
    Say, Tracker, epoch_values, final_values, folder_files, plan_params, record_tags, verdict_tags,
)
from vifspec.verdict import Verdict
from vifspec.verdict.results import group_label

HINT = "pip install 'vifspec[tensorboard]'"
EVENTS_GLOB = "events.out.tfevents.*"


def _text_table(values: Mapping[str, str], heading: str) -> str:
    return md_table([heading, "value"], [[key, value] for key, value in values.items()])


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    return struct.unpack(">II", data[16:24])


class TensorBoardTracker(Tracker):
    """One ``SummaryWriter`` per plan folder and one for the experiment folder."""

    def __init__(self, out: str | Path, say: Say):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise SpecError(f"--log tensorboard needs TensorBoard: {HINT}") from None
        self._writer_type = SummaryWriter
        self.out = Path(out)
        self.say = say
        self.params: dict[tuple[str, str], dict[str, str]] = {}
        self.open: dict[tuple[str, str], Any] = {}

    def experiment_started(self, experiment: Mapping[str, Any], spec_path: str) -> None:
        root = self.out / experiment["id"]
        for old in root.glob(EVENTS_GLOB):
            old.unlink()
        self.say(f"tensorboard: event files under {root}; view them with: tensorboard --logdir {root}")

    def plan_started(self, plan: Any, run_dir: Any) -> None:
        folder = Path(run_dir)
        for old in folder.glob(EVENTS_GLOB):
            old.unlink()
        key = plan_key(plan)
        writer = self.open[key] = self._writer_type(log_dir=str(folder))
        self.params[key] = plan_params(plan.to_dict())
        writer.add_text("plan", _text_table(self.params[key], "parameter"), 0)

    def epoch_finished(self, plan: Any, entry: Any, best_epoch: int | None) -> None:
        writer = self.open[plan_key(plan)]
        for tag, value in epoch_values(entry).items():
            writer.add_scalar(tag, value, entry.epoch)
        writer.flush()

    def plan_finished(self, record: RunRecord) -> None:
        key = (record.variant, record.run_label)
        writer, params = self.open.get(key), self.params.pop(key, None)
        if writer is None or params is None:
            return
        from torch.utils.tensorboard.summary import hparams

        step = record.epochs.best if record.epochs and record.epochs.best else 0
        finals = {f"final/{name}": value for name, value in final_values(record).items()}
        for tag, value in finals.items():
            writer.add_scalar(tag, value, step)
        for summary in hparams(params, finals):
            writer.file_writer.add_summary(summary)
        writer.add_text("verdict", _text_table(record_tags(record), "tag"), step)
        writer.flush()

    def plan_reported(self, record: RunRecord, folder: Path) -> None:
        writer = self.open.pop((record.variant, record.run_label), None)
        if writer is None:  # resumed from an earlier run: nothing was written for it now
            return
        self._attach(writer, folder, record_tags(record))
        writer.close()

    def experiment_finished(self, judged: Sequence[tuple[list[RunRecord], Verdict]], root: Path) -> None:
        tags: dict[str, str] = {}
        for group, verdict in judged:
            tags |= verdict_tags(verdict, prefix=group_label(group))
        writer = self._writer_type(log_dir=str(root))
        self._attach(writer, root, tags)
        writer.close()

    def _attach(self, writer: Any, folder: Path, tags: Mapping[str, str]) -> None:
        """The verdict as text, each report as text, each figure as an image."""
        from tensorboard.compat.proto.summary_pb2 import Summary

        writer.add_text("verdict", _text_table(tags, "tag"), 0)
        for path in folder_files(folder):
            if path.suffix == ".md":
                writer.add_text(f"report/{path.stem}", path.read_text(encoding="utf-8"), 0)
            else:
                data = path.read_bytes()
                width, height = png_size(data)
                image = Summary.Image(height=height, width=width, colorspace=4, encoded_image_string=data)
                writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=f"figures/{path.stem}", image=image)]), 0)
        writer.flush()

    def close(self) -> None:
        for writer in self.open.values():
            writer.close()
        self.open.clear()

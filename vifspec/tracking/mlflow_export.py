"""``vifspec run SPEC --log mlflow``: one MLflow run per plan, nested under one parent run per experiment.

The tracking store is ``MLFLOW_TRACKING_URI`` when it is set (a server, a database, or a local file
store such as ``file:///home/me/mlruns``), else a local file store under the output root
(``<out>/mlruns``). MLflow 3 keeps file stores in maintenance mode behind
``MLFLOW_ALLOW_FILE_STORE``; naming one (or taking the default) is taken as that permission.

Each plan's run holds the resolved plan as parameters, every epoch's values (step = epoch), the
final metrics, its seed's verdict and criteria as tags, and its report and figures as artifacts.
The parent holds every verdict of the experiment as tags and ``REPORT.md``, the experiment's
figures and the reports over seeds as artifacts. Only MLflow's client API is used
(``mlflow-skinny`` is enough).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from vifspec.errors import SpecError
from vifspec.progress import plan_key
from vifspec.records import RunRecord
from vifspec.tracking.base import (
    Say, Tracker, epoch_values, final_values, folder_files, plan_params, record_tags, verdict_tags,
)
from vifspec.verdict import Verdict
from vifspec.verdict.results import group_label

HINT = "pip install 'vifspec[mlflow]'"
BATCH = 100
MAX_VALUE = 5000
PARENT_TAG = "mlflow.parentRunId"


def safe_key(key: str) -> str:
    """An MLflow name: ``r@5 -> r_at_5``; characters MLflow refuses become ``_``."""
    return re.sub(r"[^\w\-. :/]", "_", key.replace("@", "_at_"))


def tracking_uri(out: str | Path) -> str:
    """``MLFLOW_TRACKING_URI``, else a file store ``<out>/mlruns``; a file store is allowed explicitly."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or (Path(out).resolve() / "mlruns").as_uri()
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return uri


class MlflowTracker(Tracker):
    """Logs through :class:`mlflow.tracking.MlflowClient`; see the module docstring for what goes where."""

    def __init__(self, out: str | Path, say: Say):
        try:
            from mlflow.entities import Metric, Param, RunTag
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise SpecError(f"--log mlflow needs MLflow: {HINT}") from None
        self._entities = (Metric, Param, RunTag)
        self.uri = tracking_uri(out)
        self.client = MlflowClient(tracking_uri=self.uri)
        self.say = say
        self.experiment_id: str | None = None
        self.parent: str | None = None
        self.runs: dict[tuple[str, str], str] = {}
        self.open: set[str] = set()

    def experiment_started(self, experiment: Mapping[str, Any], spec_path: str) -> None:
        name = experiment["id"]
        found = self.client.get_experiment_by_name(name)
        self.experiment_id = found.experiment_id if found else self.client.create_experiment(name)
        tags = {"vifspec.experiment": name, "vifspec.spec": spec_path, "mlflow.note.content": experiment.get("hypothesis") or ""}
        run = self.client.create_run(self.experiment_id, run_name=name, tags={k: v for k, v in tags.items() if v})
        self.parent = run.info.run_id
        self.say(f"mlflow: experiment {name!r}, parent run {self.parent} in {self.uri}")

    def plan_started(self, plan: Any, run_dir: Any) -> None:
        tags = {PARENT_TAG: self.parent, "vifspec.variant": plan.variant, "vifspec.seed": plan.label}
        run = self.client.create_run(self.experiment_id, run_name=f"{plan.variant} seed {plan.label}",
                                     tags={k: v for k, v in tags.items() if v})
        self.runs[plan_key(plan)] = run.info.run_id
        self.open.add(run.info.run_id)
        self._log(run.info.run_id, params=plan_params(plan.to_dict()))

    def epoch_finished(self, plan: Any, entry: Any, best_epoch: int | None) -> None:
        self._log(self.runs[plan_key(plan)], metrics=epoch_values(entry), step=entry.epoch)

    def plan_finished(self, record: RunRecord) -> None:
        run_id = self.runs.get((record.variant, record.run_label))
        if run_id not in self.open:
            return
        step = record.epochs.best if record.epochs and record.epochs.best else 0
        self._log(run_id, metrics=final_values(record), step=step, tags=record_tags(record))
        failed = record.status in ("crashed", "interrupted")
        self.client.set_terminated(run_id, status="FAILED" if failed else "FINISHED")
        self.open.discard(run_id)

    def plan_reported(self, record: RunRecord, folder: Path) -> None:
        run_id = self.runs.get((record.variant, record.run_label))
        if run_id is None:  # resumed from an earlier run: nothing was logged for it now
            return
        self._log(run_id, tags=record_tags(record))
        for path in folder_files(folder):
            self.client.log_artifact(run_id, str(path))

    def experiment_finished(self, judged: Sequence[tuple[list[RunRecord], Verdict]], root: Path) -> None:
        tags: dict[str, str] = {}
        for group, verdict in judged:
            tags |= verdict_tags(verdict, prefix=f"vifspec.{group_label(group)}")
            if len(group) > 1 and not group[0].arm:  # the report over the variant's seeds
                for path in folder_files(root / group[0].variant):
                    self.client.log_artifact(self.parent, str(path), artifact_path=group[0].variant)
        self._log(self.parent, tags=tags)
        for path in folder_files(root):
            self.client.log_artifact(self.parent, str(path))
        self.client.set_terminated(self.parent, status="FINISHED")
        self.parent = None

    def close(self) -> None:
        """Runs still open now were cut short (Ctrl-C, an error): marked KILLED."""
        for run_id in [*self.open, self.parent]:
            if run_id is not None:
                self.client.set_terminated(run_id, status="KILLED")
        self.open.clear()
        self.parent = None

    def _log(self, run_id: str, *, params: Mapping[str, str] | None = None, metrics: Mapping[str, float] | None = None,
             tags: Mapping[str, str] | None = None, step: int = 0) -> None:
        """``log_batch`` in chunks MLflow accepts, names made safe, long values cut."""
        Metric, Param, RunTag = self._entities
        now = int(time.time() * 1000)
        items: list[Any] = [Param(safe_key(k), v[:MAX_VALUE]) for k, v in (params or {}).items()]
        items += [Metric(safe_key(k), v, now, step) for k, v in (metrics or {}).items()]
        items += [RunTag(safe_key(k), v[:MAX_VALUE]) for k, v in (tags or {}).items()]
        for start in range(0, len(items), BATCH):
            chunk = items[start:start + BATCH]
            self.client.log_batch(run_id, metrics=[i for i in chunk if isinstance(i, Metric)],
                                  params=[i for i in chunk if isinstance(i, Param)], tags=[i for i in chunk if isinstance(i, RunTag)])

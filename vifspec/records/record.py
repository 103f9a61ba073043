"""The run record: one typed :class:`RunRecord`, its statuses, and its versioned JSON format.

A record is written by the executor (one writer, :func:`vifspec.records.store.write_record`) and read
back by one reader (:func:`vifspec.records.store.read_record`), which validates it against these
models: a truncated, corrupt or foreign ``record.json`` is a :class:`RecordError` naming the file,
never a traceback. Every report, the verdict's results model and ``check --records`` read the type.

Format ``vifspec.record/2``; ``vifspec.record/1`` files (written before metric facts existed) are
read and upgraded: their directions become facts of unknown unit.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vifspec.errors import SpecError
from vifspec.compiler.plan import run_label
from vifspec.facts import MetricFacts
from vifspec.spec.schema import Gate, VerdictSettings

FORMAT = "vifspec.record/2"
PREVIOUS_FORMATS = ("vifspec.record/1",)
RECORD_FILE = "record.json"

RUNNING, COMPLETED, EARLY_STOPPED = "running", "completed", "early_stopped"
DIVERGED, COLLAPSED, CRASHED, INTERRUPTED = "diverged", "collapsed", "crashed", "interrupted"
STATUSES = (RUNNING, COMPLETED, EARLY_STOPPED, DIVERGED, COLLAPSED, CRASHED, INTERRUPTED)
FINISHED = (COMPLETED, EARLY_STOPPED, DIVERGED, COLLAPSED)
"""A record in one of these states is final: a rerun of the same plan skips it."""
FAILED_STATUSES = (DIVERGED, COLLAPSED, CRASHED)
"""A run in one of these states fails its verdict whatever its criteria say."""

Value = Optional[float]
Metrics = dict[str, dict[str, Value]]


class RecordError(SpecError):
    """A record that cannot be read: missing, unreadable, not JSON, or not of this format (exit 2)."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExperimentInfo(_Part):
    id: str
    title: str = ""
    hypothesis: str = ""
    tags: list[str] = []


class SpecRef(_Part):
    """The spec a run came from: its path as given, the hash of its text, the variant's overrides."""

    path: str
    hash: str
    overrides: dict[str, Any] = {}


class Term(_Part):
    raw: Value
    weight: float
    weighted: Value


class TrainEntry(_Part):
    loss: Value
    terms: dict[str, Term] = {}


class Epoch(_Part):
    """One finished epoch: the training loss and its terms, validation metrics, tracked statistics."""

    epoch: int = Field(ge=1)
    seconds: float
    train: TrainEntry
    val: dict[str, Value] = {}
    track: dict[str, dict[str, Value]] = {}
    lr: Optional[float] = None


class Epochs(_Part):
    max: int
    run: int
    best: Optional[int] = None
    patience: Optional[int] = None
    monitor: Optional[str] = None


class ModelInfo(_Part):
    name: str
    param_count: int
    n_train: int
    param_per_sample: float


class BaselineRef(_Part):
    """What a run is compared with: its label, where it came from, its metrics, the compared keys."""

    label: str
    source: str
    metrics: Metrics = {}
    compare: list[str] = []
    arm: Optional[str] = None


class Facts(_Part):
    fn: str
    higher_is_better: Optional[bool] = None
    unit: Literal["number", "rate", "ms"] = "number"
    diagnostic: bool = False
    per_example: bool = False
    alert: Optional[dict[str, Any]] = None


class RunRecord(_Part):
    """Everything one plan's run produced, as written to ``runs/<experiment>/<variant>/record.json``."""

    format: str = FORMAT
    experiment: ExperimentInfo
    variant: str
    group: Optional[str] = None
    arm: Optional[str] = None
    seed: int
    fold: Optional[int] = None
    runs: list[str] = []
    spec: SpecRef
    criteria: dict[str, str] = {}
    gates: dict[str, Gate] = {}
    verdict_settings: VerdictSettings = VerdictSettings()
    criteria_hash: str
    plan: dict[str, Any] = {}
    plan_hash: str
    environment: dict[str, str] = {}
    status: Literal[STATUSES] = RUNNING  # type: ignore[valid-type]
    stop_reason: Optional[str] = None
    epochs: Optional[Epochs] = None
    model: Optional[ModelInfo] = None
    classes: dict[str, list[str]] = {}
    facts: dict[str, Facts] = {}
    history: list[Epoch] = []
    metrics: Metrics = {}
    trivial: dict[str, Metrics] = {}
    baseline: Optional[BaselineRef] = None
    verdict: Optional[dict[str, Any]] = None
    report: dict[str, Any] = {}
    started_at: str = ""
    finished_at: Optional[str] = None
    duration_s: Optional[float] = None
    traceback: Optional[str] = None
    amendment: Optional[dict[str, Any]] = None

    @field_validator("format")
    @classmethod
    def _this_format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"expected format '{FORMAT}', got {value!r}")
        return value

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def failed_run(self) -> bool:
        return self.status in FAILED_STATUSES

    def metric_facts(self) -> dict[str, MetricFacts]:
        """The facts of every metric this run computed (as resolved into its plan)."""
        return {name: MetricFacts.from_dict(f.model_dump()) for name, f in self.facts.items()}

    @property
    def run_label(self) -> str:
        """``0``, or ``0/fold1`` in cross-validation: this run's name among the seeds of its verdict."""
        return run_label(self.seed, self.fold)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A ``vifspec.record/1`` document in the current format (directions and metric functions become facts)."""
    if data.get("format") != PREVIOUS_FORMATS[0]:
        return data
    out = {k: v for k, v in data.items() if k not in ("directions", "metric_fns", "arms")}
    directions = data.get("directions") or {}
    functions = data.get("metric_fns") or {}
    names = set(directions) | set(functions) if isinstance(directions, dict) and isinstance(functions, dict) else set()
    out["facts"] = {name: {"fn": str(functions.get(name, name)), "higher_is_better": directions.get(name)} for name in names}
    out["format"] = FORMAT
    return out

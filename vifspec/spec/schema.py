"""The spec language: pydantic models of a vifspec TOML file (unknown keys are errors).

This module is the schema (``vifspec schema`` exports it as JSON Schema). Checks that need more
than one table at a time (references between tables, component names) live in the compiler.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, Field, field_validator, model_validator

from vifspec.limits import MAX_VARIANTS
from vifspec.spec.fields import ID_RULE, SPLIT_NAME, SafeId, Seed, Strict
from vifspec.spec.train import Train


class Experiment(Strict):
    """``[experiment]``: who the experiment is, and what it claims before it runs."""

    id: SafeId = Field(description=f"Stable id; runs go to runs/<id>/. {ID_RULE[0].upper()}{ID_RULE[1:]}.")
    title: str = ""
    hypothesis: str = ""
    tags: list[str] = []


class Data(Strict):
    """``[data]``: a registered dataset, a ``"pkg.mod:factory"``, or a file (.npz/.pt/.csv/.parquet)."""

    source: str = Field(min_length=1)
    params: dict[str, Any] = {}
    splits: dict[str, float] = {"train": 0.7, "val": 0.15, "test": 0.15}
    seed: Seed = Field(0, description="Seed of data generation and splitting (fixed across training seeds).")
    stratify: Union[bool, str] = Field(
        False, description="Label field whose classes are each split in the fractions (true: 'target')."
    )
    standardize: Union[bool, list[str]] = Field(
        False, description="Fields z-scored per column with train-split statistics only (true: ['x'])."
    )
    folds: Optional[int] = Field(
        None, ge=2, le=100, description="k-fold cross-validation: each fold is the test split once; folds are judged like seeds."
    )

    @field_validator("splits")
    @classmethod
    def _splits_sum_to_one(cls, splits: dict[str, float]) -> dict[str, float]:
        if "train" not in splits:
            raise ValueError("splits must include 'train'")
        if any(not (0 < v <= 1) for v in splits.values()):
            raise ValueError("every split fraction must be in (0, 1]")
        if not math.isclose(sum(splits.values()), 1.0, abs_tol=1e-6):
            raise ValueError(f"split fractions must sum to 1, got {sum(splits.values()):g}")
        return splits


class Model(Strict):
    """``[model]``: a registered model or ``"pkg.mod:Class"``; ``params`` go to its constructor."""

    name: str = Field(min_length=1)
    params: dict[str, Any] = {}


# -- [train] options of the loop: optimizer, schedule, clipping, autocast (vifspec/executor/optim.py) --


class LossTerm(Strict):
    """``[loss.NAME]``: one term of the mix. total = sum(weight x schedule(epoch) x term)."""

    fn: str = Field(min_length=1)
    inputs: dict[str, str] = {}
    params: dict[str, Any] = {}
    weight: float = Field(1.0, ge=0)
    start_epoch: int = Field(1, ge=1, description="First epoch (1-based) in which the term is on.")
    ramp_epochs: int = Field(0, ge=0, description="Linear ramp from 0 to weight over this many epochs.")
    stop_epoch: int | None = Field(None, ge=1, description="Last epoch in which the term is on.")

    @model_validator(mode="after")
    def _stop_after_start(self) -> "LossTerm":
        if self.stop_epoch is not None and self.stop_epoch < self.start_epoch:
            raise ValueError(f"stop_epoch ({self.stop_epoch}) is before start_epoch ({self.start_epoch})")
        return self


class MetricDef(Strict):
    """``[metric.NAME]``: a named metric bound to outputs/fields, e.g. encoder1_auc = auc(encoder1_logits, correct).

    ``unit``, ``higher_is_better`` and ``diagnostic`` refine the function's declared facts for this use
    (a ``percentile`` of per-query latencies: ``unit = "ms"``, ``diagnostic = true``).
    """

    fn: str = Field(min_length=1)
    inputs: dict[str, str] = {}
    params: dict[str, Any] = {}
    unit: Literal["number", "rate", "ms"] | None = Field(None, description="number, rate (shown as %; differences in pp) or ms.")
    higher_is_better: bool | None = None
    diagnostic: bool | None = Field(None, description="A measurement about the run (overlap, latency), not a result to rank on.")


class Gate(Strict):
    """``[gates.NAME]``: passes when ``require`` (all, or at least k) of its criteria pass."""

    require: Union[Literal["all"], int] = "all"
    criteria: list[str] = Field(min_length=1)

    @field_validator("require")
    @classmethod
    def _positive(cls, require: Any) -> Any:
        if isinstance(require, int) and require < 1:
            raise ValueError("require must be 'all' or an integer >= 1")
        return require


class Baseline(Strict):
    """``[baseline]``: what this experiment is compared with (a stored record, a spec run first, or an arm)."""

    label: str = "Baseline"
    record: str | None = None
    spec: str | None = None
    arm: str | None = None
    compare: list[str] = []
    trivial: list[str] = Field([], description="Trivial models evaluated beside the model (e.g. 'kt_skill_rate').")

    @model_validator(mode="after")
    def _one_source(self) -> "Baseline":
        given = [k for k in ("record", "spec", "arm") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"give one of record, spec or arm, not {' and '.join(given)}")
        return self


class CollapseGuard(Strict):
    """End (or flag) a run whose monitored metric falls sharply or below a floor."""

    monitor: str
    drop: float | None = Field(None, gt=0, le=1, description="Relative fall from the best value so far.")
    below: float | None = Field(None, description="Absolute floor.")
    after_epoch: int = Field(1, ge=1, description="Checked from this epoch on.")
    action: Literal["stop", "flag"] = "stop"
    label: str = "collapse"

    @model_validator(mode="after")
    def _has_threshold(self) -> "CollapseGuard":
        if self.drop is None and self.below is None:
            raise ValueError("give drop (relative fall from best) or below (absolute floor)")
        return self


class Guards(Strict):
    nan: bool = Field(True, description="End the run as 'diverged' when a loss is NaN or Inf.")
    collapse: list[CollapseGuard] = []


class Track(Strict):
    """``[track]``: per-epoch statistics of named parameters and outputs (beta_skill, gains...)."""

    params: list[str] = []
    outputs: list[str] = []


SECTIONS = (
    "summary", "metrics", "seeds", "baseline", "criteria", "gates", "loss_balance",
    "dynamics", "tracked", "trivial", "diagnostics",
)


class Report(Strict):
    title: str | None = None
    sections: list[Literal[SECTIONS]] | None = Field(  # type: ignore[valid-type]
        None, description="The sections of each run's report.md, in their usual order (default: all that have data)."
    )
    ascii: bool = False
    rank_by: str | None = Field(None, description="Metric reference ranking variants, e.g. 'test.precision'.")
    top_k: int = Field(10, ge=1)
    columns: list[str] | None = Field(None, description="Index table columns (metric references).")


class VerdictSettings(Strict):
    """``[verdict]``: how each criterion is judged over its seeds (hashed with the criteria: pre-registered).

    With several seeds the per-seed values are aggregated and given an interval at ``confidence``
    (Student t for the mean by default; a seeded bootstrap for a median or IQM); with one seed, the
    test examples are resampled ``resamples`` times where the metric allows it. PASS when the whole
    interval passes, FAIL when none of it does, INCONCLUSIVE otherwise. See docs/uncertainty.md.
    """

    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level of every interval.")
    aggregate: Literal["mean", "median", "iqm"] = Field("mean", description="How per-seed values are summarised.")
    method: Literal["t", "bootstrap"] = Field("t", description="Interval over seeds: Student t (mean only) or bootstrap.")
    bootstrap: Literal["percentile", "bca"] = Field("percentile", description="Bootstrap interval construction.")
    resamples: int = Field(1000, ge=0, le=100_000, description="Test resamples of a single-seed run (0: none).")

    @model_validator(mode="after")
    def _consistent(self) -> "VerdictSettings":
        if self.method == "t" and self.aggregate != "mean":
            raise ValueError(f"method 't' gives an interval for the mean only; use method = \"bootstrap\" for aggregate = {self.aggregate!r}")
        return self


class Spec(Strict):
    """A whole vifspec file. Without data, model and train it is a verdict-only spec (for ``judge``)."""

    experiment: Experiment
    data: Data | None = None
    model: Model | None = None
    train: Train | None = None
    loss: dict[str, LossTerm] = {}
    metric: dict[str, MetricDef] = {}
    metrics: dict[str, list[str]] = Field({}, description="Split name -> metrics computed on it.")
    criteria: dict[str, str] = {}
    gates: dict[str, Gate] = {}
    verdict: VerdictSettings = VerdictSettings()
    baseline: Baseline | None = None
    arms: dict[SafeId, dict[str, Any]] = Field({}, description="Arm name -> dotted-key overrides of this spec.")
    sweep: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        {}, description="Dotted key -> values (or tables of linked overrides); one variant per combination.")
    variants: dict[SafeId, dict[str, Any]] = Field({}, description="Variant id -> group, description and overrides.")
    track: Track = Track()
    guards: Guards = Guards()
    report: Report = Report()

    @model_validator(mode="after")
    def _trainable_or_verdict_only(self) -> "Spec":
        present = [k for k in ("data", "model", "train") if getattr(self, k) is not None]
        if present and len(present) < 3:
            missing = sorted({"data", "model", "train"} - set(present))
            raise ValueError(
                f"a trainable spec needs [data], [model] and [train]; missing {', '.join('[' + m + ']' for m in missing)}"
                " (a verdict-only spec has none of them)"
            )
        return self

    @property
    def trainable(self) -> bool:
        return self.data is not None

    @field_validator("sweep")
    @classmethod
    def _sweep_size(cls, sweep: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Bounded before anything expands it: 8 axes of 10 values would be 10**8 variants."""
        count = math.prod(len(values) for values in sweep.values())
        if count > MAX_VARIANTS:
            sizes = " x ".join(str(len(values)) for values in sweep.values())
            raise ValueError(f"{sizes} = {count} sweep points; at most {MAX_VARIANTS}: split the sweep into several specs")
        return sweep

    @field_validator("metrics")
    @classmethod
    def _split_names(cls, metrics: dict[str, list[str]]) -> dict[str, list[str]]:
        import re

        for split in metrics:
            if not re.match(SPLIT_NAME, split):
                raise ValueError(f"split name {split!r} must be a plain identifier")
        return metrics


# -- the schema walk: one step down a key path, for messages and override checks -------------


def schema_child(annotation: Any, part: Any) -> Any:
    """The annotation one step down ``part`` (a model field, a dict value, a list item), or None."""
    if annotation is Any:
        return Any
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is dict:
        return args[1]
    if origin is list:
        return args[0]
    for arg in args:
        child = schema_child(arg, part)
        if child is not None:
            return child
    return None


def schema_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        model = schema_model(arg)
        if model is not None:
            return model
    return None

"""The spec language: pydantic models of a vifspec TOML file (unknown keys are errors).

This module is the schema (``vifspec schema`` exports it as JSON Schema). Checks that need more
than one table at a time (references between tables, component names) live in the compiler.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vifspec.limits import ID_MAX_LENGTH, MAX_SEEDS, MAX_VARIANTS, SEED_LIMIT

SPLIT_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Experiment, variant and arm ids name folders (runs/<experiment>/<variant>/): one safe path component.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
ID_RULE = f"letters, digits, '_', '.' and '-', starting with a letter or digit, at most {ID_MAX_LENGTH} characters"
SafeId = Annotated[str, Field(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
Seed = Annotated[int, Field(ge=0, lt=SEED_LIMIT)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


def _only_for(table: BaseModel, name: str, allowed: dict[str, tuple[str, ...]], kind: str) -> None:
    """Refuse keys set in ``table`` that do not apply to its ``name`` (a typo or a misplaced knob)."""
    foreign = sorted(set(table.model_fields_set) - {"name"} - set(allowed[name]) - set(allowed.get("*", ())))
    if foreign:
        users = {key: [n for n, keys in allowed.items() if key in keys and n != "*"] for key in foreign}
        where = "; ".join(f"'{key}' applies to {' or '.join(names) or 'no'} {kind}" for key, names in users.items())
        raise ValueError(f"{where}, not {name!r}")


class Optimizer(Strict):
    """``optimizer``: torch's Adam, AdamW or SGD; knobs left out keep torch's defaults."""

    name: Literal["adam", "adamw", "sgd"] = "adamw"
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    momentum: float = Field(0.0, ge=0, lt=1, description="sgd only.")
    nesterov: bool = Field(False, description="sgd only; needs momentum > 0.")
    betas: tuple[float, float] | None = Field(None, description="adam/adamw: (beta1, beta2), each in [0, 1).")
    eps: float | None = Field(None, gt=0, description="adam/adamw: the denominator's epsilon.")
    amsgrad: bool = Field(False, description="adam/adamw: the AMSGrad variant.")

    @model_validator(mode="after")
    def _knobs_fit_the_optimizer(self) -> "Optimizer":
        common = ("lr", "weight_decay")
        _only_for(self, self.name, {"*": common, "sgd": ("momentum", "nesterov"),
                                    "adam": ("betas", "eps", "amsgrad"), "adamw": ("betas", "eps", "amsgrad")}, "optimizers")
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov needs momentum > 0")
        if self.betas is not None and not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must each be in [0, 1), got {list(self.betas)}")
        return self


SCHEDULE_KEYS: dict[str, tuple[str, ...]] = {
    "*": ("warmup_epochs",),
    "constant": (),
    "step": ("step_size", "gamma"),
    "cosine": ("min_lr",),
    "onecycle": ("max_lr", "pct_start"),
    "plateau": ("monitor", "factor", "patience", "min_lr"),
}


class Schedule(Strict):
    """``schedule``: the learning rate over training, after an optional linear warm-up."""

    name: Literal["constant", "step", "cosine", "onecycle", "plateau"]
    warmup_epochs: int = Field(0, ge=0, description="Linear warm-up from lr/(k+1) to lr over k epochs (not with onecycle).")
    step_size: int = Field(1, ge=1, description="step: multiply the lr by gamma every step_size epochs.")
    gamma: float = Field(0.1, gt=0, le=1)
    min_lr: float = Field(0.0, ge=0, description="cosine: the final lr; plateau: the floor.")
    max_lr: float | None = Field(None, gt=0, description="onecycle: the peak lr (default: the optimizer's lr).")
    pct_start: float = Field(0.3, gt=0, lt=1, description="onecycle: share of the steps spent rising.")
    monitor: str | None = Field(None, description="plateau: 'val.<metric>' (default: the early-stopping monitor, else val.loss).")
    factor: float = Field(0.1, gt=0, lt=1, description="plateau: lr multiplier on a plateau.")
    patience: int = Field(10, ge=0, description="plateau: epochs without improvement before reducing.")

    @model_validator(mode="after")
    def _keys_fit_the_schedule(self) -> "Schedule":
        _only_for(self, self.name, SCHEDULE_KEYS, "schedules")
        if self.name == "onecycle" and self.warmup_epochs:
            raise ValueError("onecycle warms up by itself (pct_start); remove warmup_epochs")
        return self


class GradClip(Strict):
    """``grad_clip`` as a table: clip each gradient element to ``[-value, value]``, then the total norm."""

    norm: float | None = Field(None, gt=0, description="Max total gradient norm (torch clip_grad_norm_).")
    norm_type: float = Field(2.0, gt=0, description="p of the p-norm (inf for the max norm).")
    value: float | None = Field(None, gt=0, description="Max absolute gradient element (torch clip_grad_value_).")

    @model_validator(mode="after")
    def _something_to_clip(self) -> "GradClip":
        if self.norm is None and self.value is None:
            raise ValueError("give norm, value or both")
        return self


class Resources(Strict):
    """``[train] resources``: what one Ray task (a plan, or a variant's seeds trained together) reserves on a worker."""

    cpus: float = Field(1.0, gt=0, description="CPUs per task; torch runs that many threads (at least 1) unless [train].threads is set.")
    gpus: float = Field(0.0, ge=0, description="GPUs per task: a fraction (0.25: four tasks share a GPU) or a whole number.")

    @field_validator("cpus", "gpus")
    @classmethod
    def _whole_above_one(cls, amount: float) -> float:
        if amount > 1 and amount != int(amount):
            raise ValueError("an amount above 1 must be a whole number (Ray's rule)")
        return amount


class EarlyStopping(Strict):
    """Stop after ``patience`` epochs without improvement of ``monitor``; restore the best epoch."""

    monitor: str = Field(description="A validation metric, e.g. 'val.encoder1_auc'.")
    patience: int = Field(ge=1)
    min_delta: float = Field(0.0, ge=0)
    mode: Literal["auto", "max", "min"] = Field("auto", description="auto: from the metric's direction.")


class Train(Strict):
    """``[train]``: the loop's settings."""

    epochs: int = Field(ge=1)
    batch_size: int = Field(64, ge=1)
    eval_batch_size: int | None = Field(None, ge=1)
    optimizer: Optimizer = Optimizer()
    seeds: list[Seed] = Field([0], min_length=1, max_length=MAX_SEEDS, description="One run per seed; each 0 <= seed < 2**63.")
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    early_stopping: EarlyStopping | None = None
    grad_clip: GradClip | None = Field(None, description="Max gradient norm (a number), or {norm, norm_type, value}.")
    schedule: Schedule | None = None
    autocast: Literal["bf16"] | None = Field(None, description="bf16 autocast of forward and loss on CUDA (no-op elsewhere).")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch (default: torch's own choice).")
    checkpoint: bool = True
    resources: Resources = Field(Resources(), description="What one task reserves on a Ray worker (vifspec run --workers / --ray-address).")

    @field_validator("grad_clip", mode="before")
    @classmethod
    def _number_is_a_norm(cls, clip: Any) -> Any:
        """``grad_clip = 1.0`` is ``grad_clip = {norm = 1.0}``."""
        return {"norm": clip} if isinstance(clip, (int, float)) and not isinstance(clip, bool) else clip

    @model_validator(mode="after")
    def _warmup_within_epochs(self) -> "Train":
        if self.schedule is not None and self.schedule.warmup_epochs >= self.epochs:
            raise ValueError(f"schedule.warmup_epochs ({self.schedule.warmup_epochs}) must be below epochs ({self.epochs})")
        return self

    @model_validator(mode="after")
    def _gpus_need_a_gpu_device(self) -> "Train":
        if self.resources.gpus > 0 and self.device in ("cpu", "mps"):
            raise ValueError(f"resources.gpus = {self.resources.gpus:g} reserves a GPU but device is '{self.device}' (use 'auto' or 'cuda')")
        return self


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

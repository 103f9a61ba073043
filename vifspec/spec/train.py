"""``[train]`` of the spec language: epochs, batches, seeds, optimizer, schedule, clipping,
early stopping and the resources a run reserves (part of :mod:`vifspec.spec.schema`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from vifspec.limits import MAX_SEEDS
from vifspec.spec.fields import Seed, Strict


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
    threads: int | None = Field(None, ge=1, description="CPU threads for torch, and for numpy's BLAS while the data loads (default: torch's own choice).")
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

"""Evaluation of a model on a whole split: outputs concatenated over batches, then metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import torch

from vifspec.registry import Registry
from vifspec.spec import MetricDef
from vifspec.outputs import reading
from vifspec.prepare.bindings import BindingError, Scope, bound_inputs, call_bound, looked_up
from vifspec.metrics._common import Share
from vifspec.prepare.data import Fields, batches
from vifspec.executor.lossmix import LossMix


@dataclass
class BoundMetric:
    name: str
    fn: Any
    declared: tuple[str, ...]
    definition: MetricDef

    def inputs(self, scope: Scope) -> dict[str, Any]:
        """The metric's bound inputs in ``scope`` (what it is called with, besides its params)."""
        return bound_inputs(self.fn, self.declared, self.definition.inputs, scope, ("metric", self.name))

    def reads(self) -> set[str]:
        """The names the metric looks up (its outputs, fields or parameters)."""
        return set(looked_up(self.fn, self.declared, self.definition.inputs).values())

    def __call__(self, scope: Scope) -> dict[str, float | None]:
        value = call_bound(self.fn, self.declared, self.definition.inputs, self.definition.params, scope, ("metric", self.name))
        if isinstance(value, dict):
            return {f"{self.name}.{k}": _to_float(v) for k, v in value.items()}
        return {self.name: _to_float(value)}


def bind_metrics(names: list[str], definitions: dict[str, MetricDef], registry: Registry) -> list[BoundMetric]:
    """Load each named metric: a ``[metric.NAME]`` definition, or a registered metric used as is."""
    out = []
    for name in names:
        if name == "loss" or name.startswith("loss."):
            continue
        definition = definitions.get(name, MetricDef(fn=name))
        component = registry.get("metric", definition.fn)
        out.append(BoundMetric(name, component.load(), component.inputs, definition))
    return out


@torch.no_grad()
def predict(model: torch.nn.Module, fields: Fields, batch_size: int, reads: Iterable[str] | None = None) -> dict[str, Any]:
    """Model outputs over a whole split, concatenated along the batch dimension; ``reads`` names what
    will be read of them (a model may skip an optional output outside it: :mod:`vifspec.outputs`)."""
    was_training = model.training
    model.eval()
    parts: dict[str, list[Any]] = {}
    with reading(reads):
        for batch in batches(fields, batch_size):
            for key, value in model(batch).items():
                parts.setdefault(key, []).append(value)
    model.train(was_training)
    return {key: _concat(values) for key, values in parts.items()}


def evaluate(
    model: torch.nn.Module,
    fields: Fields,
    train: Fields,
    metrics: list[BoundMetric],
    loss_mix: LossMix | None,
    weights: dict[str, float] | None,
    batch_size: int,
    strict: bool = True,
    also_reads: Iterable[str] = (),
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Metrics of one split (plus ``loss`` and ``loss.<term>``) and the concatenated outputs.

    ``strict``: a metric whose inputs cannot be found is a spec error (the model under test);
    otherwise (trivial baselines) it is reported as missing. The outputs hold at least what the
    metrics, the loss mix and ``also_reads`` (e.g. ``[track] outputs``) read.
    """
    reads = {name for metric in metrics for name in metric.reads()} | set(also_reads)
    if loss_mix is not None and weights is not None:
        reads |= loss_mix.reads()
    outputs = predict(model, fields, batch_size, reads)
    scope = Scope(outputs, fields, model, train)
    values: dict[str, float | None] = {}
    if loss_mix is not None and weights is not None:
        values.update(_loss_values(loss_mix, scope, weights, strict))
    for metric in metrics:
        try:
            values.update(metric(scope))
        except BindingError:
            if strict:
                raise
            values[metric.name] = None
    return values, outputs


def _loss_values(loss_mix: LossMix, scope: Scope, weights: dict[str, float], strict: bool) -> dict[str, float | None]:
    try:
        total, raw = loss_mix(scope, weights)
    except BindingError:
        if strict:
            raise
        return {}
    values = {f"loss.{name}": _to_float(value) for name, value in raw.items()}
    values["loss"] = _to_float(total)
    return values


def _concat(values: list[Any]) -> Any:
    first = values[0]
    if isinstance(first, torch.Tensor) and first.dim() > 0:
        return torch.cat(values, dim=0)
    return first


def _to_float(value: Any) -> float | None:
    """A metric's value as a finite float (a :class:`Share` keeps its counts), else ``None``."""
    if isinstance(value, Share):
        return value if math.isfinite(value) else None
    if isinstance(value, torch.Tensor):
        value = value.detach().float().item()
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None

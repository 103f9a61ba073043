"""A single-seed run's uncertainty: its metrics on resampled test examples, for the verdict's intervals.

A variant trained with one seed has no spread over seeds; its criteria are then judged on the
bootstrap distribution of their metrics instead (``[verdict] resamples`` draws of the split's
examples, seeded by the data seed, so every run of an experiment -- arms, variants, the baseline,
the trivial models -- draws the same examples and their differences pair). Only the metrics the
criteria and the baseline comparison read are resampled, and only those registered ``per_example``
whose inputs are per-example tensors of the split (outputs or fields, not parameters).
"""

from __future__ import annotations

from typing import Any, Iterable

import torch

from vifspec.compiler.plan import Plan
from vifspec.executor.evaluate import BoundMetric
from vifspec.executor.resample import resample_metric
from vifspec.expr import ExprError, parse
from vifspec.facts import facts_of
from vifspec.prepare.bindings import BindingError, Scope
from vifspec.prepare.data import num_rows

Draws = dict[str, dict[str, list[float | None]]]
DIGITS = 6


def wanted(plan: Plan) -> dict[str, set[tuple[str, str]]]:
    """Whose ``(split, metric)`` values the criteria and the baseline comparison read: ``"model"`` (this
    run, an arm or a variant: every run resamples what the spec's criteria name) or a trivial model."""
    spec = plan.spec
    out: dict[str, set[tuple[str, str]]] = {"model": set()}
    for text in spec.criteria.values():
        try:
            refs = [b for ref in parse(text).references() for b in ref.bind_all(frozenset(plan.runs))]
        except ExprError:
            continue
        for ref in refs:
            out.setdefault("model" if ref.source != "trivial" else ref.arm or "", set()).add((ref.split, ref.metric))
    for key in spec.baseline.compare if spec.baseline else ():
        split, _, metric = key.partition(".")
        out["model"].add((split, metric))
    return out


def resample_split(metrics: Iterable[BoundMetric], scope: Scope, names: set[str], plan: Plan) -> dict[str, list[float | None]]:
    """Metric name -> its values on ``[verdict] resamples`` draws of the split's examples, for each of
    ``names`` that can be resampled (a metric that cannot is left out: its verdict has no interval)."""
    settings = plan.spec.verdict
    n = num_rows(scope.fields)
    out: dict[str, list[float | None]] = {}
    for metric in metrics:
        if metric.name not in names or not facts_of(plan.facts, metric.name).per_example:
            continue
        try:
            inputs = metric.inputs(scope)
        except BindingError:
            continue
        per_example = {k: v for k, v in inputs.items() if isinstance(v, torch.Tensor) and v.dim() > 0 and v.shape[0] == n}
        if not per_example:
            continue
        fixed = {**{k: v for k, v in inputs.items() if k not in per_example}, **metric.definition.params}
        try:
            drawn = resample_metric(metric.fn, per_example, fixed, resamples=settings.resamples,
                                    seed=plan.spec.data.seed, confidence=settings.confidence)
        except (TypeError, ValueError, RuntimeError):  # e.g. a table-valued metric: no interval for it
            continue
        out[metric.name] = [_rounded(v) for v in drawn.values.tolist()]
    return out


def _rounded(value: float) -> float | None:
    return None if value != value else float(f"{value:.{DIGITS}g}")  # NaN (undefined on that draw) -> None


__all__: list[Any] = ["Draws", "resample_split", "wanted"]

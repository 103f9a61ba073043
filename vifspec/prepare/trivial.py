"""Trivial models beside the model (``[baseline] trivial``): built, fitted on the train split, checked.

A trivial model (majority class, copy-last, per-skill rate) is evaluated with the spec's metrics.
One that can compute none of them has outputs that match no metric's inputs: a problem at
``[baseline] trivial``, not a silent "-" in the report. A criterion naming
``trivial.<model>.<split>.<metric>`` whose metric the model cannot compute is a problem at the criterion.
"""

from __future__ import annotations

from typing import Any

import torch

from vifspec.data import DataBundle
from vifspec.executor.evaluate import BoundMetric
from vifspec.expr import ExprError, parse
from vifspec.prepare.bindings import BindingError, Scope
from vifspec.prepare.data import Fields, build_model
from vifspec.prepare.problems import PlanProblems
from vifspec.registry import Registry

PROBE_ROWS = 8


def prepare_trivial(spec: Any, registry: Registry, bundle: DataBundle, splits: dict[str, Fields],
                    metrics: dict[str, list[BoundMetric]], device: torch.device, problems: PlanProblems) -> dict[str, torch.nn.Module]:
    """Every trivial model built on ``device`` and fitted on the train split; problems added."""
    models: dict[str, torch.nn.Module] = {}
    train = splits["train"]
    bound = {m.name: m for ms in metrics.values() for m in ms}
    for name in spec.baseline.trivial if spec.baseline else []:
        try:
            model = build_model(registry.get("model", name).load(), {}, bundle.info).to(device)
            if hasattr(model, "fit"):
                model.fit(train)
            computable = _computable(model, train, bound)
        except Exception as exc:  # noqa: BLE001 - a trivial model that cannot run on the data is a spec problem
            problems.add(("baseline", "trivial"), f"trivial model '{name}' failed on the data: {type(exc).__name__}: {exc}")
            continue
        missing = {metric: reason for metric, reason in computable.items() if reason}
        if bound and len(missing) == len(bound):
            problems.add(("baseline", "trivial"), f"trivial model '{name}' computes none of the metrics: {_first(missing)}")
        for criterion, metric in _criteria_naming(spec, name):
            if metric in missing:
                problems.add(("criteria", criterion), f"trivial model '{name}' cannot compute '{metric}': {missing[metric]}")
        models[name] = model
    return models


def _computable(model: torch.nn.Module, train: Fields, bound: dict[str, BoundMetric]) -> dict[str, str | None]:
    """Metric name -> why the model cannot compute it on a few rows (``None`` when it can)."""
    batch = {k: v[:PROBE_ROWS] for k, v in train.items()}
    model.eval()
    with torch.no_grad():
        scope = Scope(model(batch), batch, model, train)
        out: dict[str, str | None] = {}
        for name, metric in bound.items():
            try:
                metric(scope)
                out[name] = None
            except BindingError as exc:
                out[name] = f"{exc} (it has: {', '.join(scope.outputs) or 'no outputs'})"
    return out


def _criteria_naming(spec: Any, model: str) -> list[tuple[str, str]]:
    """``(criterion, metric)`` for every reference ``trivial.<model>.<split>.<metric>`` in the criteria."""
    found = []
    for criterion, text in spec.criteria.items():
        try:
            refs = [b for ref in parse(text).references() for b in ref.bind_all(frozenset())]
        except ExprError:
            continue
        found += [(criterion, b.metric) for b in refs if b.source == "trivial" and b.arm == model]
    return found


def _first(missing: dict[str, str | None]) -> str:
    metric, reason = next(iter(missing.items()))
    return f"'{metric}': {reason}"

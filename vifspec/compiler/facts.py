"""Resolve the facts of every metric a spec computes, once, from the registry and ``[metric.NAME]``."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from vifspec.errors import SpecError
from vifspec.facts import LOSS_FACTS, UNKNOWN_FACTS, MetricFacts, is_loss_metric
from vifspec.registry import Registry
from vifspec.spec.schema import Spec


def computed_metrics(spec: Spec) -> list[str]:
    """Every metric name computed on some split, sorted."""
    return sorted({m for names in spec.metrics.values() for m in names})


def resolve_facts(spec: Spec, registry: Registry, names: Iterable[str] | None = None,
                  imports: bool = True) -> dict[str, MetricFacts]:
    """Metric name -> its facts, for ``names`` (default: every metric the spec computes).

    A ``[metric.NAME]`` definition takes its function's declared facts and refines them with its own
    ``unit``, ``higher_is_better`` and ``diagnostic``; a registered metric used by name has its own
    facts; ``loss``/``loss.<term>`` have the loss facts; anything else (a name in a results file the
    spec does not define) has unknown facts. With ``imports=False`` a function named by import path is
    not imported: only what its ``[metric.NAME]`` table declares is known (``vifspec judge``).
    """
    out: dict[str, MetricFacts] = {}
    for name in computed_metrics(spec) if names is None else sorted(set(names)):
        out[name] = _facts(name, spec, registry, imports)
    return out


def _facts(name: str, spec: Spec, registry: Registry, imports: bool) -> MetricFacts:
    definition = spec.metric.get(name)
    if definition is None:
        if is_loss_metric(name):
            return LOSS_FACTS
        return registry.get("metric", name).facts if registry.has("metric", name) else UNKNOWN_FACTS
    try:
        declared = registry.get("metric", definition.fn, imports=imports).facts
    except SpecError:  # an unknown function is the checks' problem to report; its facts are unknown
        declared = UNKNOWN_FACTS
    refined = {key: getattr(definition, key) for key in ("unit", "higher_is_better", "diagnostic") if getattr(definition, key) is not None}
    return replace(declared, fn=definition.fn, **refined)

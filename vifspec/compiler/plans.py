"""Plans: one frozen :class:`Plan` per selected variant and seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from vifspec.compiler.load import load_spec
from vifspec.compiler.plan import Plan
from vifspec.compiler.variants import Variant, expand_variants, select_variants
from vifspec.errors import Problem, SpecError
from vifspec.registry import Registry, default_registry
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source


def compile_plans(
    path: str | Path,
    *,
    seeds: int | None = None,
    only: Iterable[str] = (),
    group: str | None = None,
    registry: Registry | None = None,
) -> list[Plan]:
    """Compile a spec into its plans (variants x seeds), filtered by ``only`` ids and ``group``."""
    registry = registry or default_registry()
    source, spec = load_spec(path, registry)
    if not spec.trainable:
        raise SpecError(Problem("a verdict-only spec has nothing to run; use 'vifspec judge'", source.path))
    variants = select_variants(expand_variants(spec, source), set(only), group, source)
    return plans_for(variants, source, seeds, registry)


def plans_for(variants: list["Variant"], source: Source, seeds: int | None, registry: Registry) -> list[Plan]:
    """One frozen plan per variant and seed (``seeds`` overrides ``[train].seeds`` with 0..seeds-1)."""
    plans = []
    for variant in variants:
        seed_list = list(range(seeds)) if seeds else list(variant.spec.train.seeds)
        for seed in seed_list:
            plans.append(
                Plan(
                    spec=variant.spec,
                    spec_path=source.path,
                    spec_hash=source.hash,
                    variant=variant.id,
                    seed=seed,
                    group=variant.group,
                    arm=variant.arm,
                    overrides=variant.overrides,
                    metric_fns=metric_fns(variant.spec),
                    directions=directions(variant.spec, registry),
                    seeds_in_variant=len(seed_list),
                )
            )
    return plans


def metric_fns(spec: Spec) -> dict[str, str]:
    """Metric name -> registry function, for every metric computed on some split."""
    names = {m for split in spec.metrics.values() for m in split}
    return {name: spec.metric[name].fn if name in spec.metric else name for name in sorted(names)}


def directions(spec: Spec, registry: Registry) -> dict[str, bool | None]:
    """Metric name -> higher_is_better (None when unknown; losses are lower-is-better)."""
    out: dict[str, bool | None] = {}
    for name, fn in metric_fns(spec).items():
        if name == "loss" or name.startswith("loss."):
            out[name] = False
        elif registry.has("metric", fn) or ":" in fn:
            out[name] = registry.get("metric", fn).higher_is_better
        else:
            out[name] = None
    return out


def result_directions(spec: Spec, results: dict[str, Any], registry: Registry | None = None) -> dict[str, bool]:
    """Directions of the metrics named in a results file: by their [metric] fn, else by registry name."""
    registry = registry or default_registry()
    names = {m for table in (results.get("metrics") or {}).values() if isinstance(table, dict) for m in table}
    out = {}
    for name in names:
        fn = spec.metric[name].fn if name in spec.metric else name
        if registry.has("metric", fn):
            out[name] = registry.get("metric", fn).higher_is_better
    return out


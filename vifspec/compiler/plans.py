"""Plans: one frozen :class:`Plan` per selected variant and seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from vifspec.compiler.facts import resolve_facts
from vifspec.compiler.load import load_spec
from vifspec.compiler.plan import Plan
from vifspec.compiler.variants import Variant, expand_variants, run_names, select_variants
from vifspec.errors import Problem, SpecError
from vifspec.registry import Registry, default_registry
from vifspec.spec.source import Source


def compile_plans(
    path: str | Path,
    *,
    seeds: int | None = None,
    only: Iterable[str] = (),
    group: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
) -> list[Plan]:
    """Compile a spec into its plans (variants x seeds x folds), filtered by ``only`` ids and ``group``;
    ``seeds`` replaces ``[train] seeds`` with 0..seeds-1 and ``overrides`` sets dotted keys first."""
    registry = registry or default_registry()
    source, spec = load_spec(path, registry, overrides=overrides)
    if not spec.trainable:
        raise SpecError(Problem("a verdict-only spec has nothing to run; use 'vifspec judge'", source.path))
    variants = select_variants(expand_variants(spec, source), set(only), group, source)
    return plans_for(variants, source, seeds, registry, run_names(spec))


def plans_for(variants: list["Variant"], source: Source, seeds: int | None, registry: Registry,
              runs: Iterable[str] = ()) -> list[Plan]:
    """One frozen plan per variant, seed and fold (``seeds`` overrides ``[train].seeds`` with 0..seeds-1);
    ``runs`` are the names criteria may compare runs by (every arm or variant of the spec)."""
    plans = []
    for variant in variants:
        seed_list = list(range(seeds)) if seeds else list(variant.spec.train.seeds)
        folds = variant.spec.data.folds
        for seed, fold in [(s, f) for s in seed_list for f in (range(folds) if folds else [None])]:
            plans.append(
                Plan(
                    spec=variant.spec,
                    spec_path=source.path,
                    spec_hash=source.hash,
                    variant=variant.id,
                    seed=seed,
                    group=variant.group,
                    arm=variant.arm,
                    overrides={**source.overrides, **variant.overrides},
                    facts=resolve_facts(variant.spec, registry),
                    seeds_in_variant=len(seed_list),
                    declared_at=variant.declared_at,
                    runs=tuple(runs),
                    fold=fold,
                )
            )
    return plans

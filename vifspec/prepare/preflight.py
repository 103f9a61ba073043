"""Prepare one plan of every variant before anything trains, and report every problem at once.

``vifspec run`` calls it before the first epoch of a sweep (so a typo in variant 12 does not wait for
variants 1-11 to train) and ``vifspec check --deep`` calls it for every spec.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Callable, Iterable

from vifspec.compiler.plan import Plan
from vifspec.data import DataBundle
from vifspec.errors import Problem, SpecError
from vifspec.prepare.data import Fields
from vifspec.prepare.prepare import Prepared, prepare
from vifspec.prepare.problems import VARIANT_SUFFIX
from vifspec.registry import Registry


def preflight(plans: Iterable[Plan], registry: Registry, device: str | None = None,
              inspect: Callable[[Prepared], None] | None = None) -> list[Problem]:
    """The prepare phase's problems for the first plan of each variant, merged across variants; variants
    with the same data (:func:`_data_key`) load it once.

    ``inspect`` is called with each variant's prepared plan (the runner asks it how the seeds train).
    """
    found: list[Problem] = []
    seen: set[str] = set()
    loaded: dict[str, tuple[DataBundle, dict[str, Fields]]] = {}
    for plan in plans:
        if plan.variant in seen:
            continue
        seen.add(plan.variant)
        key = _data_key(plan, device)
        try:
            prepared = prepare(plan, registry, device, loaded.get(key))
        except SpecError as exc:
            found.extend(p if p.file else replace(p, file=plan.spec_path) for p in exc.problems)
            continue
        loaded.setdefault(key, (prepared.bundle, prepared.splits))
        if inspect is not None:
            inspect(prepared)
    return merge_variants(found)


def _data_key(plan: Plan, device: str | None) -> str:
    """What a plan's data is a function of: the same key loads the same data (the global generators
    are seeded with the plan's seed before it loads), so a sweep's variants that differ elsewhere load it once."""
    where = [plan.spec.data.model_dump(mode="json"), plan.seed, plan.fold, str(plan.spec_path), device or plan.spec.train.device]
    return json.dumps(where, sort_keys=True, default=str)


def merge_variants(problems: list[Problem]) -> list[Problem]:
    """One problem per place and message, naming every variant it was found in."""
    merged: dict[tuple[object, ...], tuple[Problem, list[str]]] = {}
    for problem in problems:
        message, _, variant = problem.message.partition(VARIANT_SUFFIX)
        key = (problem.file, problem.line, problem.col, problem.key, message)
        _, variants = merged.setdefault(key, (replace(problem, message=message), []))
        if variant:
            variants.append(variant.rstrip(")"))
    return [replace(p, message=p.message + (f"{VARIANT_SUFFIX}{', '.join(v)})" if v else "")) for p, v in merged.values()]

"""Expansion of a spec into variants: one per arm, sweep point or declared variant (else ``main``).

A variant id names its run folder (``runs/<experiment>/<variant>/``): declared ids and arm names are
safe ids by the schema's rule; an id derived from a sweep point keeps only safe characters, is cut to
the id length limit (with a hash of the whole point), and two points may not share one. The schema
bounds a sweep to :data:`~vifspec.limits.MAX_VARIANTS` points before anything expands it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from typing import Any

from vifspec.errors import Problem, SpecError, did_you_mean
from vifspec.spec.overrides import RESERVED_VARIANT_KEYS, flatten
from vifspec.limits import ID_MAX_LENGTH
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source
from vifspec.spec.validate import validate


@dataclass(frozen=True)
class Variant:
    id: str
    spec: Spec
    overrides: dict[str, Any]
    group: str | None = None
    arm: str | None = None
    description: str = ""
    declared_at: tuple[str, ...] = ()


def expand_variants(spec: Spec, source: Source) -> list[Variant]:
    """One variant per arm, per sweep combination or per declared variant; else the spec itself ('main')."""
    if spec.arms:
        return [_variant(source, name, ("arms", name), flatten(o), arm=name) for name, o in spec.arms.items()]
    if spec.variants:
        out = []
        for name, table in spec.variants.items():
            overrides = {k: v for k, v in flatten(table).items() if k not in RESERVED_VARIANT_KEYS}
            out.append(_variant(source, name, ("variants", name), overrides, group=table.get("group"),
                                description=table.get("description", "")))
        return out
    if spec.sweep:
        return [_variant(source, vid, ("sweep",), overrides) for vid, overrides in _checked_sweep(spec, source)]
    return [Variant("main", spec, {})]


def run_names(spec: Spec) -> list[str]:
    """The names criteria may compare runs by: the arms, else the declared variants' ids, else the sweep points'."""
    if spec.arms:
        return list(spec.arms)
    if spec.variants:
        return list(spec.variants)
    return [vid for vid, _ in sweep_points(spec.sweep)] if spec.sweep else []


def _checked_sweep(spec: Spec, source: Source) -> list[tuple[str, dict[str, Any]]]:
    """The sweep's points; two points may not share an id (their runs would share a folder). The
    schema bounds their number before anything expands them."""
    points = sweep_points(spec.sweep)
    seen: set[str] = set()
    for vid, _ in points:
        if vid in seen:
            raise SpecError(source.problem(("sweep",), f"two sweep points get the same variant id '{vid}'; "
                                           "give linked tables distinct labels, or values that differ once written"))
        seen.add(vid)
    return points


def sweep_points(sweep: dict[str, list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Cartesian product of the sweep axes. A value that is a table is a set of linked overrides."""
    axes = []
    for axis, values in sweep.items():
        points = []
        for value in values:
            if isinstance(value, dict):
                linked = flatten({k: v for k, v in value.items() if k != "label"})
                label = str(value.get("label", "-".join(str(v) for v in linked.values())))
                points.append((f"{axis}={label}", linked))
            else:
                points.append((f"{axis.rsplit('.', 1)[-1]}={_value_label(value)}", {axis: value}))
        axes.append(points)
    out = []
    for combo in itertools.product(*axes):
        vid = ",".join(label for label, _ in combo)
        merged: dict[str, Any] = {}
        for _, overrides in combo:
            merged.update(overrides)
        out.append((_safe_id(vid), merged))
    return out


def _variant(source: Source, vid: str, at: tuple[str, ...], overrides: dict[str, Any], **meta: Any) -> Variant:
    spec = validate(source, overrides, at)
    return Variant(vid, spec, overrides, declared_at=at, **meta)


def select_variants(variants: list[Variant], only: set[str], group: str | None, source: Source) -> list[Variant]:
    """The variants named by ``--only`` ids and ``--group`` (all when neither is given).

    A ``--set`` key that a selected variant (an arm, a sweep point, a declared variant) also sets
    is refused: the variant's value would win, and the ``--set`` would be ignored without a word.
    """
    ids = [v.id for v in variants]
    unknown = [o for o in only if o not in ids]
    if unknown:
        raise SpecError([Problem(f"--only: no variant '{o}'{did_you_mean(o, ids)}", source.path) for o in unknown])
    groups = sorted({v.group for v in variants if v.group})
    if group is not None and group not in groups:
        raise SpecError(Problem(f"--group: no group '{group}'{did_you_mean(group, groups)}; groups: {', '.join(groups) or 'none'}", source.path))
    selected = [v for v in variants if (not only or v.id in only) and (group is None or v.group == group)]
    if not selected:
        in_group = [v.id for v in variants if v.group == group]
        raise SpecError(Problem(f"--only {', '.join(sorted(only))} and --group {group} select no variant: "
                                f"group '{group}' holds {', '.join(in_group)}", source.path))
    shadowed = [_shadowed(key, value, shadowing, source) for key, value in source.overrides.items()
                if (shadowing := [v for v in selected if any(_overlap(key, k) for k in v.overrides)])]
    if shadowed:
        raise SpecError(shadowed)
    return selected


def _overlap(one: str, other: str) -> bool:
    """Whether two dotted keys set the same value (equal, or one a table holding the other)."""
    return one == other or other.startswith(f"{one}.") or one.startswith(f"{other}.")


def _shadowed(key: str, value: Any, variants: list[Variant], source: Source) -> Problem:
    where = {"arms": "arm", "variants": "variant", "sweep": "sweep point"}[variants[0].declared_at[0]]
    named = ", ".join(f"'{v.id}'" for v in variants[:3]) + (f" and {len(variants) - 3} more" if len(variants) > 3 else "")
    return Problem(f"--set {key}={value!r}: the {where}{'s' if len(variants) > 1 else ''} {named} set{'' if len(variants) > 1 else 's'} "
                   f"'{key}' too, and a variant's value wins, so this --set would be ignored there; select variants that leave it "
                   "alone (--only, --group) or change it in the spec", source.path)


def _value_label(value: Any) -> str:
    """A sweep value as written in an id: a list joins its items with '-' (``hidden = [64, 32]`` -> ``64-32``)."""
    return "-".join(_value_label(v) for v in value) if isinstance(value, list) else str(value)


def _safe_id(text: str) -> str:
    """A sweep point's label as one safe path component (never '.' or '..': it always holds '=')."""
    safe = re.sub(r"[^A-Za-z0-9_.,=@+\-]", "_", text)
    if len(safe) > ID_MAX_LENGTH:
        safe = f"{safe[:ID_MAX_LENGTH - 9]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    return safe



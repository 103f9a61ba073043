"""TOML -> Spec -> Plans. Every problem of a file is collected and raised at once as a SpecError.

Steps: read and parse the TOML (syntax errors with line and column), validate it against the
pydantic schema (unknown keys, types, ranges), check references between tables and against the
registry (``vifspec.checks``), expand arms / sweep / variants and seeds into frozen plans.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import sys
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, get_args, get_origin

from pydantic import BaseModel, ValidationError

from vifspec.errors import Problem, SpecError, did_you_mean
from vifspec.plan import Plan
from vifspec.registry import Registry, default_registry
from vifspec.salvage import salvage
from vifspec.spec import Spec
from vifspec.tomlpos import Positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_AT_END = re.compile(r"\(at end of document\)")
RESERVED_VARIANT_KEYS = ("group", "description")


@dataclass(frozen=True)
class Source:
    """A spec file as read: its text, the parsed document and where each key is written."""

    path: str
    text: str
    doc: dict[str, Any]

    @cached_property
    def positions(self) -> Positions:
        """Key positions, scanned only when a problem needs placing (a valid spec never pays for it)."""
        return Positions(self.text)

    def problem(self, key_path: Iterable[str | int], message: str) -> Problem:
        key_path = tuple(key_path)
        line, col = self.positions.find(key_path)
        key = ".".join(str(k) for k in key_path) or None
        return Problem(message, self.path, line, col, key)

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def read_source(path: str | Path, text: str | None = None) -> Source:
    """Read and parse a spec file; a syntax error becomes a SpecError at its line and column."""
    path = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SpecError(Problem("no such file", path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(Problem(f"cannot read: {exc}", path)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_ERROR_AT.search(message)
        line, col = (int(at.group(1)), int(at.group(2))) if at else _end_of(text)
        message = _TOML_ERROR_AT.sub("", _TOML_AT_END.sub("at end of file", message)).strip()
        raise SpecError(Problem(f"TOML syntax error: {message}", path, line, col)) from None
    return Source(path, text, doc)


def _end_of(text: str) -> tuple[int, int]:
    """Line and column just after the last character of ``text`` (where "end of document" errors are)."""
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def validate(source: Source, overrides: dict[str, Any] | None = None, at: tuple[str, ...] = ()) -> Spec:
    """Validate the document (with ``overrides`` applied, declared at ``at``) against the schema."""
    doc = source.doc if overrides is None else apply_overrides(source.doc, overrides)
    try:
        return Spec.model_validate(doc, strict=True)
    except ValidationError as exc:
        raise SpecError([_pydantic_problem(source, err, overrides, at) for err in exc.errors()]) from None


def load_spec(path: str | Path, registry: Registry | None = None, text: str | None = None) -> tuple[Source, Spec]:
    """Read (or take ``text`` as the content of ``path``), validate and cross-check one spec (no expansion)."""
    from vifspec.checks import check_spec

    source = read_source(path, text)
    registry = registry or default_registry()
    try:
        spec = validate(source)
    except SpecError as exc:
        salvaged = salvage(source.doc)
        more = check_spec(salvaged[0], replace(source, doc=salvaged[1]), registry) if salvaged is not None else []
        raise SpecError(_unique([*exc.problems, *more])) from None
    problems = check_spec(spec, source, registry)
    if problems:
        raise SpecError(problems)
    return source, spec


def _unique(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, each once (a salvaged check may repeat a schema problem's place)."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for problem in problems:
        key = (problem.line, problem.col, problem.key)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return sorted(out, key=lambda p: (p.line or 0, p.col or 0))


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


@dataclass(frozen=True)
class Variant:
    id: str
    spec: Spec
    overrides: dict[str, Any]
    group: str | None = None
    arm: str | None = None
    description: str = ""


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
        return [_variant(source, vid, ("sweep",), overrides) for vid, overrides in sweep_points(spec.sweep)]
    return [Variant("main", spec, {})]


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
                points.append((f"{axis.rsplit('.', 1)[-1]}={value}", {axis: value}))
        axes.append(points)
    out = []
    for combo in itertools.product(*axes):
        vid = ",".join(label for label, _ in combo)
        merged: dict[str, Any] = {}
        for _, overrides in combo:
            merged.update(overrides)
        out.append((_safe_id(vid), merged))
    return out


def apply_overrides(doc: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` (without its expansion tables) with each dotted key set; ``doc`` is not changed.

    Only the tables on an override's path are copied (copy-on-write), so expanding many variants stays cheap.
    """
    out = {key: value for key, value in doc.items() if key not in ("arms", "sweep", "variants")}
    for dotted, value in overrides.items():
        node = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            child = node.get(part)
            node[part] = dict(child) if isinstance(child, dict) else {}
            node = node[part]
        node[leaf] = value
    return out


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"loss": {"bce": {"weight": 1}}}`` -> ``{"loss.bce.weight": 1}`` (params tables stay whole)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value and not dotted.endswith(("params", "inputs")):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


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


def _variant(source: Source, vid: str, at: tuple[str, ...], overrides: dict[str, Any], **meta: Any) -> Variant:
    spec = validate(source, overrides, at)
    return Variant(vid, spec, overrides, **meta)


def select_variants(variants: list[Variant], only: set[str], group: str | None, source: Source) -> list[Variant]:
    """The variants named by ``--only`` ids and ``--group`` (all when neither is given)."""
    ids = [v.id for v in variants]
    unknown = [o for o in only if o not in ids]
    if unknown:
        raise SpecError([Problem(f"--only: no variant '{o}'{did_you_mean(o, ids)}", source.path) for o in unknown])
    groups = sorted({v.group for v in variants if v.group})
    if group is not None and group not in groups:
        raise SpecError(Problem(f"--group: no group '{group}'{did_you_mean(group, groups)}; groups: {', '.join(groups) or 'none'}", source.path))
    return [v for v in variants if (not only or v.id in only) and (group is None or v.group == group)]


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.,=@+\-]", "_", text)


# -- pydantic errors -> problems -----------------------------------------------------------------
_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "missing": "required key is missing",
}


def _pydantic_problem(source: Source, err: dict[str, Any], overrides: dict[str, Any] | None, at: tuple[str, ...]) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("literal[", "function-"))))
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        message = f"unknown key '{loc[-1]}'{did_you_mean(str(loc[-1]), allowed)}"
        if allowed:
            message += f"; allowed: {', '.join(allowed)}"
    else:
        template = _MESSAGES.get(kind)
        message = template.format(**err.get("ctx", {})) if template else _lower_first(err["msg"])
        if kind != "missing":
            message += f", got {err.get('input')!r}"
    if overrides is None:
        return source.problem(loc, message)
    dotted = ".".join(str(p) for p in loc)
    for key in overrides:
        if dotted.startswith(key) or key.startswith(dotted):
            path = at + (key,) if source.positions.exact(at + (key,)) else at + tuple(key.split("."))
            problem = source.problem(path, f"{message} (in {'.'.join(at)})")
            return Problem(problem.message, problem.file, problem.line, problem.col, dotted)
    return source.problem(at, f"{dotted}: {message}")


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    annotation: Any = Spec
    for part in loc:
        annotation = schema_child(annotation, part)
        if annotation is None:
            return []
    model = schema_model(annotation)
    return sorted(model.model_fields) if model else []


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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def judge_spec(spec: Spec | str | Path, results: dict[str, Any]) -> Any:
    """The verdict of ``results`` (judge's JSON shape) against a spec's criteria and gates."""
    from vifspec.verdict import judge_results

    if not isinstance(spec, Spec):
        _, spec = load_spec(spec)
    gates = {name: gate.model_dump() for name, gate in spec.gates.items()}
    arm = spec.baseline.arm if spec.baseline else None
    if arm and "baseline" not in results and isinstance(results.get("arms"), dict) and arm in results["arms"]:
        results = {**results, "baseline": results["arms"][arm]}  # the baseline is one of the arms
    return judge_results(spec.criteria, gates, results, arms=set(spec.arms) or None)

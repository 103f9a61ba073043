"""Cross-reference checks of a validated spec: components exist, references resolve.

Each check returns a list of problems placed at the key that is wrong, so that one run of the
compiler reports every problem of a file. Torch-free: components are looked up by their
registry declarations, never imported. A user object named by import path (``"pkg.mod:obj"``) is
imported only with ``imports=True`` (what ``run`` and ``check --import`` do); otherwise its form and
its module's presence are checked without executing anything.
"""

from __future__ import annotations

from typing import Any, Iterator

from vifspec import expr
from vifspec.errors import Problem, SpecError, did_you_mean
from vifspec.registry import Registry
from vifspec.compiler.variants import run_names
from vifspec.spec.overrides import leaf_paths, override_keys, settable
from vifspec.spec.schema import Spec


def check_spec(spec: Spec, source: Any, registry: Registry, imports: bool = True) -> list[Problem]:
    """All cross-reference problems of ``spec`` (an empty list when it is sound); ``imports``: import the
    objects named by import path to check them and their inputs (else nothing named is executed)."""
    produced = produced_metrics(spec, source.doc)
    return [
        *_check_components(spec, source, registry, imports),
        *_check_metric_lists(spec, source, registry),
        *_check_monitors(spec, source, produced),
        *_check_criteria(spec, source, produced),
        *_check_gates(spec, source),
        *_check_baseline(spec, source, produced),
        *_check_overrides(spec, source),
    ]


def produced_metrics(spec: Spec, doc: dict[str, Any] | None = None) -> dict[str, set[str]]:
    """Split -> every metric name a run of this spec (any variant) reports on it, losses included."""
    terms = set(spec.loss)
    terms |= {k.split(".")[1] for _, k in override_keys(doc or {}) if k.startswith("loss.") and k.count(".") >= 2}
    auto = {"loss"} | {f"loss.{t}" for t in terms} if spec.trainable else set()
    return {split: set(names) | auto for split, names in spec.metrics.items()}


def _check_components(spec: Spec, source: Any, registry: Registry, imports: bool) -> Iterator[Problem]:
    wanted: list[tuple[str, str, tuple[Any, ...]]] = []
    if spec.data is not None:
        wanted.append(("dataset", registry.dataset_name(spec.data.source), ("data", "source")))
        wanted.append(("model", spec.model.name, ("model", "name")))
    wanted += [("loss", t.fn, ("loss", n, "fn")) for n, t in spec.loss.items()]
    wanted += [("metric", m.fn, ("metric", n, "fn")) for n, m in spec.metric.items()]
    if spec.baseline is not None:
        wanted += [("model", name, ("baseline", "trivial")) for name in spec.baseline.trivial]
    wanted += [("metric", name, ("metrics", split)) for split, names in spec.metrics.items() for name in names if ":" in name]
    for kind, name, at in wanted:
        try:
            component = registry.get(kind, name, imports=imports)
        except SpecError as exc:
            yield source.problem(at, exc.problems[0].message)
            continue
        if kind == "loss":
            yield from _check_bindings(component, spec.loss[at[1]].inputs, source, at[:2])
        elif kind == "metric" and at[0] == "metric":
            yield from _check_bindings(component, spec.metric[at[1]].inputs, source, at[:2])


def _check_bindings(component: Any, inputs: dict[str, str], source: Any, at: tuple[Any, ...]) -> Iterator[Problem]:
    for key in inputs:
        if component.inputs and key not in component.inputs:
            hint = did_you_mean(key, component.inputs)
            yield source.problem(at + ("inputs", key), f"'{component.name}' has no input '{key}'{hint}; its inputs: {', '.join(component.inputs)}")


def _check_metric_lists(spec: Spec, source: Any, registry: Registry) -> Iterator[Problem]:
    known = set(spec.metric) | set(registry.names("metric"))
    for split, names in spec.metrics.items():
        for i, name in enumerate(names):
            if name in known or name == "loss" or name.startswith("loss.") or ":" in name:
                continue
            hint = did_you_mean(name, known)
            yield source.problem(("metrics", split), f"unknown metric '{name}'{hint}: define it in [metric.{name}] or use a registered metric")


def _check_monitors(spec: Spec, source: Any, produced: dict[str, set[str]]) -> Iterator[Problem]:
    monitors: list[tuple[str, tuple[Any, ...]]] = []
    if spec.train is not None and spec.train.early_stopping is not None:
        monitors.append((spec.train.early_stopping.monitor, ("train", "early_stopping", "monitor")))
    monitors += [(g.monitor, ("guards", "collapse", i, "monitor")) for i, g in enumerate(spec.guards.collapse)]
    schedule = spec.train.schedule if spec.train is not None else None
    if schedule is not None and schedule.name == "plateau":  # default: the early-stopping monitor, else val.loss
        default = spec.train.early_stopping.monitor if spec.train.early_stopping else "val.loss"
        monitors.append((schedule.monitor or default, ("train", "schedule", "monitor" if schedule.monitor else "name")))
    for monitor, at in monitors:
        split, _, metric = monitor.partition(".")
        problem = _missing_metric(split, metric, produced, per_epoch=True)
        if problem:
            yield source.problem(at, f"'{monitor}': {problem}")


def _missing_metric(split: str, metric: str, produced: dict[str, set[str]], per_epoch: bool = False) -> str | None:
    if per_epoch and split != "val":
        return "only 'val.<metric>' is evaluated every epoch"
    if split not in produced:
        return f"no split '{split}' in [metrics]{did_you_mean(split, produced)}; splits: {', '.join(sorted(produced)) or 'none'}"
    if metric not in produced[split]:
        return f"metric '{metric}' is not computed on '{split}'{did_you_mean(metric, produced[split])}; add it to [metrics].{split}"
    return None


def _check_criteria(spec: Spec, source: Any, produced: dict[str, set[str]]) -> Iterator[Problem]:
    arms = set(run_names(spec))
    for name, text in spec.criteria.items():
        at = ("criteria", name)
        try:
            parsed = expr.parse(text)
        except expr.ExprError as exc:
            yield _at_column(source, source.problem(at, f"{exc.message} in {text!r}"), text, exc.col)
            continue
        for ref in parsed.references():
            try:
                bound_refs = ref.bind_all(arms)
            except expr.ExprError as exc:
                yield _at_column(source, source.problem(at, f"{exc.message} in {text!r}"), text, exc.col)
                continue
            message = next(filter(None, (_reference_problem(b, spec, produced) for b in bound_refs)), None)
            if message:
                yield _at_column(source, source.problem(at, f"{message} (in {text!r})"), text, ref.col)


def _reference_problem(ref: Any, spec: Spec, produced: dict[str, set[str]]) -> str | None:
    """Why a bound reference cannot be resolved against what the spec produces, or None."""
    if ref.source == "baseline":
        return _baseline_reference_problem(ref, spec)
    if ref.source == "trivial":
        declared = spec.baseline.trivial if spec.baseline else []
        if ref.arm not in declared:
            hint = did_you_mean(ref.arm, declared) or f"; add it to [baseline] trivial = [{', '.join(map(repr, [*declared, ref.arm]))}]"
            return f"'{ref}': no trivial model '{ref.arm}' is evaluated{hint}"
    if ref.source == "self" and spec.arms:
        return f"'{ref}': prefix it with an arm name ({', '.join(spec.arms)}){did_you_mean(ref.split, spec.arms)}"
    runs = run_names(spec)
    if ref.source == "self" and ref.split not in spec.metrics and did_you_mean(ref.split, runs):
        return f"'{ref}': no split '{ref.split}' and no variant of that name{did_you_mean(ref.split, runs)}"
    if not spec.metrics:
        return None
    problem = _missing_metric(ref.split, ref.metric, produced)
    return f"'{ref}': {problem}" if problem else None


def _baseline_reference_problem(ref: Any, spec: Spec) -> str | None:
    baseline = spec.baseline
    if baseline is None:
        return f"'{ref}' refers to a baseline but the spec has no [baseline]"
    if spec.trainable and not (baseline.record or baseline.spec or baseline.arm):
        hint = f"; a trivial model is named trivial.<model>.{ref.split}.{ref.metric}" if baseline.trivial else ""
        return f"'{ref}': the [baseline] has no record, spec or arm to compare with{hint}"
    return None


def _check_gates(spec: Spec, source: Any) -> Iterator[Problem]:
    runs = [] if spec.arms else run_names(spec)
    for name, gate in spec.gates.items():
        kinds = {expr.names_a_run(spec.criteria[c], runs) for c in gate.criteria if c in spec.criteria}
        if len(kinds) > 1:
            yield source.problem(("gates", name, "criteria"), "mixes criteria that compare variants with criteria judged "
                                 "per variant; put them in separate gates")
        for i, criterion in enumerate(gate.criteria):
            if criterion not in spec.criteria:
                yield source.problem(("gates", name, "criteria"), f"unknown criterion '{criterion}'{did_you_mean(criterion, spec.criteria)}")
        if isinstance(gate.require, int) and gate.require > len(gate.criteria):
            yield source.problem(("gates", name, "require"), f"requires {gate.require} but lists only {len(gate.criteria)} criteria")


def _check_baseline(spec: Spec, source: Any, produced: dict[str, set[str]]) -> Iterator[Problem]:
    baseline = spec.baseline
    if baseline is None:
        return
    if baseline.arm is not None and baseline.arm not in spec.arms:
        hint = did_you_mean(baseline.arm, spec.arms) or f"; declare it with [arms.{baseline.arm}]"
        yield source.problem(("baseline", "arm"), f"no arm '{baseline.arm}'{hint}")
    for ref_text in baseline.compare:
        split, _, metric = ref_text.partition(".")
        problem = _missing_metric(split, metric, produced) if spec.metrics else None
        if problem:
            yield source.problem(("baseline", "compare"), f"'{ref_text}': {problem}")


def _check_overrides(spec: Spec, source: Any) -> Iterator[Problem]:
    used = [name for name in ("arms", "sweep", "variants") if getattr(spec, name)]
    if len(used) > 1:
        yield source.problem((used[1],), f"use one of [arms], [sweep] or [variants] in a spec, not {' and '.join(used)}")
    if not spec.trainable:
        yield from _verdict_only_expansion(spec, source, used)
        return
    leaves = set(leaf_paths(source.doc))
    overrides = list(override_keys(source.doc))
    for at, key in overrides:
        siblings = {k for a, k in overrides if a[:2] == at[:2]}
        if not settable(key) or _orphan_term(key, siblings, source.doc):
            yield source.problem(at, f"'{key}' does not exist in the spec{did_you_mean(key, leaves)}")


def _verdict_only_expansion(spec: Spec, source: Any, used: list[str]) -> Iterator[Problem]:
    """A verdict-only spec may declare arm names (empty ``[arms.NAME]`` tables) for its criteria."""
    for name in used:
        if name != "arms":
            yield source.problem((name,), f"a verdict-only spec cannot expand [{name}]")
    for arm, overrides in spec.arms.items():
        if overrides:
            yield source.problem(("arms", arm), "in a verdict-only spec an arm only declares its name: leave the table empty")


def _orphan_term(key: str, siblings: set[str], doc: dict[str, Any]) -> bool:
    """A key of a loss or metric term the spec lacks, set without the new term's ``fn`` (a typo)."""
    parts = key.split(".")
    if parts[0] not in ("loss", "metric") or len(parts) < 3 or parts[1] in doc.get(parts[0], {}):
        return False
    return f"{parts[0]}.{parts[1]}.fn" not in siblings


def _at_column(source: Any, problem: Problem, text: str, col: int | None) -> Problem:
    """Move a criterion's problem to the file column of character ``col`` of its expression."""
    if problem.line is None or col is None:
        return problem
    line_text = source.text.splitlines()[problem.line - 1]
    start = line_text.find(text)
    if start < 0:
        return problem
    return Problem(problem.message, problem.file, problem.line, start + col, problem.key)

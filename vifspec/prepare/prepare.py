"""The prepare phase: everything a plan needs before epoch 1, checked against the real data and model.

:func:`prepare` builds the data and the model, binds every loss and metric input to a real model
output, batch field or parameter, checks that every split named in ``[metrics]`` exists, and runs
one forward pass on a small batch (the loss mix and every metric called on it). Each problem it
finds is a :class:`SpecError` at the line of the key that caused it -- the variant's override when
the value came from an arm, a sweep point or a declared variant -- with a did-you-mean against what
really exists, all problems of a plan at once. ``vifspec run``, ``vifspec plan`` and
``vifspec check --deep`` share it; nothing is trained and no record is written here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from vifspec.compiler.plan import Plan
from vifspec.data import DataBundle
from vifspec.errors import SpecError, did_you_mean
from vifspec.executor.evaluate import BoundMetric, bind_metrics
from vifspec.executor.lossmix import LossMix
from vifspec.prepare.bindings import BindingError, Scope
from vifspec.prepare.data import Fields, ParamsError, build_model, load_bundle, to_device
from vifspec.prepare.splits import split_data
from vifspec.prepare.trivial import prepare_trivial
from vifspec.prepare.device import cpu_threads, resolve_device
from vifspec.prepare.problems import PlanProblems
from vifspec.registry import Registry
from vifspec.spec.source import read_source
from vifspec.usercode import spec_code_path

PROBE_ROWS = 8


@dataclass
class Prepared:
    """A plan made concrete: its data split on the device, the model, the bound loss mix and metrics."""

    plan: Plan
    device: torch.device
    bundle: DataBundle
    splits: dict[str, Fields]
    model: torch.nn.Module
    loss_mix: LossMix
    metrics: dict[str, list[BoundMetric]] = field(default_factory=dict)
    trivial: dict[str, torch.nn.Module] = field(default_factory=dict)
    data_drew_random: bool = True
    """Whether loading and splitting the data drew from (or reseeded) the global random generators;
    if not, the data is the same whatever the plan's seed (given as ``data`` when preparing another)."""

    @property
    def train(self) -> Fields:
        return self.splits["train"]


def prepare(plan: Plan, registry: Registry, device: str | None = None,
            data: tuple[DataBundle, dict[str, Fields]] | None = None) -> Prepared:
    """Build and check everything ``plan`` needs (see the module docstring); raises :class:`SpecError`.
    Code the spec names by import path is looked up beside the spec and in the working directory too.
    ``data``: the bundle and device splits another plan loaded that this one would load too (another
    seed of the variant whose data load drew nothing from the global random generators,
    :attr:`Prepared.data_drew_random`; in the preflight, a variant with the same data and seed), used
    instead of loading them again."""
    with spec_code_path(plan.spec_path), cpu_threads(plan.spec.train.threads):
        return _prepare(plan, registry, device, data)


def _prepare(plan: Plan, registry: Registry, device: str | None, data: tuple[DataBundle, dict[str, Fields]] | None) -> Prepared:
    spec = plan.spec
    source = read_source(plan.spec_path)
    problems = PlanProblems(plan, source)
    torch_device = resolve_device(device or spec.train.device)
    torch.manual_seed(plan.seed)
    drew = False
    if data is None:
        before = _global_random_state()
        bundle = _guarded(problems, ("data", "source"), lambda: load_bundle(spec.data, plan.spec_path, registry), "dataset", spec.data.source)
        problems.raise_if_any()
        splits = _guarded(problems, ("data",), lambda: to_device(split_data(bundle, spec.data, plan.fold), torch_device), "dataset", spec.data.source)
        problems.raise_if_any()
        drew = _changed(before, _global_random_state())
    else:
        bundle, splits = data
    _check_splits(spec, splits, problems)
    model = _guarded(problems, ("model", "params"), lambda: _build(plan, registry, bundle), "model", spec.model.name)
    loss_mix = _guarded(problems, ("loss",), lambda: LossMix(spec.loss, registry), "loss", "mix")
    metrics = {split: bind_metrics(names, spec.metric, registry) for split, names in spec.metrics.items() if split in splits}
    if model is not None and loss_mix is not None and "train" in splits:  # every binding checked, even beside other problems
        model = model.to(torch_device)
        if hasattr(model, "fit"):  # statistics of the train split (input scaling), never of val/test
            _guarded(problems, ("model", "params"), lambda: model.fit(splits["train"]), "model", spec.model.name)
        _probe(model, splits, loss_mix, metrics, spec, problems)
    trivial = prepare_trivial(spec, registry, bundle, splits, metrics, torch_device, problems) if "train" in splits else {}
    problems.raise_if_any()
    return Prepared(plan, torch_device, bundle, splits, model, loss_mix, metrics, trivial, drew)


def _global_random_state() -> tuple[Any, ...]:
    """The global generators' states: torch's CPU one, each CUDA device's once CUDA is initialised
    (else ``None``), numpy's legacy one and Python's."""
    cuda = tuple(bytes(s.numpy()) for s in torch.cuda.get_rng_state_all()) if torch.cuda.is_initialized() else None
    _, keys, *rest = np.random.get_state()
    return bytes(torch.get_rng_state().numpy()), cuda, bytes(keys), tuple(rest), random.getstate()


def _changed(before: tuple[Any, ...], after: tuple[Any, ...]) -> bool:
    """Whether a generator moved between two :func:`_global_random_state`; CUDA first initialised in
    between starts from the seed ``torch.manual_seed`` set, so it has not."""
    cpu, cuda, *others = before
    return (cpu, *others) != (after[0], *after[2:]) or (cuda is not None and cuda != after[1])


def _guarded(problems: PlanProblems, at: tuple[Any, ...], build: Callable[[], Any], kind: str, name: str) -> Any:
    """``build()``; a parameter or spec problem is placed at its key, a component's own exception at ``at``."""
    try:
        return build()
    except ParamsError as exc:
        for key_path, message in exc.problems:
            problems.add(key_path, message)
    except SpecError as exc:  # a component's own problem; its key (if any) is one of its parameters
        for p in exc.problems:
            if p.line is not None:
                problems.found.append(p)
            else:
                problems.add(_params_of(at) + tuple(p.key.split(".")) if p.key else at, p.message)
    except Exception as exc:  # noqa: BLE001 - a constructor rejecting a parameter value is bad input
        problems.add(_params_of(at), f"{kind} '{name}' rejected its parameters: {type(exc).__name__}: {exc}")
    return None


def _params_of(at: tuple[Any, ...]) -> tuple[Any, ...]:
    return (at[0], "params") if at[0] in ("data", "model") else at


def _build(plan: Plan, registry: Registry, bundle: DataBundle) -> torch.nn.Module:
    spec = plan.spec
    return build_model(registry.get("model", spec.model.name).load(), spec.model.params, bundle.info)


def _check_splits(spec: Any, splits: dict[str, Fields], problems: PlanProblems) -> None:
    if "train" not in splits:
        problems.add(("data", "source"), f"the dataset has no 'train' split (it has {', '.join(splits) or 'none'})")
    for split in spec.metrics:
        if split not in splits:
            hint = did_you_mean(split, splits)
            problems.add(("metrics", split), f"the dataset has no split '{split}'{hint}; it has {', '.join(splits)}")


def _probe(model: torch.nn.Module, splits: dict[str, Fields], loss_mix: LossMix, metrics: dict[str, list[BoundMetric]],
           spec: Any, problems: PlanProblems) -> None:
    """One forward pass on a few training rows: every binding resolved, every loss and metric called once."""
    train = splits.get("train")
    if train is None:
        return
    batch = {k: v[:PROBE_ROWS] for k, v in train.items()}
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    try:
        with torch.no_grad():
            outputs = _forward(model, batch, problems, training=True)
            if outputs is not None:
                scope = Scope(outputs, batch, model, train)
                for term in loss_mix.terms:
                    _call(lambda term=term: term(scope), problems, ("loss", term.name), term.name)
            eval_outputs = _forward(model, batch, problems, training=False)
            if eval_outputs is not None:
                scope = Scope(eval_outputs, batch, model, train)
                for bound in {m.name: m for ms in metrics.values() for m in ms}.values():
                    _call(lambda bound=bound: bound(scope), problems, _metric_key(spec, bound.name), bound.name)
                _check_track(spec, model, eval_outputs, problems)
    finally:
        model.load_state_dict(state)
        model.train()


def _forward(model: torch.nn.Module, batch: Fields, problems: PlanProblems, *, training: bool) -> dict[str, Any] | None:
    model.train(training)
    try:
        outputs = model(batch)
    except Exception as exc:  # noqa: BLE001 - a model that cannot run on the data is a configuration problem
        problems.add(("model", "name"), f"the model failed on a batch of the data: {type(exc).__name__}: {exc}")
        return None
    if not isinstance(outputs, dict):
        problems.add(("model", "name"), f"the model returned {type(outputs).__name__}; forward(batch) must return a dict of outputs")
        return None
    return outputs


def _metric_key(spec: Any, name: str) -> tuple[Any, ...]:
    """Where a metric is declared: its ``[metric.NAME]`` table, else the ``[metrics]`` list naming it."""
    if name in spec.metric:
        return ("metric", name)
    return ("metrics", next(split for split, names in spec.metrics.items() if name in names))


def _call(call: Callable[[], Any], problems: PlanProblems, at: tuple[Any, ...], name: str) -> None:
    """Call a loss term or metric on the probe batch; a problem is placed at ``at`` (or its binding)."""
    try:
        call()
    except BindingError as exc:
        message = f"{exc}{did_you_mean(exc.name, exc.in_scope)}; in scope: {', '.join(exc.in_scope)}"
        if at[0] == "metrics":  # a registered metric used by name: its inputs keep their own names
            message = f"'{name}' needs input '{exc.table[-1]}': {message}; bind it in a [metric.{name}] table"
            problems.add(at, message)
        else:
            problems.add(exc.table, message)
    except Exception as exc:  # noqa: BLE001 - a component failing on the bound inputs is a binding problem
        problems.add(at, f"calling '{name}' on its bound inputs failed: {type(exc).__name__}: {exc}")


def _check_track(spec: Any, model: torch.nn.Module, outputs: dict[str, Any], problems: PlanProblems) -> None:
    parameters = [name for name, _ in model.named_parameters()]
    for name in spec.track.params:
        if name not in parameters:
            problems.add(("track", "params"), f"no model parameter '{name}'{did_you_mean(name, parameters)}")
    for name in spec.track.outputs:
        if name not in outputs:
            problems.add(("track", "outputs"), f"no model output '{name}'{did_you_mean(name, outputs)}")

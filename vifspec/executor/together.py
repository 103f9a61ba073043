"""Seeds together: the seeds of one variant trained as one vectorised model, one record per seed.

Each seed is prepared as it would be alone (:func:`vifspec.prepare.prepare.prepare`: its own
initialisation under ``torch.manual_seed(seed)``), then the seeds' parameters are stacked
(``torch.func.stack_module_state``) and one training step runs every seed at once:
``vmap(functional_call(model + loss mix))`` over the stacked parameters, each seed's own batch and
its own dropout masks, then one backward pass and one optimizer step over the stacked tensors
(Adam, AdamW and SGD act element-wise, so each seed's slice moves as it would alone; gradient-norm
clipping is computed per seed). What a seed alone would draw from the global RNG, it draws here
from a generator of its own holding the same state:

- shuffling: ``torch.Generator().manual_seed(seed)``, one permutation per epoch, as in the one-seed loop;
- dropout: every ``nn.Dropout`` is replaced by a module multiplying by a given mask, drawn per seed
  and per call exactly as ``F.dropout`` draws it (``bernoulli_(1 - p) / (1 - p)``) from a generator
  that starts where the global RNG stood after that seed's prepare phase.

On CPU a seed's record therefore equals its one-seed run within float tolerance (the batched
matrix products round differently). On CUDA the masks come from the same distribution but not the
same stream as the fused dropout kernel, so records agree in distribution only.

Every epoch each seed's weights are copied into its own prepared model, which validates, records
and early-stops through :class:`~vifspec.executor.run.SeedRun`, the same bookkeeping as the
one-seed loop. A seed that stops keeps being computed in the stack (its record no longer changes);
its best weights are restored at the end. Whether a variant can train this way is found by trying
(:func:`together_support`): a vectorised step on a few rows, compared with the model's own.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from vifspec.compiler.plan import Plan
from vifspec.errors import TrainingCrash
from vifspec.executor.optim import LrSchedule, autocast, build_optimizer
from vifspec.executor.run import SeedRun, accumulate, epoch_means, run_plan, watcher
from vifspec.prepare.bindings import Scope
from vifspec.prepare.data import Fields, num_rows
from vifspec.prepare.prepare import PROBE_ROWS, Prepared, prepare
from vifspec.progress import Watcher
from vifspec.records.record import BaselineRef, RunRecord
from vifspec.records.store import read_record
from vifspec.registry import Registry, default_registry
from vifspec.spec.schema import GradClip

DropoutCall = tuple[str, tuple[int, ...], torch.dtype, float]
"""One ``nn.Dropout`` call of a forward pass: module name, input shape after the batch, dtype, p."""


def run_together(
    plans: Sequence[Plan],
    *,
    out: str = "runs",
    device: str | None = None,
    baselines: Sequence[BaselineRef | None] | None = None,
    progress: bool | None | Watcher = None,
    registry: Registry | None = None,
) -> list[RunRecord]:
    """Train ``plans`` (seeds of one variant) together; return one record per plan, in order.

    A variant that cannot (see :func:`together_support`) trains one seed at a time. A crash is
    recorded in the records it touched (``crashed``) and never raised: the caller reads the
    statuses. Ctrl-C marks every unfinished record ``interrupted`` and propagates.
    """
    registry = registry or default_registry()
    baselines = list(baselines or [None] * len(plans))
    seeds: list[Prepared] = []
    generators: list[torch.Generator] = []
    support = Support(False)
    for plan in plans:
        prepared = prepare(plan, registry, device)
        generators.append(_generator_at_global_state(prepared.device))
        support = support if seeds else together_support(prepared)
        if not support.together or seeds and not _same_data(seeds[0], prepared):
            return _one_by_one(plans, out, device, baselines, progress, registry)
        if seeds:
            prepared.splits = seeds[0].splits  # one copy of the data
        seeds.append(prepared)
    watch = watcher(progress)
    runs = [SeedRun(p, p.plan.run_dir(out), b, watch) for p, b in zip(seeds, baselines)]
    try:
        _train_together(_Vectorised(seeds, generators, support.loss_per_seed), runs)
    except KeyboardInterrupt:
        for run in runs:
            run.interrupt()
        raise
    except Exception as exc:  # noqa: BLE001 - the shared loop crashed: every seed's record says so
        for run in runs:
            run.crash(exc)
        return [run.record for run in runs]
    for run in runs:
        try:
            with run.failures_recorded():
                run.evaluate_best(registry)
        except TrainingCrash:
            continue
        run.close()
    return [run.record for run in runs]


@dataclass(frozen=True)
class Support:
    """How the seeds of a variant train: ``together`` (the loss mix inside the vectorised step, or
    ``loss_per_seed`` when it cannot be vectorised), else one by one, for ``reason``."""

    together: bool
    loss_per_seed: bool = False
    reason: str = ""

    def __str__(self) -> str:
        if not self.together:
            return f"one by one: {self.reason}"
        return f"together (loss per seed: {self.reason})" if self.loss_per_seed else "together"


def together_support(prepared: Prepared) -> Support:
    """Whether the seeds of ``prepared``'s variant can train as one vectorised model, and why not.

    Tried, not declared: a vectorised training step of two copies of the model on a few training
    rows (``vmap`` with ``randomness="error"``, so any random draw other than ``nn.Dropout``'s is
    refused), its backward pass, and its loss compared with the model's own on the same rows. A loss
    mix that cannot run under ``vmap`` (a term that checks its data in Python) is computed per seed
    on the vectorised model's outputs.
    """
    cfg = prepared.plan.spec.train
    if cfg.schedule is not None and cfg.schedule.name == "plateau":
        return Support(False, reason="a plateau schedule follows each seed's own validation metric")
    if not any(p.requires_grad for p in prepared.model.parameters()):
        return Support(False, reason="the model has no trainable parameters")
    rows = min(PROBE_ROWS, num_rows(prepared.train))
    batch = {k: v[:rows] for k, v in prepared.train.items()}
    calls = _dropout_calls(prepared.model, batch)
    if isinstance(calls, str):
        return Support(False, reason=calls)
    problem = _try_step(prepared, batch, calls, loss_per_seed=False)
    if problem is None:
        return Support(True)
    fallback = _try_step(prepared, batch, calls, loss_per_seed=True)
    return Support(True, True, problem) if fallback is None else Support(False, reason=fallback)


def _try_step(prepared: Prepared, batch: Fields, calls: list[DropoutCall], loss_per_seed: bool) -> str | None:
    """One vectorised step of two copies of the model with its backward pass; None, or what went wrong."""
    rows = num_rows(batch)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*performance drop.*")
            generators = [torch.Generator(prepared.device).manual_seed(s) for s in (0, 1)]
            vec = _Vectorised([prepared, prepared], generators, loss_per_seed, calls)
            weights = {t.name: 1.0 for t in prepared.loss_mix.terms}
            masks = vec.masks(rows)
            total, _ = vec.step({k: torch.stack([v, v]) for k, v in batch.items()}, masks, weights)
            total.sum().backward()
            alone = vec.step_alone(0, batch, {k: m[0] for k, m in masks.items()}, weights)
    except Exception as exc:  # noqa: BLE001 - any failure means: not this way
        message = str(exc).splitlines()[0][:120] if str(exc) else ""
        return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if not torch.allclose(total[0].detach(), alone.detach(), rtol=1e-4, atol=1e-6):
        return f"the vectorised loss ({total[0].item():.6g}) differs from the model's own ({alone.item():.6g})"
    return None


def _dropout_calls(model: nn.Module, batch: Fields) -> list[DropoutCall] | str:
    """The ``nn.Dropout`` calls of one training forward pass in call order, or why they cannot be replayed.

    Run on a copy under a forked RNG, so neither the model nor the global RNG changes; a forward
    pass that updates a buffer (batch-norm statistics) cannot be vectorised either.
    """
    model = copy.deepcopy(model).train()
    names = {module: name for name, module in model.named_modules() if type(module) is nn.Dropout}
    calls: list[DropoutCall] = []
    hooks = [m.register_forward_pre_hook(lambda m, args: calls.append((names[m], tuple(args[0].shape), args[0].dtype, m.p)))
             for m in names]
    before = {k: v.clone() for k, v in model.named_buffers()}
    rows = num_rows(batch)
    try:
        with torch.no_grad(), _forked_rng(next(iter(batch.values())).device):
            model(batch)
    finally:
        for hook in hooks:
            hook.remove()
    if any(not torch.equal(before[k], v) for k, v in model.named_buffers()):
        return "the forward pass updates buffers (e.g. batch-norm statistics)"
    if len({name for name, *_ in calls}) < len(calls):
        return "a dropout module is called more than once per forward pass"
    if any(not shape or shape[0] != rows for _, shape, _, _ in calls):
        return "a dropout input does not have the batch first"
    return [(name, shape[1:], dtype, p) for name, shape, dtype, p in calls]


class _GivenMask(nn.Module):
    """Stands for an ``nn.Dropout`` in the vectorised step: ``x * mask`` with the mask drawn for its seed."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p
        self.register_buffer("mask", torch.ones(()) if p < 1 else torch.zeros(()), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.p == 0 else x * self.mask


class _LossStep(nn.Module):
    """The model and the loss mix on its outputs as one module, so a functional call gives each
    seed's parameters to the loss bindings too (a term bound to a model parameter)."""

    def __init__(self, model: nn.Module, prepared: Prepared) -> None:
        super().__init__()
        self.model = model
        self.loss_mix, self.fields = prepared.loss_mix, prepared.train

    def forward(self, batch: Fields, weights: dict[str, float] | None) -> Any:
        """``(total, raw terms)``; the model's outputs alone when ``weights`` is None."""
        outputs = self.model(batch)
        if weights is None:
            return outputs
        return self.loss_mix(Scope(outputs, batch, _SwappedIn(self.model), self.fields), weights)  # type: ignore[arg-type]


class _SwappedIn:
    """A module's parameters and buffers by name as a functional call swaps them in (plain tensors,
    which ``nn.Module.get_parameter`` refuses), for the loss bindings."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module

    def get_parameter(self, name: str) -> torch.Tensor:
        return self._get(name, "_parameters")

    def get_buffer(self, name: str) -> torch.Tensor:
        return self._get(name, "_buffers")

    def named_parameters(self) -> Iterator[tuple[str, Any]]:
        return self.module.named_parameters()

    def _get(self, name: str, kind: str) -> torch.Tensor:
        path, _, leaf = name.rpartition(".")
        try:
            owner = self.module.get_submodule(path)
        except AttributeError:
            raise AttributeError(name) from None
        if leaf not in getattr(owner, kind):
            raise AttributeError(name)
        return getattr(owner, leaf)


class _SeedParameters:
    """Seed ``i``'s slice of the stacked parameters and buffers, looked up by name as a loss binding does."""

    def __init__(self, vec: "_Vectorised", i: int) -> None:
        self.vec, self.i = vec, i

    def get_parameter(self, name: str) -> torch.Tensor:
        return self._get(self.vec.params, name)

    def get_buffer(self, name: str) -> torch.Tensor:
        return self._get(self.vec.buffers, name)

    def named_parameters(self) -> Iterator[tuple[str, torch.Tensor]]:
        return ((name.removeprefix("model."), p[self.i]) for name, p in self.vec.params.items())

    def _get(self, tensors: dict[str, torch.Tensor], name: str) -> torch.Tensor:
        if f"model.{name}" not in tensors:
            raise AttributeError(name)
        return tensors[f"model.{name}"][self.i]


class _Vectorised:
    """The seeds' stacked parameters and buffers, their dropout generators, and the vectorised step."""

    def __init__(self, seeds: Sequence[Prepared], generators: Sequence[torch.Generator], loss_per_seed: bool = False,
                 calls: list[DropoutCall] | None = None):
        first = seeds[0]
        self.device, self.generators, self.loss_per_seed = first.device, list(generators), loss_per_seed
        self.loss_mix, self.fields = first.loss_mix, first.train
        self.calls = calls if calls is not None else _dropout_calls(first.model, _head(first.train))
        template = copy.deepcopy(first.model)
        for name, _, _, p in self.calls:
            parent, _, leaf = name.rpartition(".")
            setattr(template.get_submodule(parent), leaf, _GivenMask(p))
        self.module = _LossStep(template, first).train()
        params, buffers = stack_module_state([s.model for s in seeds])
        self.names = [f"model.{n}" for n in params]
        self.holder = nn.ParameterList([nn.Parameter(t, requires_grad=t.requires_grad) for t in params.values()])
        self.buffers = {f"model.{n}": t for n, t in buffers.items()}
        self.index = {name: i for i, name in enumerate(self.names)}

    @property
    def params(self) -> dict[str, torch.Tensor]:
        return dict(zip(self.names, self.holder))

    def _call(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], masks: dict[str, torch.Tensor],
              batch: Fields, weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return functional_call(self.module, (params, buffers, masks), (batch, weights))

    def step(self, batch: Fields, masks: dict[str, torch.Tensor], weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Every seed's total loss [S] and raw terms {name: [S]} on its own batch ([S, B, ...] fields)."""
        vectorised = vmap(self._call, in_dims=(0, 0, 0, 0, None), randomness="error")
        if not self.loss_per_seed:
            return vectorised(self.params, self.buffers, masks, batch, weights)
        outputs = vectorised(self.params, self.buffers, masks, batch, None)
        per_seed = [
            self.loss_mix(Scope({k: v[i] for k, v in outputs.items()}, {k: v[i] for k, v in batch.items()},
                                _SeedParameters(self, i), self.fields), weights)  # type: ignore[arg-type]
            for i in range(len(self.generators))
        ]
        return torch.stack([total for total, _ in per_seed]), {name: torch.stack([raw[name] for _, raw in per_seed]) for name in per_seed[0][1]}

    def step_alone(self, i: int, batch: Fields, masks: dict[str, torch.Tensor], weights: dict[str, float]) -> torch.Tensor:
        """Seed ``i``'s total loss without vmap (what :func:`together_support` compares with)."""
        params = {n: p[i] for n, p in self.params.items()}
        return self._call(params, {n: b[i] for n, b in self.buffers.items()}, masks, batch, weights)[0]

    def masks(self, rows: int) -> dict[str, torch.Tensor]:
        """Each dropout call's masks [S, rows, ...], drawn per seed in the order its forward pass calls them."""
        out = {}
        for name, shape, dtype, p in self.calls:
            if 0 < p < 1:
                per_seed = [torch.empty((rows, *shape), dtype=dtype, device=g.device).bernoulli_(1 - p, generator=g).div_(1 - p)
                            for g in self.generators]
                out[f"model.{name}.mask"] = torch.stack(per_seed).to(self.device)
        return out

    def load_into(self, i: int, model: nn.Module) -> None:
        """Copy seed ``i``'s current parameters into its own model."""
        with torch.no_grad():
            for name, param in model.named_parameters():
                param.copy_(self.holder[self.index[f"model.{name}"]][i])


def _train_together(vec: _Vectorised, runs: list[SeedRun]) -> None:
    """The one-seed loop of :mod:`vifspec.executor.run`, each step for every seed at once."""
    first = runs[0].prepared
    cfg, train = first.plan.spec.train, first.train
    optimizer = build_optimizer(vec.holder, cfg.optimizer)
    schedule = LrSchedule.for_train(optimizer, cfg, train, first.plan.facts)
    shuffles = [torch.Generator().manual_seed(run.prepared.plan.seed) for run in runs]

    for epoch in range(1, cfg.epochs + 1):
        started = time.perf_counter()
        weights = first.loss_mix.weights(epoch)
        sums: dict[str, torch.Tensor] = {}
        steps, lr = 0, schedule.lr
        for batch in _stacked_batches(train, cfg.batch_size, shuffles):
            masks = vec.masks(next(iter(batch.values())).shape[1])
            with autocast(first.device, cfg.autocast):
                total, raw = vec.step(batch, masks, weights)
            optimizer.zero_grad(set_to_none=True)
            if total.requires_grad:
                total.sum().backward()
                _clip_per_seed(list(vec.holder), cfg.grad_clip)
                optimizer.step()
                schedule.after_step()
            accumulate(sums, total, raw)
            steps += 1
        means = epoch_means(sums, steps)
        seconds = time.perf_counter() - started
        for i, run in enumerate(runs):
            if not run.stopped:
                vec.load_into(i, run.prepared.model)
                run.end_epoch(epoch, seconds, lr, {name: values[i] for name, values in means.items()}, weights)
        schedule.after_epoch(epoch, {})
        if all(run.stopped for run in runs):
            break
    for run in runs:
        run.end_training()


def _stacked_batches(fields: Fields, batch_size: int, generators: Sequence[torch.Generator]):
    """Each seed's shuffled batch, stacked: fields [S, B, ...]; the same order as ``batches`` gives each seed alone."""
    n = num_rows(fields)
    device = next(iter(fields.values())).device
    orders = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(device)
    for start in range(0, n, batch_size):
        index = orders[:, start : start + batch_size]
        yield {k: v[index] for k, v in fields.items()}


def _clip_per_seed(params: list[torch.Tensor], clip: GradClip | None) -> None:
    """``clip_gradients`` for stacked parameters: values element-wise, the norm per seed (dim 0).

    As ``torch.nn.utils.clip_grad_norm_``: total = ||(||g_1||, ..., ||g_P||)||_p over the seed's
    gradients, each scaled by min(1, max_norm / (total + 1e-6)).
    """
    if clip is None:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if clip.value is not None:
        torch.nn.utils.clip_grad_value_(params, clip.value)
    if clip.norm is not None and grads:
        norms = torch.stack([torch.linalg.vector_norm(g.flatten(1), clip.norm_type, dim=1) for g in grads])
        coef = (clip.norm / (torch.linalg.vector_norm(norms, clip.norm_type, dim=0) + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.view(-1, *[1] * (g.dim() - 1)))


def _one_by_one(plans: Sequence[Plan], out: str, device: str | None, baselines: Sequence[BaselineRef | None],
                progress: bool | None | Watcher, registry: Registry) -> list[RunRecord]:
    records = []
    for plan, baseline in zip(plans, baselines):
        try:
            records.append(run_plan(plan, out=out, device=device, baseline=baseline, progress=progress, registry=registry))
        except TrainingCrash:
            records.append(read_record(plan.run_dir(out)))
    return records


def _same_data(first: Prepared, other: Prepared) -> bool:
    return first.splits.keys() == other.splits.keys() and all(
        a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a) for a, b in zip(first.splits.values(), other.splits.values())
    )


def _generator_at_global_state(device: torch.device) -> torch.Generator:
    """A generator on ``device`` holding the global RNG's current state (what dropout would draw from next)."""
    if device.type == "cuda":
        generator = torch.Generator(device)
        generator.set_state(torch.cuda.get_rng_state(device))
        return generator
    generator = torch.Generator()
    generator.set_state(torch.get_rng_state())
    return generator


def _forked_rng(device: torch.device) -> Any:
    return torch.random.fork_rng(devices=[device] if device.type == "cuda" else [])


def _head(fields: Fields) -> Fields:
    return {k: v[: min(PROBE_ROWS, num_rows(fields))] for k, v in fields.items()}

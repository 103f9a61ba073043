"""Seeds together: the seeds of one variant trained as one vectorised model, one record per seed.

Each seed is prepared as it would be alone (:func:`vifspec.prepare.prepare.prepare`: its own
initialisation under ``torch.manual_seed(seed)``; its data is the first seed's when the first two
seeds' loads gave equal data and drew nothing from the global random generators), then the seeds'
parameters are stacked (``torch.func.stack_module_state``) and one training step runs every seed at once:
``vmap(functional_call(model + loss mix))`` over the stacked parameters, each seed's own batch and
its own dropout masks, then one backward pass and one optimizer step over the stacked tensors
(Adam, AdamW and SGD act element-wise, so each seed's slice moves as it would alone, fused or not;
gradient-norm clipping is computed per seed). What a seed alone would draw from the global RNG, it draws here
from a generator of its own holding the same state:

- shuffling: ``torch.Generator().manual_seed(seed)``, one permutation per epoch, as in the one-seed loop;
- dropout: every ``nn.Dropout`` is replaced by a module multiplying by a given mask, drawn per seed
  and per call as ``F.dropout`` draws it (:mod:`vifspec.executor.masks`) from a generator that
  starts where the global RNG stood after that seed's prepare phase.

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

import time
import warnings
from dataclasses import dataclass
from typing import Sequence

import torch

from vifspec.compiler.plan import Plan
from vifspec.data import DataBundle
from vifspec.errors import TrainingCrash
from vifspec.executor.optim import LrSchedule, autocast, build_optimizer
from vifspec.executor.run import SeedRun, accumulate, epoch_means, run_plan, watcher
from vifspec.executor.masks import DropoutCall, dropout_calls
from vifspec.executor.vectorised import Vectorised, probe_rows
from vifspec.prepare.data import Fields, num_rows
from vifspec.prepare.prepare import Prepared, prepare
from vifspec.progress import Watcher
from vifspec.records.record import BaselineRef, RunRecord
from vifspec.records.store import read_record
from vifspec.registry import Registry, default_registry
from vifspec.spec.train import GradClip



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
        shared = _shared_data(seeds)
        prepared = prepare(plan, registry, device, shared)
        generators.append(_generator_at_global_state(prepared.device))
        support = support if seeds else together_support(prepared)
        if not support.together or seeds and shared is None and not _same_data(seeds[0], prepared):
            return _one_by_one(plans, out, device, baselines, progress, registry)
        if seeds:
            prepared.splits = seeds[0].splits  # one copy of the data
        seeds.append(prepared)
    watch = watcher(progress)
    runs = [SeedRun(p, p.plan.run_dir(out), b, watch) for p, b in zip(seeds, baselines)]
    try:
        _train_together(Vectorised(seeds, generators, support.loss_per_seed), runs)
    except KeyboardInterrupt:
        for run in runs:
            run.interrupt()
        raise
    except Exception as exc:  # noqa: BLE001 - the shared loop crashed: every seed's record says so
        for run in runs:
            run.crash(exc)
        return [run.record for run in runs]
    shared: SeedRun | None = None  # the first seed evaluated; its trivial models' values serve every seed whose trivial models equal its own
    for run in runs:
        source = shared.record if shared is not None and _same_trivial(shared.prepared, run.prepared) else None
        try:
            with run.failures_recorded():
                run.evaluate_best(registry, source)
        except TrainingCrash:
            continue
        shared = shared or run
        run.close()
    return [run.record for run in runs]


CPU_STEP_LIMIT = 10_000_000
"""Trainable parameters x batch rows above which a CPU trains a variant's seeds one at a time.
``benchmarks/seeds_together.py`` on a 2-core AMD EPYC, 8 seeds' epochs against one seed's (8 would
be one after another), for the ordinal critic at batch 64: 2.5x at 0.09 M (hidden 16 on 42-d
inputs, 1,364 parameters), 3.6x at 1.5 M (hidden 64 on 266-d, 22,804), 5.7x at 5.1 M (80,276),
7.2x at 9.0 M (140,308), 9.7x at 23.7 M (370,196); and 10.1x at 108 M for the tracker (211,329
parameters x 512 rows)."""


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

    On a CPU, a step larger than :data:`CPU_STEP_LIMIT` (trainable parameters x batch rows) trains
    one seed at a time: there N seeds' arithmetic costs N times one seed's, and batching it costs
    more than it saves. Otherwise tried, not declared: a vectorised training step of two copies of
    the model on a few training rows (``vmap`` with ``randomness="error"``, so any random draw other than ``nn.Dropout``'s is
    refused), its backward pass, and its loss compared with the model's own on the same rows. A loss
    mix that cannot run under ``vmap`` (a term that checks its data in Python) is computed per seed
    on the vectorised model's outputs.
    """
    cfg = prepared.plan.spec.train
    if cfg.schedule is not None and cfg.schedule.name == "plateau":
        return Support(False, reason="a plateau schedule follows each seed's own validation metric")
    trainable = sum(p.numel() for p in prepared.model.parameters() if p.requires_grad)
    if not trainable:
        return Support(False, reason="the model has no trainable parameters")
    step = trainable * min(cfg.batch_size, num_rows(prepared.train))
    if prepared.device.type == "cpu" and step > CPU_STEP_LIMIT:
        return Support(False, reason=f"faster on a CPU: {trainable:,} parameters x {step // trainable} rows a step "
                                     f"(together up to {CPU_STEP_LIMIT:,})")
    batch = probe_rows(prepared.train)
    calls = dropout_calls(prepared.model, batch)
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
            vec = Vectorised([prepared, prepared], generators, loss_per_seed, calls)
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


def _train_together(vec: Vectorised, runs: list[SeedRun]) -> None:
    """The one-seed loop of :mod:`vifspec.executor.run`, each step for every seed at once."""
    first = runs[0].prepared
    cfg, train = first.plan.spec.train, first.train
    optimizer = build_optimizer(vec.holder, cfg.optimizer)
    schedule = LrSchedule.for_train(optimizer, cfg, train, first.plan.facts)
    shuffles = [torch.Generator().manual_seed(run.prepared.plan.seed) for run in runs]
    n, size = num_rows(train), cfg.batch_size
    rows = [min(size, n - start) for start in range(0, n, size)]  # each step's batch, as the one-seed loop cuts them

    for epoch in range(1, cfg.epochs + 1):
        started = time.perf_counter()
        weights = first.loss_mix.weights(epoch)
        sums: dict[str, torch.Tensor] = {}
        steps, lr = 0, schedule.lr
        for batch, masks in zip(_stacked_batches(train, rows, shuffles), vec.mask_stream(rows)):
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


def _stacked_batches(fields: Fields, rows: Sequence[int], generators: Sequence[torch.Generator]):
    """Each seed's shuffled batch of ``rows[i]`` rows, stacked: fields [S, B, ...]; the same order as
    ``batches`` gives each seed alone."""
    device = next(iter(fields.values())).device
    orders = torch.stack([torch.randperm(num_rows(fields), generator=g) for g in generators]).to(device)
    start = 0
    for n in rows:
        yield {k: v[orders[:, start : start + n]] for k, v in fields.items()}
        start += n


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


def _shared_data(seeds: Sequence[Prepared]) -> tuple[DataBundle, dict[str, Fields]] | None:
    """The data the next seed can use without loading it: once two seeds (two different global seeds)
    loaded equal data and neither load drew from, or reseeded, the global generators, every seed
    would load the same."""
    if len(seeds) < 2 or any(s.data_drew_random for s in seeds[:2]):
        return None
    return seeds[0].bundle, seeds[0].splits


def _same_data(first: Prepared, other: Prepared) -> bool:
    return first.splits.keys() == other.splits.keys() and all(
        a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a) for a, b in zip(first.splits.values(), other.splits.values())
    )


def _same_trivial(first: Prepared, other: Prepared) -> bool:
    """Whether ``other``'s trivial models are ``first``'s (same names, same fitted state; the data is shared)."""
    return first.trivial.keys() == other.trivial.keys() and all(
        _same_state(model, other.trivial[name]) for name, model in first.trivial.items()
    )


def _same_state(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    one, two = a.state_dict(), b.state_dict()
    return one.keys() == two.keys() and all(torch.equal(one[k], two[k]) for k in one)


def _generator_at_global_state(device: torch.device) -> torch.Generator:
    """A generator on ``device`` holding the global RNG's current state (what dropout would draw from next)."""
    if device.type == "cuda":
        generator = torch.Generator(device)
        generator.set_state(torch.cuda.get_rng_state(device))
        return generator
    generator = torch.Generator()
    generator.set_state(torch.get_rng_state())
    return generator

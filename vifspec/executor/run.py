"""Run one plan: prepare it, train it, evaluate the best epoch, write its :class:`RunRecord`.

The loop is written to be read top to bottom (:func:`_train`). In-memory data lives on the device
and is batched by index; per-step values stay on the device and are read once per epoch. The
record is written when training starts and after every epoch (atomically), so a crash, a Ctrl-C
or a kill keeps every finished epoch: a crash marks it ``crashed`` (exit 3), Ctrl-C ``interrupted``.
"""

from __future__ import annotations

import math
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

import vifspec
from vifspec.compiler.plan import Plan, criteria_hash, criteria_snapshot
from vifspec.errors import TrainingCrash
from vifspec.executor.evaluate import bind_metrics, evaluate
from vifspec.executor.guards import EarlyStopper, GuardState
from vifspec.executor.optim import LrSchedule, autocast, build_optimizer, clip_gradients
from vifspec.executor.tracking import tracked_stats
from vifspec.prepare.bindings import Scope
from vifspec.prepare.data import batches, build_model
from vifspec.prepare.prepare import Prepared, prepare
from vifspec.progress import PlainLines, Watcher, display_for
from vifspec.records.record import CRASHED, INTERRUPTED, RUNNING, BaselineRef, Epoch, Epochs, ModelInfo, RunRecord, TrainEntry
from vifspec.records.store import write_record
from vifspec.registry import Registry, default_registry


def run_plan(
    plan: Plan,
    *,
    out: str | Path = "runs",
    device: str | None = None,
    baseline: BaselineRef | None = None,
    progress: bool | None | Watcher = None,
    registry: Registry | None = None,
) -> RunRecord:
    """Prepare and train ``plan``; write its record (atomically, after every epoch) and return it.

    ``progress``: a :class:`~vifspec.progress.Watcher` (a display, a tracker), ``None`` for the
    default display of stderr (live on a terminal, plain lines elsewhere), ``True`` for plain lines,
    ``False`` for none. A problem with the spec is found before anything is written
    (:class:`SpecError`, exit 2).
    """
    registry = registry or default_registry()
    watch = _watcher(progress)
    prepared = prepare(plan, registry, device)
    run_dir = plan.run_dir(out)
    record = _new_record(prepared, baseline)
    write_record(record, run_dir)
    watch.plan_started(plan, run_dir)
    started = time.perf_counter()
    try:
        _train(prepared, record, run_dir, watch)
        _evaluate_best(prepared, record, registry)
        if plan.spec.train.checkpoint:
            _save_checkpoint(prepared.model, run_dir)
    except KeyboardInterrupt:
        record.status, record.stop_reason = INTERRUPTED, f"interrupted during epoch {len(record.history) + 1}"
        _finish(record, started, run_dir, watch)
        raise
    except Exception as exc:  # a crash inside training: keep what was recorded, mark it
        record.status, record.stop_reason = CRASHED, f"{type(exc).__name__}: {exc}"
        record.traceback = traceback.format_exc()
        _finish(record, started, run_dir, watch)
        raise TrainingCrash(f"{plan.variant} (seed {plan.seed}) crashed: {record.stop_reason}; record: {run_dir / 'record.json'}") from exc
    _finish(record, started, run_dir, watch)
    return record


def _watcher(progress: bool | None | Watcher) -> Watcher:
    if isinstance(progress, Watcher):
        return progress
    if progress is None:
        return display_for()
    return PlainLines(sys.stderr) if progress else Watcher()


def _train(prepared: Prepared, record: RunRecord, run_dir: Path, watch: Watcher) -> None:
    plan, model, train = prepared.plan, prepared.model, prepared.train
    cfg = plan.spec.train
    optimizer = build_optimizer(model, cfg.optimizer)
    schedule = LrSchedule.for_train(optimizer, cfg, train, plan.facts)
    shuffle = torch.Generator().manual_seed(plan.seed)
    stopper = EarlyStopper(cfg.early_stopping, plan.facts)
    guards = GuardState(plan.spec.guards, plan.facts)
    val_split = prepared.splits.get("val")
    val_metrics = prepared.metrics.get("val", [])

    for epoch in range(1, cfg.epochs + 1):
        started = time.perf_counter()
        model.train()
        weights = prepared.loss_mix.weights(epoch)
        sums: dict[str, torch.Tensor] = {}
        steps, lr = 0, schedule.lr
        for batch in batches(train, cfg.batch_size, shuffle):
            with autocast(prepared.device, cfg.autocast):
                outputs = model(batch)
                total, raw = prepared.loss_mix(Scope(outputs, batch, model, train), weights)
            optimizer.zero_grad(set_to_none=True)
            if total.requires_grad:
                total.backward()
                clip_gradients(optimizer, cfg.grad_clip)
                optimizer.step()
                schedule.after_step()
            for name, value in {"__total__": total.detach(), **raw}.items():
                sums[name] = sums[name] + value if name in sums else value
            steps += 1
        means = dict(zip(sums, (torch.stack(list(sums.values())) / steps).tolist()))  # one host sync per epoch
        val, val_outputs = (
            evaluate(model, val_split, train, val_metrics, prepared.loss_mix, weights, _eval_batch(cfg)) if val_split else ({}, {})
        )
        entry = Epoch(
            epoch=epoch,
            seconds=round(time.perf_counter() - started, 4),
            lr=lr,
            train=_train_entry(means, weights),
            val=val,
            track=tracked_stats(plan.spec.track, model, val_outputs),
        )
        record.history.append(entry)
        schedule.after_epoch(epoch, val)

        stop = guards.check(epoch, entry)
        if stop is None and stopper.update(epoch, val, model):
            stop = ("early_stopped", stopper.reason(epoch))
        watch.epoch_finished(entry, stopper.best_epoch if cfg.early_stopping else None)
        if stop is not None:
            record.status, record.stop_reason = stop
            break
        write_record(record, run_dir)

    if record.status == RUNNING:
        record.status = guards.final_status()
        record.stop_reason = guards.flag_reason() or f"completed {cfg.epochs} epochs"
    stopper.restore(model)
    record.epochs = Epochs(
        max=cfg.epochs,
        run=len(record.history),
        best=stopper.best_epoch or len(record.history),  # no epoch passed the guards: the last
        patience=cfg.early_stopping.patience if cfg.early_stopping else None,
        monitor=cfg.early_stopping.monitor if cfg.early_stopping else None,
    )


def _evaluate_best(prepared: Prepared, record: RunRecord, registry: Registry) -> None:
    """Every split's metrics with the best weights (restored), and the trivial models beside them."""
    weights = prepared.loss_mix.weights(record.epochs.best if record.epochs else 1)
    batch_size = _eval_batch(prepared.plan.spec.train)
    record.metrics = {
        split: evaluate(prepared.model, prepared.splits[split], prepared.train, bound, prepared.loss_mix, weights, batch_size)[0]
        for split, bound in prepared.metrics.items()
    }
    record.trivial = _trivial_metrics(prepared, registry, batch_size)


def _trivial_metrics(prepared: Prepared, registry: Registry, batch_size: int) -> dict[str, Any]:
    spec = prepared.plan.spec
    out: dict[str, Any] = {}
    for name in spec.baseline.trivial if spec.baseline else []:
        model = build_model(registry.get("model", name).load(), {}, prepared.bundle.info).to(prepared.device)
        if hasattr(model, "fit"):
            model.fit(prepared.train)
        out[name] = {
            split: evaluate(model, prepared.splits[split], prepared.train, bind_metrics(names, spec.metric, registry),
                            None, None, batch_size, strict=False)[0]
            for split, names in spec.metrics.items()
            if split in prepared.splits
        }
    return out


def _eval_batch(cfg: Any) -> int:
    return cfg.eval_batch_size or max(cfg.batch_size, 1024)


def _train_entry(means: dict[str, float], weights: dict[str, float]) -> TrainEntry:
    """The epoch's mean loss and each term's mean raw value, weight and contribution (None if not finite)."""
    raw = {name: _finite(means[name]) for name in weights}
    terms = {n: {"raw": raw[n], "weight": weights[n], "weighted": None if raw[n] is None else raw[n] * weights[n]} for n in weights}
    return TrainEntry(loss=_finite(means["__total__"]), terms=terms)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def model_info(model: torch.nn.Module, name: str, train: dict[str, torch.Tensor]) -> ModelInfo:
    """Trainable parameter count, training samples and their ratio (the "severe regime" figure)."""
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_train = next(iter(train.values())).shape[0]
    return ModelInfo(name=name, param_count=count, n_train=n_train, param_per_sample=round(count / max(n_train, 1), 2))


def _save_checkpoint(model: torch.nn.Module, run_dir: Path) -> None:
    tmp = run_dir / ".checkpoint.pt.tmp"
    try:
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
        tmp.replace(run_dir / "checkpoint.pt")
    finally:
        tmp.unlink(missing_ok=True)


def _new_record(prepared: Prepared, baseline: BaselineRef | None) -> RunRecord:
    plan, spec = prepared.plan, prepared.plan.spec
    return RunRecord(
        experiment=spec.experiment.model_dump(),
        variant=plan.variant,
        group=plan.group,
        arm=plan.arm,
        seed=plan.seed,
        spec={"path": plan.spec_path, "hash": plan.spec_hash, "overrides": dict(plan.overrides)},
        **criteria_snapshot(spec),
        criteria_hash=criteria_hash(spec),
        plan=plan.to_dict(),
        plan_hash=plan.hash,
        environment={
            "vifspec": vifspec.__version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "device": str(prepared.device),
            "platform": platform.platform(),
        },
        model=model_info(prepared.model, spec.model.name, prepared.train),
        facts={name: facts.to_dict() for name, facts in plan.facts.items()},
        baseline=baseline,
        report=spec.report.model_dump(),
        started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _finish(record: RunRecord, started: float, run_dir: Path, watch: Watcher) -> None:
    from vifspec.verdict import judge_records

    record.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    record.duration_s = round(time.perf_counter() - started, 2)
    if not record.arm:  # an arm is judged with the other arms of its seed, by the runner
        record.verdict = judge_records([record]).to_dict()
    write_record(record, run_dir)
    watch.plan_finished(record)


def describe_plan(plan: Plan, device: str | None = None, registry: Registry | None = None) -> dict[str, Any]:
    """What ``vifspec plan`` shows for one plan: prepares it (data, model, one forward pass), trains nothing."""
    prepared = prepare(plan, registry or default_registry(), device)
    spec = plan.spec
    info = model_info(prepared.model, spec.model.name, prepared.train)
    return {
        "variant": plan.variant,
        "group": plan.group or "",
        "seed": plan.seed,
        "device": str(prepared.device),
        "model": spec.model.name,
        "params": info.param_count,
        "n_train": info.n_train,
        "param/sample": info.param_per_sample,
        "epochs": spec.train.epochs,
        "loss terms": ", ".join(f"{n}×{t.weight:g}" for n, t in spec.loss.items()),
        "plan hash": plan.hash[:10],
    }

"""Run one plan: prepare it, train it, evaluate the best epoch, write its :class:`RunRecord`.

The loop is written to be read top to bottom (:func:`_train`). In-memory data lives on the device
and is batched by index; per-step values stay on the device and are read once per epoch. The
record is written when training starts and after epochs, at most once a second (atomically), so a
crash or a Ctrl-C keeps every finished epoch (a crash marks it ``crashed``, exit 3; Ctrl-C
``interrupted``) and a kill those up to its last second.
"""

from __future__ import annotations

import math
import platform
import sys
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import torch

import vifspec
from vifspec.compiler.plan import Plan, criteria_hash, criteria_snapshot
from vifspec.errors import TrainingCrash
from vifspec.executor.best import eval_batch, evaluate_best
from vifspec.executor.evaluate import evaluate
from vifspec.executor.guards import EarlyStopper, GuardState
from vifspec.executor.optim import LrSchedule, autocast, build_optimizer, clip_gradients
from vifspec.executor.tracking import tracked_stats
from vifspec.outputs import reading
from vifspec.prepare.bindings import Scope
from vifspec.prepare.data import batches
from vifspec.prepare.prepare import Prepared, prepare
from vifspec.progress import PlainLines, Watcher, display_for
from vifspec.records.record import CRASHED, INTERRUPTED, RECORD_FILE, RUNNING, BaselineRef, Epoch, Epochs, ModelInfo, RunRecord, TrainEntry
from vifspec.records.store import write_record
from vifspec.registry import Registry, default_registry
from vifspec.usercode import spec_code_path


def run_plan(
    plan: Plan,
    *,
    out: str | Path = "runs",
    device: str | None = None,
    baseline: BaselineRef | None = None,
    progress: bool | None | Watcher = None,
    registry: Registry | None = None,
) -> RunRecord:
    """Prepare and train ``plan``; write its record (atomically, as it trains and at the end) and return it.

    ``progress``: a :class:`~vifspec.progress.Watcher` (a display, a tracker), ``None`` for the
    default display of stderr (live on a terminal, plain lines elsewhere), ``True`` for plain lines,
    ``False`` for none. A problem with the spec is found before anything is written
    (:class:`SpecError`, exit 2).
    """
    registry = registry or default_registry()
    with spec_code_path(plan.spec_path):
        prepared = prepare(plan, registry, device)
        run = SeedRun(prepared, plan.run_dir(out), baseline, watcher(progress))
        with run.failures_recorded():
            _train(prepared, run)
            run.evaluate_best(registry)
        run.close()
    return run.record


def _train(prepared: Prepared, run: SeedRun) -> None:
    plan, model, train = prepared.plan, prepared.model, prepared.train
    cfg = plan.spec.train
    optimizer = build_optimizer(model, cfg.optimizer)
    schedule = LrSchedule.for_train(optimizer, cfg, train, plan.facts)
    shuffle = torch.Generator().manual_seed(plan.seed)
    reads = prepared.loss_mix.reads()  # what the model must output in training (vifspec.outputs)

    for epoch in range(1, cfg.epochs + 1):
        started = time.perf_counter()
        model.train()
        weights = prepared.loss_mix.weights(epoch)
        sums: dict[str, torch.Tensor] = {}
        steps, lr = 0, schedule.lr
        for batch in batches(train, cfg.batch_size, shuffle):
            with autocast(prepared.device, cfg.autocast), reading(reads):
                outputs = model(batch)
                total, raw = prepared.loss_mix(Scope(outputs, batch, model, train), weights)
            optimizer.zero_grad(set_to_none=True)
            if total.requires_grad:
                total.backward()
                clip_gradients(optimizer, cfg.grad_clip)
                optimizer.step()
                schedule.after_step()
            accumulate(sums, total, raw)
            steps += 1
        val = run.end_epoch(epoch, time.perf_counter() - started, lr, epoch_means(sums, steps), weights)
        schedule.after_epoch(epoch, val)
        if run.stopped:
            break
    run.end_training()


def accumulate(sums: dict[str, torch.Tensor], total: torch.Tensor, raw: dict[str, torch.Tensor]) -> None:
    """Add one step's total loss and raw term values to the epoch's running sums (on the device)."""
    for name, value in {"__total__": total.detach(), **raw}.items():
        sums[name] = sums[name] + value if name in sums else value


def epoch_means(sums: dict[str, torch.Tensor], steps: int) -> dict[str, Any]:
    """Each sum divided by the step count, read in one host sync (a list per name when the sums are per seed)."""
    return dict(zip(sums, (torch.stack(list(sums.values())) / steps).tolist()))


SAVE_EVERY_S = 1.0
"""While a plan trains, its record is rewritten after an epoch at most this often (epochs of a few
milliseconds would otherwise spend their time writing it); it is always written as training starts,
after the first epoch and when the run ends, whatever ends it."""


class SeedRun:
    """One plan's run as its record tells it: written when training starts and after epochs (at most
    every :data:`SAVE_EVERY_S`), judged by its guards and early stopping, evaluated at its best
    epoch, closed once.

    The one-seed loop (:func:`_train`) and the seeds-together loop
    (:mod:`vifspec.executor.together`) both report through it, so a record is written the same way
    whichever loop trained its weights; ``prepared.model`` holds this seed's weights whenever an
    epoch ends.
    """

    def __init__(self, prepared: Prepared, run_dir: Path, baseline: BaselineRef | None, watch: Watcher):
        plan = prepared.plan
        self.prepared, self.run_dir, self.watch = prepared, Path(run_dir), watch
        info = model_info(prepared.model, plan.spec.model.name, prepared.train)
        self.record = new_record(plan, baseline, str(prepared.device), info, prepared.bundle.info.get("classes"))
        self.stopper = EarlyStopper(plan.spec.train.early_stopping, plan.facts)
        self.guards = GuardState(plan.spec.guards, plan.facts)
        self.stopped = False
        self.started = time.perf_counter()
        self.next_save = 0.0  # the first epoch's record is written at once
        write_record(self.record, self.run_dir)
        watch.plan_started(plan, self.run_dir)

    def end_epoch(self, epoch: int, train_seconds: float, lr: float, means: dict[str, float], weights: dict[str, float]) -> dict[str, float | None]:
        """Validate, record the epoch, apply the guards and early stopping (``stopped`` tells); return the validation metrics."""
        prepared, started = self.prepared, time.perf_counter()
        spec = prepared.plan.spec
        val_split = prepared.splits.get("val")
        val, val_outputs = (
            evaluate(prepared.model, val_split, prepared.train, prepared.metrics.get("val", []), prepared.loss_mix, weights,
                     eval_batch(spec.train), also_reads=spec.track.outputs)
            if val_split else ({}, {})
        )
        entry = Epoch(
            epoch=epoch,
            seconds=round(train_seconds + time.perf_counter() - started, 4),
            lr=lr,
            train=_train_entry(means, weights),
            val=val,
            track=tracked_stats(spec.track, prepared.model, val_outputs),
        )
        self.record.history.append(entry)
        stop = self.guards.check(epoch, entry)
        if stop is None and self.stopper.update(epoch, val, prepared.model):
            stop = ("early_stopped", self.stopper.reason(epoch))
        self.watch.epoch_finished(prepared.plan, entry, self.stopper.best_epoch if spec.train.early_stopping else None)
        if stop is not None:
            self.record.status, self.record.stop_reason = stop
            self.stopped = True
        elif time.monotonic() >= self.next_save:
            write_record(self.record, self.run_dir)
            self.next_save = time.monotonic() + SAVE_EVERY_S
        return val

    def end_training(self) -> None:
        """The final status, the best epoch's weights restored into the model, the epochs summary."""
        record, cfg = self.record, self.prepared.plan.spec.train
        if record.status == RUNNING:
            record.status = self.guards.final_status()
            record.stop_reason = self.guards.flag_reason() or f"completed {cfg.epochs} epochs"
        self.stopper.restore(self.prepared.model)
        record.epochs = Epochs(
            max=cfg.epochs,
            run=len(record.history),
            best=self.stopper.best_epoch or len(record.history),  # no epoch passed the guards: the last
            patience=cfg.early_stopping.patience if cfg.early_stopping else None,
            monitor=cfg.early_stopping.monitor if cfg.early_stopping else None,
        )

    def evaluate_best(self, registry: Registry, trivial_of: RunRecord | None = None) -> None:
        """Every split's metrics with the best weights, the trivial models beside them (copied from
        ``trivial_of``, a seed on the same data, when given), the checkpoint."""
        evaluate_best(self.prepared, self.record, registry, trivial_of)
        if self.prepared.plan.spec.train.checkpoint:
            _save_checkpoint(self.prepared.model, self.run_dir)

    @contextmanager
    def failures_recorded(self) -> Iterator[None]:
        """Ctrl-C marks the record ``interrupted``; an exception marks it ``crashed`` and becomes :class:`TrainingCrash`."""
        try:
            yield
        except KeyboardInterrupt:
            self.interrupt()
            raise
        except Exception as exc:  # a crash inside training: keep what was recorded, mark it
            raise TrainingCrash(self.crash(exc)) from exc

    def interrupt(self) -> None:
        """Mark the record ``interrupted`` (its finished epochs kept) and close it."""
        self.record.status, self.record.stop_reason = INTERRUPTED, f"interrupted during epoch {len(self.record.history) + 1}"
        self.close()

    def crash(self, exc: BaseException) -> str:
        """Mark the record ``crashed`` by ``exc`` (call it while handling ``exc``), close it; return the message."""
        self.record.status, self.record.stop_reason = CRASHED, f"{type(exc).__name__}: {exc}"
        self.record.traceback = traceback.format_exc()
        self.close()
        return f"{self.record.variant} (seed {self.record.run_label}) crashed: {self.record.stop_reason}; record: {self.run_dir / RECORD_FILE}"

    def close(self) -> None:
        """Timestamps, this seed's verdict, the final write; the watcher told the plan ended."""
        _finish(self.record, self.started, self.run_dir)
        self.watch.plan_finished(self.record)


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


def training_work(prepared: Prepared) -> float:
    """A plan's training work, to order a sweep's plans by: trainable parameters x training rows x epochs
    (an upper bound: early stopping may end it sooner)."""
    info = model_info(prepared.model, prepared.plan.spec.model.name, prepared.train)
    return float(info.param_count * info.n_train * prepared.plan.spec.train.epochs)


def _save_checkpoint(model: torch.nn.Module, run_dir: Path) -> None:
    tmp = run_dir / ".checkpoint.pt.tmp"
    try:
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
        tmp.replace(run_dir / "checkpoint.pt")
    finally:
        tmp.unlink(missing_ok=True)


def new_record(plan: Plan, baseline: BaselineRef | None, device: str, model: ModelInfo | None = None,
               classes: dict[str, Any] | None = None) -> RunRecord:
    """The record of ``plan`` as training starts (status ``running``, no epoch yet); ``classes``: the dataset's class mapping."""
    spec = plan.spec
    return RunRecord(
        experiment=spec.experiment.model_dump(),
        variant=plan.variant,
        group=plan.group,
        arm=plan.arm,
        seed=plan.seed,
        fold=plan.fold,
        runs=list(plan.runs),
        spec={"path": plan.spec_path, "hash": plan.spec_hash, "overrides": dict(plan.overrides)},
        **criteria_snapshot(spec),
        criteria_hash=criteria_hash(spec),
        plan=plan.to_dict(),
        plan_hash=plan.hash,
        environment={
            "vifspec": vifspec.__version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "device": device,
            "platform": platform.platform(),
        },
        model=model,
        classes=classes or {},
        facts={name: facts.to_dict() for name, facts in plan.facts.items()},
        baseline=baseline,
        report=spec.report.model_dump(),
        started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def record_lost_run(plan: Plan, run_dir: str | Path, baseline: BaselineRef | None, reason: str) -> RunRecord:
    """Write the ``crashed`` record of a plan whose run ended without writing one (its worker died)."""
    record = new_record(plan, baseline, "unknown")
    record.status, record.stop_reason = CRASHED, reason
    _finish(record, time.perf_counter(), Path(run_dir))
    return record


def _finish(record: RunRecord, started: float, run_dir: Path) -> None:
    from vifspec.verdict import judge_records

    record.finished_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    record.duration_s = round(time.perf_counter() - started, 2)
    if not record.arm:  # an arm is judged with the other arms of its seed, by the runner
        record.verdict = judge_records([record]).to_dict()
    write_record(record, run_dir)


def watcher(progress: bool | None | Watcher) -> Watcher:
    """``progress`` as a watcher: itself, the default display of stderr (``None``), plain lines (``True``), nothing (``False``)."""
    if isinstance(progress, Watcher):
        return progress
    if progress is None:
        return display_for()
    return PlainLines(sys.stderr) if progress else Watcher()

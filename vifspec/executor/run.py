"""Run one plan: data on the device, the training loop, early stopping, guards, the record.

The loop is written to be read top to bottom (`_train`). In-memory data lives on the device and
is batched by index; per-step values stay on the device and are read once per epoch.
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
from vifspec.errors import SpecError, TrainingCrash
from vifspec.compiler.plan import Plan, criteria_hash, criteria_snapshot
from vifspec.records import write_record
from vifspec.registry import Registry, default_registry
from vifspec.prepare.bindings import BindingError, Scope
from vifspec.prepare.data import ParamsError, batches, build_model, load_bundle, to_device
from vifspec.prepare.splits import split_data
from vifspec.executor.evaluate import bind_metrics, evaluate
from vifspec.executor.guards import EarlyStopper, GuardState
from vifspec.executor.lossmix import LossMix
from vifspec.executor.optim import LrSchedule, autocast, build_optimizer, clip_gradients
from vifspec.executor.tracking import tracked_stats
from vifspec.verdict import judge_results


def resolve_device(requested: str) -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; an unavailable device is a spec error."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise SpecError("device 'cuda' requested but CUDA is not available (use 'auto' or 'cpu')")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise SpecError("device 'mps' requested but MPS is not available (use 'auto' or 'cpu')")
    return torch.device(requested)


def run_plan(
    plan: Plan,
    *,
    out: str | Path = "runs",
    device: str | None = None,
    baseline: dict[str, Any] | None = None,
    progress: bool | None = None,
    registry: Registry | None = None,
) -> dict[str, Any]:
    """Train ``plan``, write its record (atomically, also while running) and return the record."""
    registry = registry or default_registry()
    torch_device = resolve_device(device or plan.spec.train.device)
    run_dir = plan.run_dir(out)
    record = _new_record(plan, torch_device, baseline)
    write_record(record, run_dir)
    started = time.perf_counter()
    try:
        _train(plan, torch_device, registry, record, run_dir, _progress(progress))
    except (BindingError, ParamsError) as exc:
        (run_dir / "record.json").unlink(missing_ok=True)
        raise _placed_problem(plan, exc) from None
    except SpecError:
        (run_dir / "record.json").unlink(missing_ok=True)
        raise
    except Exception as exc:  # a crash inside training: keep what was recorded, mark it
        record.update(status="crashed", stop_reason=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        _finish(record, started, run_dir)
        raise TrainingCrash(f"{plan.variant} (seed {plan.seed}) crashed: {type(exc).__name__}: {exc}; record: {run_dir / 'record.json'}") from exc
    _finish(record, started, run_dir)
    return record


def _train(plan: Plan, device: torch.device, registry: Registry, record: dict[str, Any], run_dir: Path, say: Any) -> None:
    spec = plan.spec
    train_cfg = spec.train
    torch.manual_seed(plan.seed)
    if train_cfg.threads:
        torch.set_num_threads(train_cfg.threads)

    bundle = load_bundle(spec.data.source, spec.data.params, spec.data.seed, registry)
    splits = to_device(split_data(bundle, spec.data), device)
    train = splits["train"]
    model = build_model(registry.get("model", spec.model.name).load(), spec.model.params, bundle.info).to(device)
    if hasattr(model, "fit"):  # statistics of the train split (input scaling), never of val/test
        model.fit(train)
    loss_mix = LossMix(spec.loss, registry)
    val_metrics = bind_metrics(spec.metrics.get("val", []), spec.metric, registry)
    optimizer = build_optimizer(model, train_cfg.optimizer)
    schedule = LrSchedule.for_train(optimizer, train_cfg, train, plan.directions)
    shuffle = torch.Generator().manual_seed(plan.seed)
    eval_bs = train_cfg.eval_batch_size or max(train_cfg.batch_size, 1024)
    stopper = EarlyStopper(train_cfg.early_stopping, plan.directions)
    guards = GuardState(spec.guards, plan.directions)
    record["model"] = _model_info(model, spec.model.name, train)

    for epoch in range(1, train_cfg.epochs + 1):
        started = time.perf_counter()
        model.train()
        weights = loss_mix.weights(epoch)
        sums: dict[str, torch.Tensor] = {}
        steps, lr = 0, schedule.lr
        for batch in batches(train, train_cfg.batch_size, shuffle):
            with autocast(device, train_cfg.autocast):
                outputs = model(batch)
                total, raw = loss_mix(Scope(outputs, batch, model, train), weights)
            optimizer.zero_grad(set_to_none=True)
            if total.requires_grad:
                total.backward()
                clip_gradients(optimizer, train_cfg.grad_clip)
                optimizer.step()
                schedule.after_step()
            for name, value in {"__total__": total.detach(), **raw}.items():
                sums[name] = sums[name] + value if name in sums else value
            steps += 1
        means = dict(zip(sums, (torch.stack(list(sums.values())) / steps).tolist()))  # one host sync per epoch
        val, val_outputs = (
            evaluate(model, splits["val"], train, val_metrics, loss_mix, weights, eval_bs) if "val" in splits else ({}, {})
        )
        entry = {
            "epoch": epoch,
            "seconds": round(time.perf_counter() - started, 4),
            "lr": lr,
            "train": _train_entry(means, weights),
            "val": val,
            "track": tracked_stats(spec.track, model, val_outputs),
        }
        record["history"].append(entry)
        say(_progress_line(plan, epoch, entry, stopper))
        schedule.after_epoch(epoch, val)

        stop = guards.check(epoch, entry)
        if stop is None and stopper.update(epoch, val, model):
            stop = ("early_stopped", stopper.reason(epoch))
        if stop is not None:
            record["status"], record["stop_reason"] = stop
            break
        if epoch % 5 == 0:
            write_record(record, run_dir)

    if record["status"] == "running":
        record["status"] = guards.final_status()
        record["stop_reason"] = guards.flag_reason() or f"completed {train_cfg.epochs} epochs"
    stopper.restore(model)
    record["epochs"] = {
        "max": train_cfg.epochs,
        "run": len(record["history"]),
        "best": stopper.best_epoch or len(record["history"]),  # no epoch passed the guards: the last
        "patience": train_cfg.early_stopping.patience if train_cfg.early_stopping else None,
        "monitor": train_cfg.early_stopping.monitor if train_cfg.early_stopping else None,
    }
    final_weights = loss_mix.weights(record["epochs"]["best"])
    record["metrics"] = _split_metrics(model, splits, spec, registry, loss_mix, final_weights, eval_bs)
    record["trivial"] = _trivial_metrics(spec, splits, registry, bundle.info, device, eval_bs)
    if train_cfg.checkpoint:
        _save_checkpoint(model, run_dir)


def _split_metrics(model, splits, spec, registry, loss_mix, weights, eval_bs) -> dict[str, dict[str, float | None]]:
    out = {}
    for split, names in spec.metrics.items():
        if split not in splits:
            raise SpecError(f"[metrics] {split}: the dataset has no split '{split}' (it has {', '.join(splits)})")
        bound = bind_metrics(names, spec.metric, registry)
        out[split], _ = evaluate(model, splits[split], splits["train"], bound, loss_mix, weights, eval_bs)
    return out


def _trivial_metrics(spec, splits, registry, info, device, eval_bs) -> dict[str, Any]:
    names = spec.baseline.trivial if spec.baseline else []
    out: dict[str, Any] = {}
    for name in names:
        model = build_model(registry.get("model", name).load(), {}, info).to(device)
        if hasattr(model, "fit"):
            model.fit(splits["train"])
        out[name] = {
            split: evaluate(model, splits[split], splits["train"], bind_metrics(metrics, spec.metric, registry), None, None, eval_bs, strict=False)[0]
            for split, metrics in spec.metrics.items()
            if split in splits
        }
    return out


def _train_entry(means: dict[str, float], weights: dict[str, float]) -> dict[str, Any]:
    terms = {
        name: {"raw": means[name], "weight": weights[name], "weighted": means[name] * weights[name]}
        for name in weights
    }
    return {"loss": means["__total__"], "terms": terms}


def _model_info(model: torch.nn.Module, name: str, train: dict[str, torch.Tensor]) -> dict[str, Any]:
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_train = next(iter(train.values())).shape[0]
    return {"name": name, "param_count": count, "n_train": n_train, "param_per_sample": round(count / max(n_train, 1), 2)}


def _save_checkpoint(model: torch.nn.Module, run_dir: Path) -> None:
    tmp = run_dir / ".checkpoint.pt.tmp"
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
    tmp.replace(run_dir / "checkpoint.pt")


def _new_record(plan: Plan, device: torch.device, baseline: dict[str, Any] | None) -> dict[str, Any]:
    spec = plan.spec
    return {
        "format": "vifspec.record/1",
        "experiment": spec.experiment.model_dump(),
        "variant": plan.variant,
        "group": plan.group,
        "arm": plan.arm,
        "seed": plan.seed,
        "spec": {"path": plan.spec_path, "hash": plan.spec_hash, "overrides": dict(plan.overrides)},
        **criteria_snapshot(spec),
        "criteria_hash": criteria_hash(spec),
        "plan": plan.to_dict(),
        "plan_hash": plan.hash,
        "environment": {
            "vifspec": vifspec.__version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "device": str(device),
            "platform": platform.platform(),
        },
        "status": "running",
        "stop_reason": None,
        "directions": dict(plan.directions),
        "metric_fns": dict(plan.metric_fns),
        "history": [],
        "metrics": {},
        "trivial": {},
        "baseline": baseline,
        "report": spec.report.model_dump(),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _finish(record: dict[str, Any], started: float, run_dir: Path) -> None:
    record["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    record["duration_s"] = round(time.perf_counter() - started, 2)
    results = {"metrics": record.get("metrics", {})}
    if record.get("baseline") and record["baseline"].get("metrics"):
        results["baseline"] = record["baseline"]["metrics"]
    record["verdict"] = judge_results(
        record["criteria"], record["gates"], results, status=record["status"], stop_reason=record["stop_reason"]
    ).to_dict()
    write_record(record, run_dir)


def _placed_problem(plan: Plan, exc: BindingError | ParamsError) -> SpecError:
    """The error at the spec key it concerns (file, line, key), found only now that the model exists."""
    from vifspec.spec.source import read_source

    message = f"{exc} (in scope: {', '.join(exc.in_scope)})" if isinstance(exc, BindingError) else str(exc)
    return SpecError(read_source(plan.spec_path).problem(exc.table, message))


def _progress(enabled: bool | None) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    return (lambda line: print(line, file=sys.stderr, flush=True)) if enabled else (lambda line: None)


def _progress_line(plan: Plan, epoch: int, entry: dict[str, Any], stopper: EarlyStopper) -> str:
    val = " ".join(f"{k}={v:.4f}" for k, v in list(entry["val"].items())[:4] if isinstance(v, float) and math.isfinite(v))
    best = f" best={stopper.best_epoch}" if stopper.best_epoch else ""
    return f"[{plan.variant} s{plan.seed}] epoch {epoch:3d} loss={entry['train']['loss']:.4f} {val}{best} ({entry['seconds']:.2f}s)"


def describe_plan(plan: Plan, device: str | None = None, registry: Registry | None = None) -> dict[str, Any]:
    """What ``vifspec plan`` shows for one plan: builds the data and the model, trains nothing."""
    registry = registry or default_registry()
    spec = plan.spec
    bundle = load_bundle(spec.data.source, spec.data.params, spec.data.seed, registry)
    splits = split_data(bundle, spec.data)
    torch.manual_seed(plan.seed)
    model = build_model(registry.get("model", spec.model.name).load(), spec.model.params, bundle.info)
    info = _model_info(model, spec.model.name, splits["train"])
    return {
        "variant": plan.variant,
        "group": plan.group or "",
        "seed": plan.seed,
        "device": str(resolve_device(device or spec.train.device)),
        "model": spec.model.name,
        "params": info["param_count"],
        "n_train": info["n_train"],
        "param/sample": info["param_per_sample"],
        "epochs": spec.train.epochs,
        "loss terms": ", ".join(f"{n}×{t.weight:g}" for n, t in spec.loss.items()),
        "plan hash": plan.hash[:10],
    }

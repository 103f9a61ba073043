"""What every tracking exporter logs, computed once: a plan's parameters, an epoch's values, a run's
final metrics, a verdict's tags, the files a report folder holds.

An exporter is a :class:`Tracker`: a :class:`~vifspec.progress.Watcher` of the training loop (one
tracked run per plan, opened when the plan starts, its per-epoch values logged as they come), told
by the runner when a plan's report and figures are written (verdict and criteria as tags, report
and figures as artifacts) and when the experiment ends (the parent run: every verdict,
``REPORT.md`` and the experiment's figures).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping

from vifspec.progress import Watcher
from vifspec.records import RunRecord
from vifspec.report.verdict_view import achieved_text, read_verdict, target_text
from vifspec.verdict import Verdict

Say = Callable[[str], None]
ARTIFACT_SUFFIXES = (".md", ".png")
SKIPPED_SECTIONS = ("experiment", "criteria", "gates", "report", "verdict")
"""Spec sections that are not training parameters (criteria and verdicts are tags)."""


class Tracker(Watcher):
    """A tracking exporter: a :class:`~vifspec.progress.Watcher` whose hooks log to its backend (the
    runner tells it through :class:`~vifspec.progress.Watchers`, so a failing backend never stops training)."""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}} -> {"a.b": 1}``; lists stay values."""
    if not isinstance(value, Mapping):
        return {prefix: value} if prefix else {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def plan_params(plan_dict: Mapping[str, Any]) -> dict[str, str]:
    """The resolved plan as flat ``dotted.key -> text`` parameters (the record's ``plan``): the variant,
    seed, group, arm, spec path and hash, and every training setting of the resolved spec."""
    spec = {k: v for k, v in (plan_dict.get("spec") or {}).items() if k not in SKIPPED_SECTIONS}
    head = {k: plan_dict.get(k) for k in ("variant", "seed", "group", "arm", "spec_path", "spec_hash")}
    values = {**flatten(head), **flatten(spec)}
    return {key: _text(value) for key, value in values.items() if value is not None and value != {} and value != []}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def epoch_values(entry: Any) -> dict[str, float]:
    """One epoch's scalars: ``train/loss``, each term's ``train/loss.<term>`` (raw), ``train/weight.<term>``
    and ``train/weighted.<term>`` (its contribution), ``val/<metric>``, ``lr``, ``track/<name>.<stat>``."""
    values: dict[str, Any] = {"train/loss": entry.train.loss, "lr": entry.lr}
    for name, term in entry.train.terms.items():
        values |= {f"train/loss.{name}": term.raw, f"train/weight.{name}": term.weight, f"train/weighted.{name}": term.weighted}
    values |= {f"val/{metric}": value for metric, value in entry.val.items()}
    values |= {f"track/{name}.{stat}": value for name, stats in entry.track.items() for stat, value in stats.items()}
    return {key: float(value) for key, value in values.items() if isinstance(value, (int, float)) and not isinstance(value, bool)}


def final_values(record: RunRecord) -> dict[str, float]:
    """Every split's metrics at the best epoch (``test.auc``), the best epoch and the epochs run."""
    values: dict[str, Any] = {f"{split}.{metric}": value for split, metrics in record.metrics.items() for metric, value in metrics.items()}
    if record.epochs is not None:
        values |= {"best_epoch": record.epochs.best, "epochs_run": record.epochs.run}
    return {key: float(value) for key, value in values.items() if isinstance(value, (int, float)) and not isinstance(value, bool)}


def verdict_tags(verdict: Verdict | Mapping[str, Any] | None, prefix: str = "vifspec") -> dict[str, str]:
    """``vifspec.verdict = FAILED``, ``vifspec.criteria_met = 1/6``, and per criterion
    ``vifspec.criterion.<name> = FAIL: 0.0018 (target > 0.10, 55x short)``."""
    view = read_verdict(verdict)
    if view is None:
        return {}
    tags = {f"{prefix}.verdict": view.status, f"{prefix}.criteria_met": f"{view.met}/{view.total}"}
    if view.reason:
        tags[f"{prefix}.reason"] = view.reason
    for criterion in view.criteria:
        detail = ", ".join(filter(None, [f"target {target_text(criterion)}", criterion.gap]))
        tags[f"{prefix}.criterion.{criterion.name}"] = f"{criterion.status}: {achieved_text(criterion)} ({detail})"
    for gate in view.gates:
        tags[f"{prefix}.gate.{gate.name}"] = f"{gate.status}: {gate.passed}/{gate.total}"
    return tags


def record_tags(record: RunRecord) -> dict[str, str]:
    """Who the run is: experiment, variant, seed, group, arm, status, stop reason, and its seed's verdict."""
    tags = {"vifspec.experiment": record.experiment.id, "vifspec.variant": record.variant, "vifspec.seed": record.run_label,
            "vifspec.status": record.status}
    tags |= {f"vifspec.{key}": str(getattr(record, key)) for key in ("group", "arm", "stop_reason") if getattr(record, key)}
    return tags | verdict_tags(record.verdict)


def folder_files(folder: Path) -> list[Path]:
    """The reports and figures directly in ``folder``."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in ARTIFACT_SUFFIXES) if folder.is_dir() else []

"""Figures over epochs: learning curves, loss-balance shares, tracked parameters."""

from __future__ import annotations

import re
from typing import Any, Sequence

from vifspec.facts import facts_of, is_loss_metric
from vifspec.figures.canvas import MARKS, STATUS_COLOURS, colour, epoch_axis, mark_epoch, new_figure, unit_axis
from vifspec.records import RunRecord
from vifspec.report.dynamics import term_switches
from vifspec.report.markdown import is_number
from vifspec.report.verdict_view import criteria_referencing, target_text
from vifspec.verdict import Verdict

MAX_PANELS = 12
_LEVEL = r"^\s*(?:\{{[^}}]*\}}|[A-Za-z_]\w*)\.{}\s*(?:>=|<=|==|>|<|≥|≤)"
"""A criterion on a metric's level (``val.margin >= 0.02``, ``{val,ood}.r@5 >= 60%``), not on a difference."""
GUARD_STATUSES = ("collapsed", "diverged")


def _series(record: RunRecord, read: Any) -> tuple[list[int], list[float]]:
    points = [(e.epoch, read(e)) for e in record.history]
    points = [(x, y) for x, y in points if is_number(y)]
    return [x for x, _ in points], [y for _, y in points]


def val_metrics(group: Sequence[RunRecord]) -> list[str]:
    """Validation metrics recorded per epoch (losses apart), in first-seen order."""
    names = dict.fromkeys(m for r in group for e in r.history for m in e.val if not is_loss_metric(m))
    return list(names)


def _seed_label(record: RunRecord, several: bool) -> str | None:
    return f"seed {record.run_label}" if several else None


def _events(axis: Any, record: RunRecord, *, label: bool) -> None:
    """Best epoch, loss-schedule switches and the epoch a guard ended the run."""
    best = record.epochs.best if record.epochs else None
    if best is not None:
        mark_epoch(axis, best, "best", f"best epoch {best}" if label else None)
    for epoch, events in term_switches(record).items():
        mark_epoch(axis, epoch - 0.5, "switch", ", ".join(events) if label else None, top=False)
    if record.status in GUARD_STATUSES and record.history:
        mark_epoch(axis, record.history[-1].epoch, "guard", record.status if label else None)


def learning_curves(group: Sequence[RunRecord], title: str, verdict: Verdict | None = None) -> Any | None:
    """Train loss (with the validation loss when recorded) and every validation metric per epoch; one
    line per seed; the best epoch, schedule switches and guard events marked (one seed: labelled lines;
    several: a star at each seed's best epoch, a labelled line where a guard stopped a seed); the
    target of each criterion on a metric as a horizontal line on its panel."""
    records = [r for r in group if r.history]
    if not records:
        return None
    metrics = val_metrics(records)[: MAX_PANELS - 1]
    figure, axes = new_figure(1 + len(metrics), title=title)
    several = len(records) > 1
    epochs = sorted({e.epoch for r in records for e in r.history})
    for index, record in enumerate(records):
        line_colour = colour(index)
        x, y = _series(record, lambda e: e.train.loss)
        axes[0].plot(x, y, color=line_colour, marker="o", markersize=2.5, label="train" + (f" (seed {record.run_label})" if several else ""))
        x, y = _series(record, lambda e: e.val.get("loss"))
        if y:
            axes[0].plot(x, y, color=line_colour, linestyle="--", marker="s", markersize=2.5,
                         label="validation" + (f" (seed {record.run_label})" if several else ""))
        for axis, metric in zip(axes[1:], metrics):
            x, y = _series(record, lambda e, m=metric: e.val.get(m))
            axis.plot(x, y, color=line_colour, marker="o", markersize=2.5, label=_seed_label(record, several))
            if several:
                _best_star(axis, record, x, y, line_colour)
    axes[0].set_title("loss (lower is better)")
    for axis, metric in zip(axes[1:], metrics):
        facts = facts_of(records[0].metric_facts(), metric)
        direction = {True: " (higher is better)", False: " (lower is better)"}.get(facts.higher_is_better, "")
        axis.set_title(f"val.{metric}{direction}")
        unit_axis(axis, facts.unit)
        draw_targets(axis, verdict, metric)
    for axis in axes:
        epoch_axis(axis, epochs)
        if not several:
            _events(axis, records[0], label=axis is axes[0])
    for record in records if several else ():
        if record.status in GUARD_STATUSES:
            mark_epoch(axes[0], record.history[-1].epoch, "guard", f"seed {record.run_label} {record.status}")
    axes[0].legend(loc="best")
    if several and metrics:
        axes[1].legend(loc="best")
    return figure


def level_targets(verdict: Verdict | None, metric: str) -> list[Any]:
    """The criteria that compare ``metric`` itself (on any split) with a constant target."""
    return [c for c in criteria_referencing(verdict, metric)
            if is_number(c.target_value) and re.match(_LEVEL.format(re.escape(metric)), c.expression)]


def draw_targets(axis: Any, verdict: Verdict | None, metric: str, *, vertical: bool = False) -> None:
    """A dashed line at each :func:`level_targets` target, labelled and coloured by the criterion's status."""
    for criterion in level_targets(verdict, metric):
        status_colour = STATUS_COLOURS.get(criterion.status, "black")
        label = f"{criterion.name}: target {target_text(criterion)}"
        if vertical:
            axis.axvline(criterion.target_value, color=status_colour, linestyle="--", linewidth=1)
            axis.annotate(label, xy=(criterion.target_value, 0.0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                          textcoords="offset points", fontsize=7, color=status_colour)
        else:
            axis.axhline(criterion.target_value, color=status_colour, linestyle="--", linewidth=1)
            axis.annotate(label, xy=(0.0, criterion.target_value), xycoords=("axes fraction", "data"), xytext=(3, 3),
                          textcoords="offset points", fontsize=7, color=status_colour)


def _best_star(axis: Any, record: RunRecord, x: list[int], y: list[float], line_colour: str) -> None:
    best = record.epochs.best if record.epochs else None
    if best in x:
        axis.plot([best], [y[x.index(best)]], marker="*", markersize=11, color=line_colour, markeredgecolor="black", zorder=5)


def _shares(record: RunRecord) -> tuple[list[int], dict[str, list[float]]]:
    epochs = [e.epoch for e in record.history]
    names = list(dict.fromkeys(t for e in record.history for t in e.train.terms))
    shares: dict[str, list[float]] = {n: [] for n in names}
    for entry in record.history:
        contributions = {n: _contribution(entry.train.terms.get(n)) for n in names}
        total = sum(contributions.values())
        for name in names:
            shares[name].append(contributions[name] / total if total else 0.0)
    return epochs, shares


def _contribution(term: Any) -> float:
    if term is None:
        return 0.0
    value = term.weighted if is_number(term.weighted) else (term.raw * term.weight if is_number(term.raw) else 0.0)
    return abs(value)


def loss_shares(record: RunRecord, title: str) -> Any | None:
    """Each term's share of the summed |weight × raw| per epoch (stacked), and each weighted
    contribution on a log scale; schedule switches marked. ``None`` for a mix of one term."""
    if not record.history or len(record.history[0].train.terms) < 2:
        return None
    epochs, shares = _shares(record)
    figure, (left, right) = new_figure(2, columns=2, width=5.2, title=title)
    left.stackplot(epochs, *shares.values(), labels=list(shares), colors=[colour(i) for i in range(len(shares))], alpha=0.85, step="mid")
    left.set_ylim(0, 1)
    left.set_title("share of the total loss (|weight × raw|)")
    unit_axis(left, "rate")
    for index, name in enumerate(shares):
        x, y = _series(record, lambda e, n=name: e.train.terms[n].weighted if n in e.train.terms else None)
        positive = [(a, b) for a, b in zip(x, y) if b > 0]
        right.plot([a for a, _ in positive], [b for _, b in positive], color=colour(index), marker="o", markersize=2.5, label=name)
    right.set_yscale("log")
    right.set_title("weighted contribution (weight × raw, log scale)")
    for axis in (left, right):
        epoch_axis(axis, epochs)
        for epoch, events in term_switches(record).items():
            mark_epoch(axis, epoch - 0.5, "switch", ", ".join(events), top=False)
    left.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return figure


def tracked(record: RunRecord, title: str) -> Any | None:
    """Per tracked parameter or output: its mean per epoch, a ±1 std band and the min-max range."""
    names = list(dict.fromkeys(n for e in record.history for n in e.track))[:MAX_PANELS]
    if not names:
        return None
    figure, axes = new_figure(len(names), title=title)
    epochs = [e.epoch for e in record.history]
    best = record.epochs.best if record.epochs else None
    for axis, name in zip(axes, names):
        stats = {s: _series(record, lambda e, s=s: (e.track.get(name) or {}).get(s)) for s in ("mean", "std", "min", "max")}
        x, mean = stats["mean"]
        (low_x, low), (high_x, high) = stats["min"], stats["max"]
        if low_x == high_x == x:
            axis.fill_between(x, low, high, color=MARKS["switch"], alpha=0.12, linewidth=0, label="min-max")
        std_x, std = stats["std"]
        if std_x == x:
            axis.fill_between(x, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)],
                              color=colour(0), alpha=0.3, linewidth=0, label="±1 std")
        axis.plot(x, mean, color=colour(0), marker="o", markersize=2.5, label="mean")
        axis.set_title(name)
        epoch_axis(axis, epochs)
        if best is not None:
            mark_epoch(axis, best, "best", f"best epoch {best}" if axis is axes[0] else None)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    return figure

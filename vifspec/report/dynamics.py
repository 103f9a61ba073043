"""Sections built from a record's per-epoch history: loss balance, training dynamics, tracked parameters."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from vifspec.facts import facts_of
from vifspec.records import RunRecord
from vifspec.records.record import Epoch, Term
from vifspec.report.access import best_of
from vifspec.report.comparison import relative_change
from vifspec.report.markdown import bold, fmt_num, fmt_pct, fmt_signed, is_number, md_table, section
from vifspec.report.units import fmt_metric

MAX_EPOCH_ROWS = 30
FLAT_RELATIVE_RANGE = 0.005
PEAK_MARGIN = 0.1

Record = RunRecord
Point = tuple[int, float]


def _entry(record: Record, epoch: int | None) -> Epoch | None:
    return next((entry for entry in record.history if entry.epoch == epoch), None)


def _best_epoch(record: Record) -> int | None:
    return record.epochs.best if record.epochs else None


def loss_balance_table(terms: Mapping[str, Term]) -> str | None:
    """Term | Raw | Weight | Contribution | Share, with a total row (share of the summed |contributions|)."""
    if not terms:
        return None
    contributions = {name: _contribution(values) for name, values in terms.items()}
    scale = sum(abs(c) for c in contributions.values() if is_number(c))
    rows = []
    for name, values in terms.items():
        contribution = contributions[name]
        share = abs(contribution) / scale if scale and is_number(contribution) else None
        rows.append([name, fmt_num(values.raw), fmt_num(values.weight), fmt_num(contribution), fmt_pct(share)])
    total = sum(c for c in contributions.values() if is_number(c))
    rows.append([bold("Total"), "", "", bold(fmt_num(total)), "100.0%" if scale else "-"])
    return md_table(["Term", "Raw", "Weight", "Contribution", "Share"], rows, ["l", "r", "r", "r", "r"])


def _contribution(values: Term) -> Any:
    if is_number(values.weighted):
        return values.weighted
    return values.raw * values.weight if is_number(values.raw) else None


def loss_balance_section(record: Record) -> str | None:
    """The loss mix at the first epoch and at the best epoch (seed 001's "Loss balance at epoch 1")."""
    if not record.history:
        return None
    epochs = list(dict.fromkeys(e for e in (record.history[0].epoch, _best_epoch(record)) if e is not None))
    parts = []
    for epoch in epochs:
        entry = _entry(record, epoch)
        table = loss_balance_table(entry.train.terms) if entry else None
        label = "best epoch" if epoch == _best_epoch(record) and epoch != epochs[0] else "epoch"
        if table:
            parts.append(f"### At {label} {epoch}\n\n{table}")
    return section("Loss Balance", *parts)


def sample_epochs(epochs: Sequence[int], keep: Sequence[int | None], max_rows: int = MAX_EPOCH_ROWS) -> list[int]:
    """Every epoch when there are at most ``max_rows``; else ``max_rows`` epochs spread evenly, always
    keeping the first, the last and ``keep``."""
    epochs = list(epochs)
    if len(epochs) <= max_rows:
        return epochs
    kept = {epochs[0], epochs[-1], *(k for k in keep if k in epochs)}
    slots = max(max_rows - len(kept), 0)
    step = (len(epochs) - 1) / (slots + 1)
    kept |= {epochs[round(step * (i + 1))] for i in range(slots)}
    return sorted(kept)


def trend(points: Sequence[Point], higher_is_better: bool | None) -> str:
    """The shape of a series: "Peak at 4" / "Low at 4" (its best value strictly inside, clearly above
    or below both ends), "Rising", "Falling", "Flat" (a spread under 0.5% of its size), or
    "One epoch" when there is one value."""
    values = [v for _, v in points]
    if len(values) < 2:
        return "One epoch"
    low, high = min(values), max(values)
    spread = high - low
    if spread <= FLAT_RELATIVE_RANGE * max(abs(low), abs(high)) or spread == 0:
        return "Flat"
    best = best_of(values, higher_is_better)
    index = values.index(best)
    margin = PEAK_MARGIN * spread
    if 0 < index < len(values) - 1 and min(abs(best - values[0]), abs(best - values[-1])) > margin:
        word = "Low" if higher_is_better is False else "Peak"
        return f"{word} at {points[index][0]}"
    return "Rising" if values[-1] > values[0] else "Falling"


def _val_series(record: Record) -> dict[str, list[Point]]:
    series: dict[str, list[Point]] = {}
    for entry in record.history:
        for metric, value in entry.val.items():
            if is_number(value) and not metric.startswith("loss."):
                series.setdefault(metric, []).append((entry.epoch, value))
    return series


def term_switches(record: Record) -> dict[int, list[str]]:
    """Epoch -> ``["directional on"]`` where a scheduled loss term's weight goes from 0 to > 0
    (``"<term> off"`` for the reverse), read from each epoch's term weights."""
    previous: dict[str, float] = {}
    switches: dict[int, list[str]] = {}
    for entry in record.history:
        for term, values in entry.train.terms.items():
            weight = values.weight
            before = previous.get(term)
            if before is not None and (before == 0) != (weight == 0):
                switches.setdefault(entry.epoch, []).append(f"{term} {'on' if weight else 'off'}")
            previous[term] = weight
    return switches


def epoch_phases(record: Record) -> dict[int, str]:
    """The Phase cell of each epoch that has one (seed 002): ``warm-up 1-3`` before the first term
    switches on, ``directional on`` where it does, ``collapse: <stop reason>`` where a guard stopped
    a collapsed or diverged run."""
    epochs = [e.epoch for e in record.history]
    if not epochs:
        return {}
    switches = term_switches(record)
    phases = {epoch: ", ".join(events) for epoch, events in switches.items()}
    first_on = min((e for e, events in switches.items() if any(x.endswith(" on") for x in events)), default=None)
    warm_up = [e for e in epochs if first_on is not None and e < first_on]
    for epoch in warm_up:
        phases[epoch] = f"warm-up {warm_up[0]}-{warm_up[-1]}" if epoch == warm_up[0] else "warm-up"
    if record.status in ("collapsed", "diverged"):
        stop = f"collapse: {record.stop_reason or record.status}"
        phases[epochs[-1]] = f"{phases[epochs[-1]]}; {stop}" if epochs[-1] in phases else stop
    return phases


def shown_epochs(record: Record) -> list[int]:
    """The epochs the table lists: all of them, or a spread keeping the first, last, best and phase changes."""
    return sample_epochs([e.epoch for e in record.history], [_best_epoch(record), *epoch_phases(record)])


def epoch_table(record: Record, shown: Sequence[int]) -> str | None:
    """Epoch | Train loss | val metrics (in their units)... | Phase (when a term switches or a guard stops),
    for the ``shown`` epochs; a line says which epochs when not all are listed."""
    history = record.history
    if not history:
        return None
    facts = record.metric_facts()
    metrics = list(_val_series(record))
    best = _best_epoch(record)
    phases = epoch_phases(record)
    rows = []
    for entry in history:
        if entry.epoch not in shown:
            continue
        label = f"{entry.epoch} (best)" if entry.epoch == best else str(entry.epoch)
        row = [label, fmt_num(entry.train.loss), *(fmt_metric(entry.val.get(m), facts, m) for m in metrics)]
        rows.append(row + ([phases.get(entry.epoch, "")] if phases else []))
    headers = ["Epoch", "Train loss", *(f"val.{m}" for m in metrics)] + (["Phase"] if phases else [])
    table = md_table(headers, rows, ["l", "r", *("r" for _ in metrics)] + (["l"] if phases else []))
    if len(rows) < len(history):
        table = (f"{len(rows)} of {len(history)} epochs shown (the first, the last, the best, phase changes and an even "
                 f"spread); trends below are read from these rows, every epoch is in record.json.\n\n{table}")
    return table


def trend_lines(record: Record, shown: Sequence[int]) -> str | None:
    """One line per val metric, read from the ``shown`` epochs: its trend word, its first and last value and,
    when it lies between them, its best, each with its epoch."""
    facts = record.metric_facts()
    lines = []
    for metric, points in _val_series(record).items():
        points = [p for p in points if p[0] in shown]
        if not points:
            continue
        hib = facts_of(facts, metric).higher_is_better
        lines.append(f"- **val.{metric}**: {trend(points, hib)} ({_landmarks(points, hib, facts, metric)})")
    return "\n".join(lines) or None


def _landmarks(points: Sequence[Point], higher_is_better: bool | None, facts: Any, metric: str) -> str:
    """``0.9856 at epoch 1 → lowest 0.7577 at epoch 18 → 0.7588 at epoch 20``."""
    values = [v for _, v in points]
    best = best_of(values, higher_is_better)
    index = values.index(best)
    marks = [(0, "")] + ([(index, "lowest " if higher_is_better is False else "highest ")] if 0 < index < len(points) - 1 else [])
    marks += [(len(points) - 1, "")] if len(points) > 1 else []
    return " → ".join(f"{word}{fmt_metric(points[i][1], facts, metric)} at epoch {points[i][0]}" for i, word in marks)


def _stopping_lines(record: Record) -> str | None:
    epochs = record.epochs
    lines = []
    if epochs is not None and epochs.best is not None:
        entry = _entry(record, epochs.best)
        value = _monitored_value(entry, epochs.monitor)
        shown = fmt_metric(value, record.metric_facts(), epochs.monitor or "")
        suffix = f" ({epochs.monitor}: {shown})" if epochs.monitor and value is not None else ""
        lines.append(f"- **Best epoch**: {epochs.best}{suffix}")
    if epochs is not None:
        lines.append(f"- **Final epoch**: {epochs.run} of {epochs.max}")
    if record.stop_reason:
        lines.append(f"- **Stop reason**: {record.stop_reason}")
    return "\n".join(lines) or None


def _monitored_value(entry: Epoch | None, monitor: str | None) -> Any:
    if entry is None or not monitor or not monitor.startswith("val."):
        return None
    return entry.val.get(monitor.split(".", 1)[1])


def dynamics_section(record: Record) -> str | None:
    """Best and final epoch, stop reason, the per-epoch table and the trend of each val metric."""
    shown = shown_epochs(record)
    return section("Training Dynamics", _stopping_lines(record), epoch_table(record, shown), trend_lines(record, shown))


def _stats_cell(stats: Mapping[str, Any]) -> str:
    parts = [f"{key}={fmt_num(stats[key])}" for key in ("mean", "std") if key in stats]
    return ", ".join(parts) or "-"


def _change_words(first: Mapping[str, Any], last: Mapping[str, Any]) -> str:
    """``mean -8.4%``; a change of more than 10x reads as a factor (``std ×54``, as in "increased 32x"); a
    value that crosses zero (or starts at it) shows its absolute difference (``mean +0.0425``)."""
    parts = []
    for key in ("mean", "std"):
        start, end = first.get(key), last.get(key)
        change = relative_change(start, end)
        if change is None:
            if is_number(start) and is_number(end) and end != start:
                parts.append(f"{key} {fmt_signed(end - start, 4)}")
            continue
        if round(change, 1) == 0:  # "+0.0%" says nothing
            continue
        factor = 1 + change / 100
        parts.append(f"{key} ×{factor:,.0f}" if abs(factor) >= 10 else f"{key} {change:+.1f}%")
    return ", ".join(parts) or "unchanged"


def tracked_section(record: Record) -> str | None:
    """Per tracked name: first, best and last epoch mean/std and the change from first to last."""
    history = record.history
    names = list(dict.fromkeys(n for e in history for n in e.track))
    if not names:
        return None
    first, best, last = history[0].epoch, _best_epoch(record), history[-1].epoch
    columns = list(dict.fromkeys(e for e in (first, best, last) if e is not None))
    headers = ["Parameter", *(_epoch_heading(e, first, best, last) for e in columns), "Change (first → last)"]
    rows = []
    for name in names:
        stats = {e: _track(record, e, name) for e in columns}
        rows.append([bold(name), *(_stats_cell(stats[e]) for e in columns), _change_words(stats[first], stats[last])])
    return section("Tracked Parameters", md_table(headers, rows))


def _track(record: Record, epoch: int, name: str) -> Mapping[str, Any]:
    entry = _entry(record, epoch)
    return (entry.track.get(name) if entry else None) or {}


def _epoch_heading(epoch: int, first: int, best: int | None, last: int) -> str:
    roles = [role for role, e in (("first", first), ("best", best), ("last", last)) if e == epoch]
    return f"Epoch {epoch} ({', '.join(roles)})"

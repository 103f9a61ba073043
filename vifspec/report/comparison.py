"""Side-by-side comparisons: against a baseline run, between arms, against trivial models.

Every number is shown in its metric's declared unit and every direction read from its facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from vifspec.facts import Facts, facts_of, is_loss_metric
from vifspec.report.access import Metrics, common_keys, is_better, lookup, ordered_splits
from vifspec.report.markdown import Style, bold, is_number, md_table
from vifspec.report.units import fmt_delta, fmt_metric, metric_unit

BOLD_CHANGE_PCT = 3.0
NEGLIGIBLE_PCT = 1.0


def relative_change(reference: Any, value: Any) -> float | None:
    """``(value - reference) / |reference| * 100``; ``None`` when undefined or when the two values lie
    on opposite sides of zero (a relative change across zero means nothing)."""
    if not (is_number(reference) and is_number(value)) or reference == 0 or (reference < 0) != (value < 0) and value != 0:
        return None
    return (value - reference) / abs(reference) * 100


@dataclass(frozen=True)
class BaselineRow:
    key: str
    reference: Any
    value: Any
    higher_is_better: bool | None
    unit: str

    @property
    def change(self) -> float | None:
        return relative_change(self.reference, self.value)

    @property
    def difference(self) -> float | None:
        return self.value - self.reference if is_number(self.value) and is_number(self.reference) else None


def baseline_rows(reference: Metrics, current: Metrics, keys: Sequence[str] | None, facts: Facts | None) -> list[BaselineRow]:
    """One row per compared ``split.metric``; without ``keys``, every result metric the baseline has
    (losses of different mixes and diagnostics are not compared)."""
    if not keys:
        keys = [f"{split}.{m}" for split, values in reference.items() for m in values if not facts_of(facts, f"{split}.{m}").diagnostic]
    return [
        BaselineRow(key, lookup(reference, key), lookup(current, key), facts_of(facts, key).higher_is_better, metric_unit(facts, key))
        for key in keys
    ]


def change_cell(row: BaselineRow) -> str:
    """``-3.6%`` (bold from 3%), or the absolute difference when a relative change is meaningless."""
    if row.change is None:
        return fmt_delta(row.difference, row.unit) if row.difference is not None else "-"
    text = f"{row.change:+.1f}%"
    return bold(text) if abs(row.change) >= BOLD_CHANGE_PCT else text


def assessment(row: BaselineRow, style: Style) -> str:
    """📈 Better / 📉 Worse per direction, 🔄 Negligible under 1%."""
    if row.difference is None or row.higher_is_better is None:
        return "-"
    if row.change is not None and abs(row.change) < NEGLIGIBLE_PCT or row.difference == 0:
        return style.mark("negligible")
    return style.mark("better" if (row.difference > 0) == row.higher_is_better else "worse")


def baseline_table(label: str, rows: list[BaselineRow], style: Style, facts: Facts | None) -> str | None:
    """Metric | <baseline label> | This run | Change | Assessment."""
    if not rows:
        return None
    body = [
        [r.key, fmt_metric(r.reference, facts, r.key), fmt_metric(r.value, facts, r.key), change_cell(r), assessment(r, style)]
        for r in rows
    ]
    return md_table(["Metric", label, "This run", "Change", "Assessment"], body, ["l", "r", "r", "r", "l"])


def baseline_tally(rows: list[BaselineRow], style: Style) -> dict[str, int]:
    """How many compared metrics were better, worse or negligible."""
    words = [assessment(row, style) for row in rows]
    return {kind: words.count(style.mark(kind)) for kind in ("better", "worse", "negligible")}


def arms_table(arms: Mapping[str, Metrics], keys: Sequence[str], control: str | None, style: Style, facts: Facts | None) -> str | None:
    """Arm | metrics..., then one Δ row per non-control arm (seed 003)."""
    if not arms or not keys:
        return None
    names = list(arms)
    control = control if control in arms else names[0]
    rows: list[list[str]] = [[name, *(fmt_metric(lookup(arms[name], k), facts, k) for k in keys)] for name in names]
    others = [n for n in names if n != control]
    for other in others:
        label = style.mark("delta") if len(others) == 1 else f"{style.mark('delta')} {other}"
        cells = [bold(fmt_delta(_difference(arms[control], arms[other], k), metric_unit(facts, k))) for k in keys]
        rows.append([bold(label), *cells])
    return md_table(["Arm", *keys], rows, ["l", *("r" for _ in keys)])


def _difference(control: Metrics, other: Metrics, key: str) -> float | None:
    a, b = lookup(control, key), lookup(other, key)
    return b - a if is_number(a) and is_number(b) else None


def arm_keys(arms: Mapping[str, Metrics], facts: Facts | None) -> list[str]:
    """The keys every arm reports on one split (test if they share any, else val, else another), losses
    left out, results first and diagnostics after them."""
    tables = list(arms.values())
    splits = sorted(dict.fromkeys(s for t in tables for s in t), key=lambda s: ("test", "val").index(s) if s in ("test", "val") else 2)
    for split in splits:
        keys = [k for k in common_keys(tables, split) if not is_loss_metric(k.partition(".")[2])]
        if keys:
            return sorted(keys, key=lambda k: facts_of(facts, k).diagnostic)  # results first, diagnostics after
    return []


@dataclass(frozen=True)
class TrivialRow:
    split: str
    metric: str
    model: Any
    trivial: dict[str, Any]
    beats: bool | None

    @property
    def key(self) -> str:
        return f"{self.split}.{self.metric}"


def trivial_rows(metrics: Metrics, trivial: Mapping[str, Metrics], facts: Facts | None) -> list[TrivialRow]:
    """One row per evaluated split (except train) and result metric (a known direction, not a
    diagnostic) that at least one trivial model could compute."""
    splits = [s for s in ordered_splits(s for t in trivial.values() for s in t) if s != "train"]
    rows = []
    for split in splits:
        names = dict.fromkeys(m for t in trivial.values() for m in (t.get(split) or {}))
        for metric in names:
            metric_facts = facts_of(facts, f"{split}.{metric}")
            if metric_facts.higher_is_better is None or metric_facts.diagnostic:
                continue
            values = {name: (t.get(split) or {}).get(metric) for name, t in trivial.items()}
            known = [v for v in values.values() if is_number(v)]
            if not known:
                continue
            model = (metrics.get(split) or {}).get(metric)
            beats = all(is_better(model, v, metric_facts.higher_is_better) for v in known)
            rows.append(TrivialRow(split, metric, model, values, beats))
    return rows


def trivial_table(metrics: Metrics, trivial: Mapping[str, Metrics], facts: Facts | None, style: Style) -> str | None:
    """Metric | Model | <trivial>... | Beats trivial, one row per split and result metric."""
    rows = trivial_rows(metrics, trivial, facts)
    if not rows:
        return None
    names = list(trivial)
    body = [
        [r.key, fmt_metric(r.model, facts, r.key), *(fmt_metric(r.trivial.get(n), facts, r.key) for n in names),
         style.status("PASS" if r.beats else "FAIL")]
        for r in rows
    ]
    return md_table(["Metric", "Model", *names, "Beats trivial"], body, ["l", "r", *("r" for _ in names), "l"])

"""Side-by-side comparisons: against a baseline run, between arms, against trivial models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from vifspec.report.access import Metrics, common_keys, direction, is_better, is_loss, lookup, ordered_splits
from vifspec.report.markdown import Style, bold, fmt_num, fmt_signed, is_number, md_table
from vifspec.report.units import MetricFns, is_diagnostic, is_latency, is_rate

BOLD_CHANGE_PCT = 3.0
NEGLIGIBLE_PCT = 1.0


def relative_change(reference: Any, value: Any) -> float | None:
    """``(value - reference) / |reference| * 100``; ``None`` when undefined."""
    if not (is_number(reference) and is_number(value)) or reference == 0:
        return None
    return (value - reference) / abs(reference) * 100


def change_cell(change: float | None) -> str:
    """``-3.6%`` in bold when ``|change| >= 3%`` (seed 001)."""
    if change is None:
        return "-"
    text = f"{change:+.1f}%"
    return bold(text) if abs(change) >= BOLD_CHANGE_PCT else text


def assessment(change: float | None, higher_is_better: bool | None, style: Style) -> str:
    """📈 Better / 📉 Worse per direction, 🔄 Negligible under 1%."""
    if change is None or higher_is_better is None:
        return "-"
    if abs(change) < NEGLIGIBLE_PCT:
        return style.mark("negligible")
    return style.mark("better" if (change > 0) == higher_is_better else "worse")


@dataclass(frozen=True)
class BaselineRow:
    key: str
    reference: Any
    value: Any
    change: float | None
    higher_is_better: bool | None


def baseline_rows(
    reference: Metrics, current: Metrics, keys: Sequence[str] | None, directions: Mapping[str, bool] | None
) -> list[BaselineRow]:
    """One row per compared ``split.metric``; without ``keys``, every metric the baseline has except
    ``loss``/``loss.*`` (losses of different loss mixes are not comparable)."""
    if not keys:
        keys = [f"{split}.{m}" for split, values in reference.items() for m in values if not is_loss(m)]
    rows = []
    for key in keys:
        ref, value = lookup(reference, key), lookup(current, key)
        rows.append(BaselineRow(key, ref, value, relative_change(ref, value), direction(directions, key)))
    return rows


def baseline_table(label: str, rows: list[BaselineRow], style: Style) -> str | None:
    """Metric | <baseline label> | This run | Change | Assessment."""
    if not rows:
        return None
    body = [
        [r.key, fmt_num(r.reference), fmt_num(r.value), change_cell(r.change), assessment(r.change, r.higher_is_better, style)]
        for r in rows
    ]
    return md_table(["Metric", label, "This run", "Change", "Assessment"], body, ["l", "r", "r", "r", "l"])


def baseline_tally(rows: list[BaselineRow], style: Style) -> dict[str, int]:
    """How many compared metrics were better, worse or negligible."""
    counts = {"better": 0, "worse": 0, "negligible": 0}
    for row in rows:
        word = assessment(row.change, row.higher_is_better, style)
        for kind in counts:
            if word == style.mark(kind):
                counts[kind] += 1
    return counts


def delta_cell(key: str, reference: Any, value: Any, metric_fns: MetricFns | None = None) -> str:
    """Difference between arms: ``+10pp`` for rates, ``-0.03ms`` for latency percentiles, plain otherwise.

    Without ``metric_fns`` (results judged from elsewhere) a non-loss metric whose two values lie in
    [0, 1] counts as a rate.
    """
    if not (is_number(reference) and is_number(value)):
        return "-"
    diff = value - reference
    if is_latency(metric_fns, key):
        return fmt_signed(diff, 3, "ms")
    if _shown_as_rate(key, (reference, value), metric_fns):
        return fmt_signed(diff * 100, 1, "pp")
    return fmt_signed(diff, 4)


def _shown_as_rate(key: str, values: tuple[float, float], metric_fns: MetricFns | None) -> bool:
    if metric_fns:
        return is_rate(metric_fns, key)
    metric = key.split(".", 1)[1] if "." in key else key
    return not is_loss(metric) and all(0 <= v <= 1 for v in values)


def arms_table(
    arms: Mapping[str, Metrics], keys: Sequence[str], control: str | None, style: Style, metric_fns: MetricFns | None = None
) -> str | None:
    """Arm | metrics..., then one Δ row per non-control arm (seed 003)."""
    if not arms or not keys:
        return None
    names = list(arms)
    control = control if control in arms else names[0]
    rows: list[list[str]] = [[name, *(fmt_num(lookup(arms[name], k)) for k in keys)] for name in names]
    others = [n for n in names if n != control]
    for other in others:
        label = style.mark("delta") if len(others) == 1 else f"{style.mark('delta')} {other}"
        cells = [bold(delta_cell(k, lookup(arms[control], k), lookup(arms[other], k), metric_fns)) for k in keys]
        rows.append([bold(label), *cells])
    return md_table(["Arm", *keys], rows, ["l", *("r" for _ in keys)])


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


def _trivial_metrics(record: Mapping[str, Any], trivial: Mapping[str, Metrics], split: str) -> list[str]:
    """Result metrics of a split: a known direction, not a loss or diagnostic (overlap, latency, spread)."""
    names = dict.fromkeys(m for t in trivial.values() for m in (t.get(split) or {}))
    return [
        m for m in names
        if direction(record.get("directions"), m) is not None and not is_diagnostic(record.get("metric_fns"), m)
    ]


def trivial_rows(record: Mapping[str, Any]) -> list[TrivialRow]:
    """One row per split the trivial models were evaluated on (except train) and result metric."""
    trivial = record.get("trivial") or {}
    splits = [s for s in ordered_splits(s for t in trivial.values() for s in t) if s != "train"]
    rows = []
    for split in splits:
        model_values = (record.get("metrics") or {}).get(split) or {}
        for metric in _trivial_metrics(record, trivial, split):
            values = {name: (t.get(split) or {}).get(metric) for name, t in trivial.items()}
            hib = direction(record.get("directions"), metric)
            known = [v for v in values.values() if is_number(v)]
            beats = all(is_better(model_values.get(metric), v, hib) for v in known) if known else None
            rows.append(TrivialRow(split, metric, model_values.get(metric), values, beats))
    return rows


def trivial_table(record: Mapping[str, Any], style: Style) -> str | None:
    """Metric | Model | <trivial>... | Beats trivial, one row per split and result metric."""
    rows = trivial_rows(record)
    if not rows:
        return None
    names = list(record.get("trivial") or {})
    body = [
        [r.key, fmt_num(r.model), *(fmt_num(r.trivial.get(n)) for n in names), _beats_cell(r.beats, style)]
        for r in rows
    ]
    return md_table(["Metric", "Model", *names, "Beats trivial"], body, ["l", "r", *("r" for _ in names), "l"])


def _beats_cell(beats: bool | None, style: Style) -> str:
    if beats is None:
        return "-"
    return style.status("PASS" if beats else "FAIL")


def arm_keys(arms: Mapping[str, Metrics]) -> list[str]:
    """The ``split.metric`` keys every arm reports on one split: test if they share any, else val, else another."""
    metric_sets = list(arms.values())
    splits = list(dict.fromkeys(s for m in metric_sets for s in m))
    for split in sorted(splits, key=lambda s: ("test", "val").index(s) if s in ("test", "val") else 2):
        keys = common_keys(metric_sets, split)
        if keys:
            return keys
    return []

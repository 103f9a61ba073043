"""Warnings drawn from diagnostic metrics: leaked evaluation (``overlap``) and probability collapse (``score_spread``)."""

from __future__ import annotations

from typing import Any, Mapping

from vifspec.report.access import ordered_splits
from vifspec.report.markdown import Style, fmt_num, fmt_pct, is_number, md_table, section

LEAK_THRESHOLD = 0.05
COLLAPSE_THRESHOLD = 0.05

Record = Mapping[str, Any]
Finding = tuple[str, str, float]


def values_of_fn(record: Record, fn: str) -> list[Finding]:
    """``(split, metric, value)`` for every metric computed by registry function ``fn``."""
    names = [metric for metric, name in (record.get("metric_fns") or {}).items() if name == fn]
    metrics = record.get("metrics") or {}
    return [
        (split, metric, metrics[split][metric])
        for split in ordered_splits(metrics)
        for metric in names
        if is_number((metrics[split] or {}).get(metric))
    ]


def leaks(record: Record) -> list[Finding]:
    """Overlap measurements above 5%."""
    return [f for f in values_of_fn(record, "overlap") if f[2] > LEAK_THRESHOLD]


def collapses(record: Record) -> list[Finding]:
    """Score spreads below 0.05: predictions clustered in a narrow band."""
    return [f for f in values_of_fn(record, "score_spread") if f[2] < COLLAPSE_THRESHOLD]


def leakage_section(record: Record, style: Style) -> str | None:
    """Train/eval overlap as a percentage, flagged above 5%."""
    findings = values_of_fn(record, "overlap")
    if not findings:
        return None
    rows = [
        [f"{split}.{metric}", fmt_pct(value), _leak_status(value, style)]
        for split, metric, value in findings
    ]
    return section("Data Leakage", md_table(["Metric", "Overlap", "Status"], rows, ["l", "r", "l"]))


def _leak_status(value: float, style: Style) -> str:
    if value > LEAK_THRESHOLD:
        return f"{style.mark('warn')} leaked evaluation"
    return style.status("PASS")


def collapse_section(record: Record, style: Style) -> str | None:
    """A warning for each split whose score spread is below 0.05."""
    findings = collapses(record)
    if not findings:
        return None
    lines = [
        f"{style.mark('warn')} **Probability collapse**: {split}.{metric} = {fmt_num(value)} "
        f"(< {COLLAPSE_THRESHOLD}); predictions are clustered and carry little ranking signal."
        for split, metric, value in findings
    ]
    return section("Probability Collapse", "\n".join(f"- {line}" for line in lines))

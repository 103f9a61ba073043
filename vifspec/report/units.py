"""Which unit a value is shown in: rates as percentages, differences of rates in percentage points,
latencies in milliseconds. Decided from the registry function of each metric (``record["metric_fns"]``)
or from the unit written in a criterion's target (``>= 60%``, ``>= +10pp``)."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from vifspec.report.access import by_metric, is_loss
from vifspec.report.markdown import MISSING_CELL, fmt_num, fmt_pct, fmt_signed, is_number

MetricFns = Mapping[str, str]

RATE_FNS = frozenset(
    ("recall_at_k", "contain_at_k", "accuracy", "precision", "recall", "hedging", "overlap", "minority_recall", "class_recall")
)
DIAGNOSTIC_FNS = frozenset(("overlap", "percentile", "score_spread"))
_LATENCY_NAME = re.compile(r"(latency|ms)", re.IGNORECASE)
_LATENCY_NAME_WITHOUT_FN = re.compile(r"(latency|^p\d{2,3}$|_ms$|^ms$)", re.IGNORECASE)


def metric_fn(metric_fns: MetricFns | None, key: str) -> str | None:
    """The registry function of a metric named bare or as ``split.metric`` (table columns inherit)."""
    return by_metric(metric_fns, key)


def is_rate(metric_fns: MetricFns | None, key: str) -> bool:
    """A metric whose registry function returns a rate in [0, 1]."""
    return metric_fn(metric_fns, key) in RATE_FNS


def is_latency(metric_fns: MetricFns | None, key: str) -> bool:
    """A ``percentile`` of a latency output (its name says ``ms`` or ``latency``); by name alone
    when the metric's function is unknown."""
    metric = key.split(".", 1)[1] if "." in key else key
    fn = metric_fn(metric_fns, key)
    if fn is None:
        return bool(_LATENCY_NAME_WITHOUT_FN.search(metric))
    return fn == "percentile" and bool(_LATENCY_NAME.search(metric))


def is_diagnostic(metric_fns: MetricFns | None, key: str) -> bool:
    """A loss value or a diagnostic measurement (overlap, latency percentile, score spread), not a result."""
    metric = key.split(".", 1)[1] if "." in key else key
    return is_loss(metric) or metric_fn(metric_fns, key) in DIAGNOSTIC_FNS


def fmt_in_unit(value: Any, unit: str | None) -> str:
    """``3.2%`` for ``"%"``, ``-2.5pp`` for ``"pp"``, the seed number format otherwise."""
    if not is_number(value):
        return MISSING_CELL
    if unit == "%":
        return fmt_pct(value)
    if unit == "pp":
        return fmt_signed(value * 100, 1, "pp")
    return fmt_num(value)


def references(expression: str, metric: str) -> bool:
    """Whether an expression references ``<split>.metric`` or one of its columns ``<split>.metric.col``."""
    return re.search(r"[\w}]\." + re.escape(metric) + r"(?![\w@\-])", expression) is not None


def _is_difference(expression: str) -> bool:
    return " - " in expression


def criterion_unit(expression: str, target: str | None, metric_fns: MetricFns | None) -> str | None:
    """The unit of a criterion's achieved value: that of its target as written (``"pp"`` for a
    difference with a pp target, ``"%"`` for a % or pp target, none for a plain number); without a
    constant target, ``"%"``/``"pp"`` when it compares rates only. Without ``metric_fns`` only the
    target's unit counts (the judge report)."""
    written = target or ""
    if "pp" in written:
        return "pp" if _is_difference(expression) else "%"
    if "%" in written:
        return "%"
    if target:  # a target written as a plain number: the achieved value in the same plain form
        return None
    referenced = [fn for name, fn in (metric_fns or {}).items() if references(expression, name)]
    if referenced and all(fn in RATE_FNS for fn in referenced):
        return "pp" if _is_difference(expression) else "%"
    return None


def merged_metric_fns(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Every record's ``metric_fns`` together."""
    merged: dict[str, str] = {}
    for record in records:
        merged.update(record.get("metric_fns") or {})
    return merged

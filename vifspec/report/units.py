"""Numbers in the unit their facts declare: rates as percentages, differences of rates in percentage
points, latencies in milliseconds, everything else in the seeds' plain number format.

The unit of a metric comes from its :class:`~vifspec.facts.MetricFacts` (declared once by the
component, refined by ``[metric.NAME]``); the unit of a criterion's achieved value is the one the
verdict computed from its measured side (:attr:`vifspec.verdict.CriterionResult.unit`).
"""

from __future__ import annotations

from typing import Any

from vifspec.facts import Facts, facts_of
from vifspec.report.markdown import MISSING_CELL, fmt_num, fmt_pct, fmt_signed, is_number

RATE, POINTS, MS = "rate", "pp", "ms"


def fmt_value(value: Any, unit: str | None) -> str:
    """``13.9%`` for a rate, ``+2.5pp`` for a difference of rates, ``1.13ms``, else ``0.1389``."""
    if not is_number(value):
        return MISSING_CELL
    if unit == RATE:
        return fmt_pct(value)
    if unit == POINTS:
        return fmt_signed(value * 100, 1, "pp")
    if unit == MS:
        return f"{value:.2f}ms"
    return fmt_num(value)


def fmt_delta(value: Any, unit: str | None) -> str:
    """A difference between two values of a metric: ``+10pp`` for rates, ``-0.03ms``, else ``+0.0123``."""
    if not is_number(value):
        return MISSING_CELL
    if unit == RATE:
        return fmt_signed(value * 100, 1, "pp")
    if unit == MS:
        return fmt_signed(value, 2, "ms")
    return fmt_signed(value, 4)


def metric_unit(facts: Facts | None, key: str) -> str:
    """The declared unit of a metric named bare or as ``split.metric``."""
    return facts_of(facts, key).unit


def fmt_metric(value: Any, facts: Facts | None, key: str) -> str:
    """``value`` of metric ``key`` in its declared unit."""
    return fmt_value(value, metric_unit(facts, key))


def fmt_interval(low: Any, high: Any, unit: str | None) -> str:
    """``[70.1%, 74.3%]``; empty when either end is missing."""
    if not (is_number(low) and is_number(high)):
        return ""
    return f"[{fmt_value(low, unit)}, {fmt_value(high, unit)}]"

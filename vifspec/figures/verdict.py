"""The verdict over seeds, drawn: one panel per criterion with each seed's value, the aggregate, its
interval (when the verdict computed one) and the target line, the passing side shaded."""

from __future__ import annotations

import re
from typing import Any, Sequence

from vifspec.figures.canvas import STATUS_COLOURS, colour, new_figure, unit_axis
from vifspec.report.markdown import is_number
from vifspec.report.units import fmt_interval, fmt_value
from vifspec.report.verdict_view import target_text
from vifspec.verdict import CriterionResult, Verdict

_OPERATOR = re.compile(r"^\s*(>=|<=|>|<|≥|≤)")
PASSING_SHADE = "#2e7d32"


def drawable(criterion: CriterionResult) -> bool:
    """A criterion with at least two seeds' numbers on its measured side."""
    return sum(is_number(s.achieved) for s in criterion.seeds) >= 2


def criteria_over_seeds(verdict: Verdict, title: str) -> Any | None:
    """One panel per criterion judged on several seeds; ``None`` when there is none."""
    criteria = [c for c in verdict.criteria if drawable(c)]
    if not criteria:
        return None
    figure, axes = new_figure(len(criteria), columns=2, width=6.4, height=2.1, title=title)
    for axis, criterion in zip(axes, criteria):
        _panel(axis, criterion)
    return figure


def _panel(axis: Any, criterion: CriterionResult) -> None:
    seeds = [s for s in criterion.seeds if is_number(s.achieved)]
    spread = [(i - (len(seeds) - 1) / 2) * 0.12 for i in range(len(seeds))]
    for index, (seed, offset) in enumerate(zip(seeds, spread)):
        axis.scatter([seed.achieved], [offset], s=28, color=colour(index), edgecolor="black", linewidth=0.4, zorder=3,
                     label=f"seed {seed.seed}")
    status_colour = STATUS_COLOURS.get(criterion.status, "black")
    if is_number(criterion.low) and is_number(criterion.high):
        axis.errorbar([criterion.achieved], [-0.45], xerr=[[criterion.achieved - criterion.low], [criterion.high - criterion.achieved]],
                      fmt="D", color=status_colour, capsize=4, markersize=6, zorder=4, label="mean and its interval")
    elif is_number(criterion.achieved):
        axis.plot([criterion.achieved], [-0.45], "D", color=status_colour, markersize=6, zorder=4, label="mean")
    _target(axis, criterion)
    axis.set_ylim(-0.8, 0.6)
    axis.set_yticks([])
    axis.grid(axis="y", visible=False)
    unit_axis(axis, criterion.unit, which="x")
    achieved = " ".join(filter(None, [fmt_value(criterion.achieved, criterion.unit), fmt_interval(criterion.low, criterion.high, criterion.unit)]))
    axis.set_title(f"{criterion.name}: {criterion.status} (mean {achieved}, n = {len(seeds)})", color=status_colour, loc="left")
    axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.05), frameon=False, fontsize=7)


def _target(axis: Any, criterion: CriterionResult) -> None:
    """The target line, labelled, and the passing side shaded."""
    if not is_number(criterion.target_value):
        return
    target = criterion.target_value
    axis.axvline(target, color="black", linestyle="--", linewidth=1.2, zorder=2)
    axis.annotate(f"target {target_text(criterion)}", xy=(target, 0.0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                  textcoords="offset points", fontsize=7)
    operator = _OPERATOR.match(criterion.target or "")
    low, high = _span(axis, criterion, target)
    axis.set_xlim(low, high)
    if operator:
        above = operator.group(1) in (">", ">=", "≥")
        axis.axvspan(*((target, high) if above else (low, target)), color=PASSING_SHADE, alpha=0.08, zorder=0)


def _span(axis: Any, criterion: CriterionResult, target: float) -> tuple[float, float]:
    values: list[float] = [target, *(s.achieved for s in criterion.seeds if is_number(s.achieved))]
    values += [v for v in (criterion.low, criterion.high) if is_number(v)]
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or abs(target) * 0.1 or 0.1
    return low - pad, high + pad


__all__: Sequence[str] = ["criteria_over_seeds", "drawable"]

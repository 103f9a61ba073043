"""Shared drawing helpers: a matplotlib figure without pyplot (no global state, no display needed),
one look for every figure, axes in a metric's declared unit, status colours, atomic PNG writes."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Sequence

from vifspec.report.markdown import fmt_signed

DPI = 110
STATUS_COLOURS = {
    "PASS": "#2e7d32", "PASSED": "#2e7d32", "FAIL": "#c62828", "FAILED": "#c62828",
    "INCONCLUSIVE": "#ef8f00", "MIXED": "#ef8f00", "MISSING": "#757575",
}
MARKS = {"best": "#2e7d32", "switch": "#6a6a6a", "guard": "#c62828"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
STYLE = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "figure.facecolor": "white",
}


def new_figure(panels: int, *, columns: int = 3, width: float = 4.2, height: float = 3.0, title: str | None = None) -> tuple[Any, list[Any]]:
    """A figure with ``panels`` axes in a grid of at most ``columns`` columns (unused cells removed)."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(STYLE)
    columns = max(1, min(columns, panels))
    rows = math.ceil(panels / columns)
    figure = Figure(figsize=(width * columns, height * rows + (0.5 if title else 0)), dpi=DPI, layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for extra in axes[panels:]:
        extra.remove()
    if title:
        figure.suptitle(title, fontsize=11, fontweight="bold", wrap=True)
    return figure, axes[:panels]


def unit_axis(axis: Any, unit: str, which: str = "y") -> None:
    """Ticks in the unit: a rate as %, milliseconds with ``ms``, numbers as they are."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    target = axis.yaxis if which == "y" else axis.xaxis
    if unit == "rate":
        target.set_major_formatter(PercentFormatter(1.0))  # as many decimals as the tick spacing needs (97.5%, not 98%)
    elif unit == "pp":
        target.set_major_formatter(FuncFormatter(lambda v, _: fmt_signed(v * 100, 1, "pp")))
    elif unit == "ms":
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} ms"))


def epoch_axis(axis: Any, epochs: Sequence[int]) -> None:
    """Integer epoch ticks, labelled."""
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    axis.set_xlabel("epoch")
    if epochs:
        axis.set_xlim(min(epochs) - 0.3, max(epochs) + 0.3)


def mark_epoch(axis: Any, epoch: float, kind: str, label: str | None = None, *, top: bool = True) -> None:
    """A vertical line at ``epoch`` (best, schedule switch, guard event) with a small label."""
    style = {"best": "--", "switch": ":", "guard": "-"}[kind]
    axis.axvline(epoch, color=MARKS[kind], linestyle=style, linewidth=1.2, alpha=0.9, zorder=1)
    if label:
        axis.annotate(label, xy=(epoch, 1.0 if top else 0.0), xycoords=("data", "axes fraction"), xytext=(3, -10 if top else 4),
                      textcoords="offset points", fontsize=7, color=MARKS[kind], rotation=0, va="top" if top else "bottom")


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def save(figure: Any, path: Path) -> Path:
    """Write the PNG atomically (a temporary file renamed), so a reader never sees half a figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    figure.savefig(tmp, format="png", dpi=DPI)
    os.replace(tmp, path)
    return path

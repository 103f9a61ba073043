"""Figures that compare: arms side by side, and the variants of an experiment ranked."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from vifspec.facts import Facts, facts_of
from vifspec.figures.canvas import STATUS_COLOURS, colour, new_figure, unit_axis
from vifspec.figures.curves import draw_targets
from vifspec.records import RunRecord
from vifspec.report.access import lookup, resolve_key, sort_by
from vifspec.report.comparison import arm_keys
from vifspec.report.markdown import is_number
from vifspec.report.run_report import merged_facts
from vifspec.report.units import fmt_metric
from vifspec.verdict import Verdict, results_from_records
from vifspec.verdict.results import Results, mean_table

MAX_ARM_PANELS = 8
MAX_RANKED = 25


def _direction(facts: Facts, key: str) -> str:
    return {True: " (higher is better)", False: " (lower is better)"}.get(facts_of(facts, key).higher_is_better, "")


def arms_side_by_side(results: Results, keys: Sequence[str], control: str, facts: Facts, title: str) -> Any | None:
    """One panel per metric: a bar per arm (the mean over seeds, labelled) and a dot per seed."""
    arms = list(results.arms)
    keys = list(keys)[:MAX_ARM_PANELS]
    if not arms or not keys:
        return None
    figure, axes = new_figure(len(keys), columns=min(4, len(keys)), width=3.2, height=3.0, title=title)
    for axis, key in zip(axes, keys):
        for index, arm in enumerate(arms):
            values = [lookup(s.metrics, key) for s in results.arms[arm]]
            values = [v for v in values if is_number(v)]
            if not values:
                continue
            mean = sum(values) / len(values)
            axis.bar(index, mean, color=colour(index), alpha=0.8, edgecolor="black" if arm == control else "none", linewidth=1.2)
            axis.annotate(fmt_metric(mean, facts, key), (index, max(mean, *values)), xytext=(0, 5), textcoords="offset points",
                          ha="center", fontsize=8, fontweight="bold")
            if len(values) > 1:
                axis.scatter([index] * len(values), values, s=14, color="black", zorder=3)
        axis.set_xticks(range(len(arms)), [f"{a}\n(control)" if a == control else a for a in arms], fontsize=8)
        axis.set_title(f"{key}{_direction(facts, key)}", fontsize=9)
        axis.grid(axis="x", visible=False)
        unit_axis(axis, facts_of(facts, key).unit)
        axis.margins(y=0.15)
    return figure


def ranking_chart(rows: Sequence[Mapping[str, Any]], key: str, facts: Facts, title: str, verdict: Verdict | None = None) -> Any | None:
    """Variants ranked best first (at the top) on ``key``: a large dot per variant (its mean over seeds,
    labelled, coloured by the variant's verdict) and a small dot per seed. ``rows``: ``{"variant", "status", "values": [per seed]}``."""
    scored = [dict(r, mean=sum(r["values"]) / len(r["values"])) for r in rows if r["values"]]
    if not scored:
        return None
    ranked = sort_by(scored, lambda r: r["mean"], facts_of(facts, key).higher_is_better)[:MAX_RANKED]
    figure, (axis,) = new_figure(1, width=7.5, height=0.9 + 0.32 * len(ranked), title=title)
    positions = list(range(len(ranked)))[::-1]
    for y, row in zip(positions, ranked):
        if len(row["values"]) > 1:
            axis.scatter(row["values"], [y] * len(row["values"]), s=12, color="black", alpha=0.6, zorder=3)
        axis.scatter([row["mean"]], [y], s=70, color=STATUS_COLOURS.get(row["status"], "#9e9e9e"), edgecolor="black",
                     linewidth=0.5, zorder=4)
        axis.annotate(fmt_metric(row["mean"], facts, key), (row["mean"], y), xytext=(7, 0), textcoords="offset points",
                      va="center", fontsize=8)
    axis.set_yticks(positions, [r["variant"] for r in ranked], fontsize=8)
    axis.set_xlabel(f"{key}{_direction(facts, key)}")
    unit_axis(axis, facts_of(facts, key).unit, which="x")
    axis.margins(x=0.15, y=0.5 / len(ranked))
    draw_targets(axis, verdict, key.partition(".")[2], vertical=True)
    handles = [_patch(status) for status in dict.fromkeys(r["status"] for r in ranked)]
    axis.legend(handles=handles, loc="lower right", fontsize=7)
    if len(scored) > len(ranked):
        axis.set_title(f"best {len(ranked)} of {len(scored)} variants", fontsize=8, loc="left")
    missing = [r["variant"] for r in rows if not r["values"]]
    if missing:
        axis.annotate(f"no {key}: {', '.join(missing)}", xy=(0, 0), xycoords="figure fraction", xytext=(6, 4),
                      textcoords="offset points", fontsize=7, color="#555555")
    return figure


def _patch(status: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(color=STATUS_COLOURS.get(status, "#9e9e9e"), label=status.lower())


def ranking_drawing(judged: Sequence[tuple[list[RunRecord], Verdict]], rank_key: str, title: str) -> Any | None:
    """:func:`ranking_chart` of each variant's per-seed values of ``rank_key`` and its verdict."""
    facts = merged_facts([r for group, _ in judged for r in group])
    rows = []
    for group, verdict in judged:
        key = resolve_key(rank_key, group[0].metrics)
        values = [v for v in (lookup(r.metrics, key) for r in group) if is_number(v)]
        rows.append({"variant": group[0].variant, "status": verdict.status, "values": values})
    return ranking_chart(rows, resolve_key(rank_key, judged[0][0][0].metrics), facts, title, judged[0][1])


def arms_drawings(group: Sequence[RunRecord], verdict: Verdict, title: str) -> dict[str, Callable[[], Any]]:
    """The arms side by side and, with several seeds, the arms verdict's criteria over seeds."""
    from vifspec.figures.verdict import criteria_over_seeds

    results = results_from_records(list(group))
    facts = merged_facts(group)
    means = {arm: mean_table(samples) for arm, samples in results.arms.items()}
    declared = next((r.baseline.arm for r in group if r.baseline is not None and r.baseline.arm), None)
    control = declared if declared in means else next(iter(means), "")
    keys = arm_keys(means, facts)
    drawings: dict[str, Callable[[], Any]] = {"arms": lambda: arms_side_by_side(results, keys, control, facts, f"{title}: arms side by side")}
    if len(results.labels()) > 1:
        drawings["criteria"] = lambda: criteria_over_seeds(verdict, f"{title}: criteria over seeds")
    return drawings

"""The arms part of ``REPORT.md`` (seed 003): arms side by side (means over seeds) with Δ rows, each
seed's own Δ, the gate line of each criterion comparing arms, alerts, and the experiment's verdict."""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

from vifspec.facts import Facts
from vifspec.records import RunRecord
from vifspec.report.access import Metrics, lookup
from vifspec.report.comparison import arm_keys, arms_table
from vifspec.report.diagnostics import fired, warning_line
from vifspec.report.markdown import Style, bold, md_table, section
from vifspec.report.units import fmt_delta, metric_unit
from vifspec.report.verdict_view import achieved_text, status_symbol, verdict_sections
from vifspec.expr import ExprError
from vifspec.verdict import CriterionResult, Verdict
from vifspec.verdict.compare import difference, run_ref
from vifspec.verdict.stats import Interval
from vifspec.verdict.results import Results, mean_table

_TARGET = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(.*)$")
_PRETTY_OP = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}


def pretty_target(target: str) -> str:
    """``">= +10pp" -> "≥ +10pp"``."""
    match = _TARGET.match(target)
    return f"{_PRETTY_OP[match.group(1)]} {match.group(2)}" if match else target


def gate_lines(view: Verdict | None, arms: Sequence[str], style: Style) -> str | None:
    """``**Gate**: ΔR@5 ≥ +10pp → Got -2.5pp ❌`` for each criterion that compares arms."""
    if view is None:
        return None
    lines = [_gate_line(c, style) for c in view.criteria if _compares_arms(c, arms)]
    return "  \n".join(lines) or None


def _compares_arms(criterion: CriterionResult, arms: Sequence[str]) -> bool:
    return any(re.search(r"(?<![\w.])" + re.escape(arm) + r"\.", criterion.expression) for arm in arms)


def _gate_line(criterion: CriterionResult, style: Style) -> str:
    target = pretty_target(criterion.target) if criterion.target else f"`{criterion.expression}`"
    return f"**Gate**: {criterion.name} {target} → Got {achieved_text(criterion)} {status_symbol(criterion.status, style)}"


def arm_means(results: Results) -> dict[str, Metrics]:
    """Each arm's metrics, averaged over its seeds."""
    return {arm: mean_table(samples) for arm, samples in results.arms.items()}


def arm_noise(results: Results, settings: Any = None) -> Callable[[str, str, str], Interval | None]:
    """``noise(arm, control, key)``: the interval of arm minus control on ``key``, paired by seed (or
    by test resample for a single seed); None where there is none."""

    def noise(arm: str, control: str, key: str) -> Interval | None:
        try:
            estimate = difference(results, run_ref(arm, key), run_ref(control, key), settings).estimate
        except (ExprError, ValueError):
            return None
        return estimate if estimate is not None and estimate.has_interval else None

    return noise


def per_seed_deltas(results: Results, keys: Sequence[str], control: str, facts: Facts) -> str | None:
    """Seed | Δ of each key (other arm minus the control arm, same seed), when there are several seeds."""
    others = [a for a in results.arms if a != control]
    seeds = results.labels()
    if len(seeds) < 2 or not others:
        return None
    by_seed = {arm: {s.seed: s.metrics for s in samples} for arm, samples in results.arms.items()}
    rows = []
    for seed in seeds:
        for other in others:
            base, mine = by_seed[control].get(seed, {}), by_seed[other].get(seed, {})
            cells = [fmt_delta(_diff(lookup(mine, k), lookup(base, k)), metric_unit(facts, k)) for k in keys]
            rows.append([f"seed {seed}" + (f" ({other})" if len(others) > 1 else ""), *cells])
    return "### Δ per Seed\n\n" + md_table(["Seed", *keys], rows, ["l", *("r" for _ in keys)])


def _diff(a: object, b: object) -> float | None:
    return a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None  # type: ignore[operator]


def arms_sections(records: Sequence[RunRecord], results: Results, view: Verdict | None, facts: Facts, style: Style) -> list[str | None]:
    """The arms table (titled with an alert when one fires), per-seed Δ, gate lines, alert warnings
    and the experiment verdict's criteria and gates sections."""
    means = arm_means(results)
    if not means:
        return []
    declared = next((r.baseline.arm for r in records if r.baseline is not None and r.baseline.arm), None)
    control = declared if declared in means else next(iter(means))
    keys = arm_keys(means, facts)
    alerts = [(arm, f) for arm, metrics in means.items() for f in fired(metrics, facts)]
    title = "Arms" + (f" ({alerts[0][1].alert.title})" if alerts else "")
    n = len(results.labels())
    note = (f"Means over {n} seeds; Δ is each arm minus {bold(control)}, paired by seed, with its interval."
            if n > 1 else f"Δ is each arm minus {bold(control)}; intervals come from resampling the test examples.")
    warnings = "\n".join(f"- {warning_line(f, facts, style)} ({arm})" for arm, f in alerts) or None
    settings = records[0].verdict_settings if records else None
    return [
        section(title, arms_table(means, keys, control, style, facts, arm_noise(results, settings)), note,
                per_seed_deltas(results, keys, control, facts), gate_lines(view, list(means), style), warnings),
        *verdict_sections(view, style),
    ]

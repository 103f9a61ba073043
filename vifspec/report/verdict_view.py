"""Verdict sections: success criteria (with their seeds), per-split results, success rate, gates.

Reads :class:`vifspec.verdict.Verdict` (a record stores it as ``Verdict.to_dict()``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from vifspec.report.access import ordered_splits
from vifspec.report.markdown import Style, bold, md_table, section
from vifspec.report.units import fmt_delta, fmt_interval, fmt_value
from vifspec.verdict import CriterionResult, Verdict

INCONCLUSIVE = "INCONCLUSIVE"


def read_verdict(verdict: Verdict | Mapping[str, Any] | None) -> Verdict | None:
    """A verdict from its dict form (or as is); ``None`` when there is none."""
    if verdict is None or isinstance(verdict, Verdict):
        return verdict
    return Verdict.from_dict(verdict) if verdict else None


def achieved_text(criterion: CriterionResult) -> str:
    """The achieved value in the criterion's unit (``val: -0.041, ood: 9.3%`` for a split set), with
    its interval and the number of seeds it aggregates when there are several."""
    if criterion.rows:
        return ", ".join(f"{row.split}: {fmt_value(row.achieved, criterion.unit)}" for row in criterion.rows)
    text = fmt_value(criterion.achieved, criterion.unit)
    if criterion.target is None and criterion.achieved is not None:
        text = f"Δ {fmt_delta(criterion.achieved, 'rate' if criterion.unit in ('rate', 'pp') else criterion.unit)}"
    interval = criterion.interval
    if interval is None or criterion.achieved is None or not interval.has_interval:
        return text  # a point value: the section says once that it has no uncertainty estimate
    aggregate = "" if interval.aggregate == "mean" else f"{interval.aggregate}, "
    return f"{text} {fmt_interval(interval.low, interval.high, criterion.unit)} ({aggregate}{interval.label})"


def uncertainty_line(view: Verdict) -> str | None:
    """How the criteria were judged: the interval's confidence and kind, or that some have none."""
    intervals = [c.interval for c in view.criteria if c.interval is not None]
    with_interval = [i for i in intervals if i.has_interval]
    points = [c.name for c in view.criteria if c.interval is not None and not c.interval.has_interval]
    parts = []
    if with_interval:
        first = with_interval[0]
        method = {"t": "Student t", "paired t": "Student t"}.get(first.method, first.method)
        parts.append(f"Achieved values carry their {first.confidence:.0%} interval ({method}); PASS and FAIL need the whole "
                     "interval on one side of the target, INCONCLUSIVE otherwise.")
    if points:
        parts.append(f"No uncertainty estimate for {', '.join(points)} (one value each: no seeds to spread over, no "
                     "resampled test examples): judged on the value alone.")
    return " ".join(parts) or None


_OPERATOR = re.compile(r"^\s*(>=|<=|==|>|<|≥|≤)")


def target_text(criterion: CriterionResult) -> str:
    """The target as written (in the criterion's unit: ``>=0.5`` on a rate reads ``>= 50.0%``), or the
    expression itself when it has no constant side."""
    if criterion.target is None:
        return f"`{criterion.expression}`"
    written_in_unit = "%" in criterion.target or "pp" in criterion.target
    operator = _OPERATOR.match(criterion.target)
    if criterion.unit in ("rate", "pp") and not written_in_unit and operator and criterion.target_value is not None:
        return f"{operator.group(1)} {fmt_value(criterion.target_value, criterion.unit)}"
    return criterion.target


def _gap_cell(criterion: CriterionResult, style: Style) -> str:
    if criterion.gap:
        return criterion.gap
    return style.mark("ok") if criterion.status == "PASS" else "-"


def criteria_table(view: Verdict, style: Style) -> str | None:
    """Criterion | Target | Achieved | Status | Gap (seed 001); criteria over a split set are in
    :func:`per_split_table` instead (each criterion in one table)."""
    rows = [
        [bold(c.name), target_text(c), achieved_text(c), style.status(c.status), _gap_cell(c, style)]
        for c in view.criteria if not c.rows
    ]
    if not rows:
        return None
    return md_table(["Criterion", "Target", "Achieved", "Status", "Gap"], rows)


def per_seed_table(view: Verdict, style: Style) -> str | None:
    """Criterion | seed 0 | seed 1 | ...: each seed's own achieved value and status."""
    judged = [c for c in view.criteria if c.seeds]
    if not judged:
        return None
    seeds = list(dict.fromkeys(s.seed for c in judged for s in c.seeds))
    rows = []
    for c in judged:
        by_seed = {s.seed: s for s in c.seeds}
        rows.append([bold(c.name), *(_judged_cell(by_seed.get(s), c.unit, style) for s in seeds)])
    return "### Per Seed\n\n" + md_table(["Criterion", *(f"seed {s}" for s in seeds)], rows)


def _judged_cell(judged: Any, unit: str, style: Style) -> str:
    """``0.4480 ❌``: a seed's or a split's achieved value and status symbol; ``-`` when absent."""
    return f"{fmt_value(judged.achieved, unit)} {status_symbol(judged.status, style)}" if judged is not None else "-"


def notes(view: Verdict) -> str | None:
    """Why criteria lack values or failed regardless of them (a missing seed, a collapsed seed), and
    what would decide an INCONCLUSIVE one."""
    lines = [f"- **{c.name}**: {c.note}" for c in view.criteria if c.note]
    lines += [f"- **{c.name}**: {next_step(c)}" for c in view.criteria if c.status == INCONCLUSIVE]
    return "\n".join(lines) or None


def next_step(criterion: CriterionResult) -> str:
    """What to do about an INCONCLUSIVE criterion: roughly how many seeds would decide it."""
    interval = criterion.interval
    level = f"{interval.confidence:.0%}" if interval is not None else "the declared"
    if criterion.seeds_needed is not None:
        return (f"inconclusive at {criterion.n} seeds: its {level} interval contains the target; about "
                f"{criterion.seeds_needed} seeds would decide it at this spread (n such that t·s/√n < |estimate − target|)")
    if interval is not None and interval.kind == "test resampling":
        return f"inconclusive: one seed's {level} interval from resampled test examples contains the target; run more seeds"
    return f"inconclusive: its {level} interval contains the target; run more seeds"


def per_split_table(view: Verdict, style: Style) -> str | None:
    """Criteria over a split set, one column per split (seed 002's VAL / OOD table)."""
    split_criteria = [c for c in view.criteria if c.rows]
    if not split_criteria:
        return None
    splits = ordered_splits(row.split for c in split_criteria for row in c.rows)
    headers = ["Criterion", *(f"{s.upper()} Score" for s in splits), "Target", "Status"]
    rows = []
    for c in split_criteria:
        by_split = {row.split: row for row in c.rows}
        cells = [_judged_cell(by_split.get(s), c.unit, style) for s in splits]
        rows.append([bold(c.name), *cells, target_text(c), style.status(c.status)])
    return md_table(headers, rows)


def status_symbol(status: str, style: Style) -> str:
    """``✅`` / ``❌`` (``[PASS]`` / ``[FAIL]`` in ASCII) without the word."""
    return style.status(status).split()[0]


def success_rate_line(view: Verdict) -> str | None:
    """``**Success Rate**: **1/6 criteria met (17%)**``."""
    if not view.total:
        return None
    percent = round(100 * view.met / view.total)
    return f"**Success Rate**: **{view.met}/{view.total} criteria met ({percent}%)**"


def gates_passed_line(view: Verdict) -> str | None:
    """``**Gates Passed**: 1/5 (only bins_delta)``."""
    if not view.gates:
        return None
    passed = [g.name for g in view.gates if g.status == "PASS"]
    line = f"**Gates Passed**: {len(passed)}/{len(view.gates)}"
    if 0 < len(passed) < len(view.gates):
        line += f" (only {', '.join(passed)})"
    return line


def gates_table(view: Verdict, style: Style) -> str | None:
    """Gate | Require | Passed | Status."""
    if not view.gates:
        return None
    rows = [[bold(g.name), _require_cell(g.require, g.criteria), f"{g.passed}/{g.total}", style.status(g.status)] for g in view.gates]
    return md_table(["Gate", "Require", "Passed", "Status"], rows)


def _require_cell(require: Any, criteria: list[str]) -> str:
    names = ", ".join(criteria)
    need = "all of" if str(require) == "all" else f"at least {require} of"
    return f"{need} {names}" if names else str(require)


def verdict_sections(view: Verdict | None, style: Style) -> list[str | None]:
    """The success-criteria section (with the per-seed table and notes) and the gates section."""
    if view is None:
        return []
    criteria = section(
        "Success Criteria", criteria_table(view, style), per_split_table(view, style), success_rate_line(view),
        uncertainty_line(view), per_seed_table(view, style), notes(view),
    )
    gates = section("Gates", gates_table(view, style), gates_passed_line(view))
    return [criteria, gates]


def criteria_referencing(view: Verdict | None, metric: str) -> list[CriterionResult]:
    """Criteria whose expression references ``<split>.metric`` (any split, arm or split set)."""
    if view is None:
        return []
    pattern = re.compile(r"[\w}]\." + re.escape(metric) + r"(?![\w@.\-])")
    return [c for c in view.criteria if pattern.search(c.expression)]


def combined_status(criteria: list[CriterionResult]) -> str | None:
    """The worst status among criteria: FAIL, then MISSING, then MIXED, then INCONCLUSIVE, then PASS."""
    statuses = {c.status for c in criteria}
    return next((s for s in ("FAIL", "MISSING", "MIXED", INCONCLUSIVE, "PASS") if s in statuses), None)

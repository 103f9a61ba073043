"""The arms part of ``REPORT.md`` (seed 003): arms side by side with Δ rows, the gate line of each
criterion comparing arms, the leaked-evaluation warning, and the experiment verdict every arm carries."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from vifspec.report.comparison import arm_keys, arms_table
from vifspec.report.diagnostics import LEAK_THRESHOLD, leaks
from vifspec.report.markdown import Style, fmt_pct, section
from vifspec.report.units import merged_metric_fns
from vifspec.report.verdict_view import CriterionView, VerdictView, achieved_text, read_verdict, status_symbol, verdict_sections

Record = Mapping[str, Any]
_TARGET = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(.*)$")
_PRETTY_OP = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<"}


def arm_records(records: Sequence[Record]) -> list[Record]:
    """The records of an arms experiment (one per arm; the first record of an arm wins)."""
    seen: dict[str, Record] = {}
    for record in records:
        if record.get("arm") is not None:
            seen.setdefault(str(record["arm"]), record)
    return list(seen.values())


def control_arm(record: Record) -> str | None:
    """The arm the others are compared with: ``baseline.arm``, or ``baseline.source = "arm <name>"``."""
    baseline = record.get("baseline") or {}
    if baseline.get("arm"):
        return str(baseline["arm"])
    source = str(baseline.get("source") or "")
    return source[len("arm "):] if source.startswith("arm ") else None


def pretty_target(target: str) -> str:
    """``">= +10pp" -> "≥ +10pp"``."""
    match = _TARGET.match(target)
    if not match:
        return target
    return f"{_PRETTY_OP[match.group(1)]} {match.group(2)}"


def gate_lines(view: VerdictView | None, arms: Sequence[str], style: Style) -> str | None:
    """``**Gate**: ΔR@5 ≥ +10pp → Got -2.5pp ❌`` for each criterion that compares arms."""
    if view is None:
        return None
    lines = [_gate_line(c, style) for c in view.criteria if _compares_arms(c, arms)]
    return "  \n".join(lines) or None


def _compares_arms(criterion: CriterionView, arms: Sequence[str]) -> bool:
    return any(re.search(r"(?<![\w.])" + re.escape(arm) + r"\.", criterion.expression) for arm in arms)


def _gate_line(criterion: CriterionView, style: Style) -> str:
    target = pretty_target(criterion.target) if criterion.target else f"`{criterion.expression}`"
    return f"**Gate**: {criterion.name} {target} → Got {achieved_text(criterion)} {status_symbol(criterion.status, style)}"


def leak_warning(records: Sequence[Record], style: Style) -> tuple[str | None, float | None]:
    """The warning line when any arm's ``overlap`` metric is above 5%, and the largest overlap."""
    findings = [(str(r.get("arm")), f"{split}.{metric}", value) for r in records for split, metric, value in leaks(r)]
    if not findings:
        return None, None
    worst = max(value for _, _, value in findings)
    where = ", ".join(f"{key} = {fmt_pct(value)} ({arm})" for arm, key, value in findings)
    line = (
        f"{style.mark('warn')} **Leaked evaluation**: {where}, above {fmt_pct(LEAK_THRESHOLD, 0)}; the evaluation "
        "items overlap the training items, so these numbers do not measure generalisation."
    )
    return line, worst


def arms_sections(records: Sequence[Record], style: Style) -> list[str | None]:
    """The arms table (titled with the leak when there is one), gate lines, leak warning and the
    experiment verdict's criteria and gates sections; nothing for an experiment without arms."""
    arms = arm_records(records)
    if not arms:
        return []
    metric_fns = merged_metric_fns(arms)
    metrics = {str(r["arm"]): r.get("metrics") or {} for r in arms}
    control = next((arm for arm in map(control_arm, arms) if arm), None)
    view = read_verdict(arms[0].get("verdict"), metric_fns)
    warning, worst = leak_warning(arms, style)
    title = "Arms" + (f" (Leaked Eval, {fmt_pct(worst)} Overlap)" if worst is not None else "")
    table = arms_table(metrics, arm_keys(metrics), control, style, metric_fns)
    return [section(title, table, gate_lines(view, list(metrics), style), warning), *verdict_sections(view, style)]

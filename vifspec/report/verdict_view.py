"""Verdict sections: success criteria, per-split results, success rate, gates.

Reads ``Verdict.to_dict()`` (docs/architecture.md): lists of criterion and gate dicts, split rows
as ``{"split", "achieved", "status"}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from vifspec.report.access import ordered_splits
from vifspec.report.markdown import Style, bold, md_table, section
from vifspec.report.units import MetricFns, criterion_unit, fmt_in_unit

SplitRow = tuple[str, Any, str]


@dataclass(frozen=True)
class CriterionView:
    name: str
    expression: str
    status: str
    target: str | None = None
    achieved: Any = None
    gap: str | None = None
    rows: tuple[SplitRow, ...] = ()
    unit: str | None = None


@dataclass(frozen=True)
class GateView:
    name: str
    require: Any
    criteria: tuple[str, ...]
    passed: int
    total: int
    status: str


@dataclass(frozen=True)
class VerdictView:
    status: str
    criteria: tuple[CriterionView, ...] = ()
    gates: tuple[GateView, ...] = ()
    met: int = 0
    total: int = 0
    reason: str | None = None

    @property
    def passed(self) -> bool:
        return self.status.upper() == "PASSED"


def _split_row(row: Mapping[str, Any]) -> SplitRow:
    return (str(row["split"]), row.get("achieved"), str(row.get("status") or "MISSING"))


def _criterion(item: Mapping[str, Any], metric_fns: MetricFns | None) -> CriterionView:
    expression = str(item.get("expression") or "")
    return CriterionView(
        name=str(item["name"]),
        expression=expression,
        status=str(item.get("status") or "MISSING").upper(),
        target=item.get("target"),
        achieved=item.get("achieved"),
        gap=item.get("gap"),
        rows=tuple(_split_row(r) for r in item.get("rows") or ()),
        unit=criterion_unit(expression, item.get("target"), metric_fns),
    )


def _gate(item: Mapping[str, Any]) -> GateView:
    return GateView(
        name=str(item["name"]),
        require=item.get("require", "all"),
        criteria=tuple(item.get("criteria") or ()),
        passed=int(item.get("passed") or 0),
        total=int(item.get("total") or len(item.get("criteria") or ())),
        status=str(item.get("status") or "FAIL").upper(),
    )


def read_verdict(verdict: Mapping[str, Any] | None, metric_fns: MetricFns | None = None) -> VerdictView | None:
    """Normalise a verdict dict; ``None`` when there is no verdict. ``metric_fns`` (metric name ->
    registry function) decides which achieved values are rates shown as percentages."""
    if not verdict:
        return None
    criteria = tuple(_criterion(c, metric_fns) for c in verdict.get("criteria") or ())
    met = verdict.get("met")
    return VerdictView(
        status=str(verdict.get("status") or "FAILED").upper(),
        criteria=criteria,
        gates=tuple(_gate(g) for g in verdict.get("gates") or ()),
        met=int(met if met is not None else sum(c.status == "PASS" for c in criteria)),
        total=int(verdict.get("total") if verdict.get("total") is not None else len(criteria)),
        reason=verdict.get("reason"),
    )


def achieved_text(criterion: CriterionView) -> str:
    """The achieved value in the criterion's unit, or ``val: -0.041, ood: 9.3%`` for a split set."""
    if criterion.rows:
        return ", ".join(f"{split}: {fmt_in_unit(value, criterion.unit)}" for split, value, _ in criterion.rows)
    return fmt_in_unit(criterion.achieved, criterion.unit)


def _gap_cell(criterion: CriterionView, style: Style) -> str:
    if criterion.gap:
        return criterion.gap
    return style.mark("ok") if criterion.status == "PASS" else "-"


def criteria_table(view: VerdictView, style: Style) -> str | None:
    """Criterion | Target | Achieved | Status | Gap (seed 001)."""
    if not view.criteria:
        return None
    rows = [
        [bold(c.name), c.target or f"`{c.expression}`", achieved_text(c), style.status(c.status), _gap_cell(c, style)]
        for c in view.criteria
    ]
    return md_table(["Criterion", "Target", "Achieved", "Status", "Gap"], rows)


def per_split_table(view: VerdictView, style: Style) -> str | None:
    """Criteria over a split set, one column per split (seed 002's VAL / OOD table)."""
    split_criteria = [c for c in view.criteria if c.rows]
    if not split_criteria:
        return None
    splits = ordered_splits(split for c in split_criteria for split, _, _ in c.rows)
    headers = ["Criterion", *(f"{s.upper()} Score" for s in splits), "Target", "Status"]
    rows = []
    for c in split_criteria:
        by_split = {split: (value, status) for split, value, status in c.rows}
        cells = [_split_cell(by_split.get(s), c.unit, style) for s in splits]
        rows.append([bold(c.name), *cells, c.target or f"`{c.expression}`", style.status(c.status)])
    return md_table(headers, rows)


def status_symbol(status: str, style: Style) -> str:
    """``✅`` / ``❌`` (``[PASS]`` / ``[FAIL]`` in ASCII) without the word."""
    return style.status(status).split()[0]


def _split_cell(entry: tuple[Any, str] | None, unit: str | None, style: Style) -> str:
    if entry is None:
        return "-"
    value, status = entry
    return f"{fmt_in_unit(value, unit)} {status_symbol(status, style)}"


def success_rate_line(view: VerdictView) -> str | None:
    """``**Success Rate**: **1/6 criteria met (17%)**``."""
    if not view.total:
        return None
    percent = round(100 * view.met / view.total)
    return f"**Success Rate**: **{view.met}/{view.total} criteria met ({percent}%)**"


def gates_passed_line(view: VerdictView) -> str | None:
    """``**Gates Passed**: 1/5 (only bins_delta)``."""
    if not view.gates:
        return None
    passed = [g.name for g in view.gates if g.status == "PASS"]
    line = f"**Gates Passed**: {len(passed)}/{len(view.gates)}"
    if 0 < len(passed) < len(view.gates):
        line += f" (only {', '.join(passed)})"
    return line


def gates_table(view: VerdictView, style: Style) -> str | None:
    """Gate | Require | Passed | Status."""
    if not view.gates:
        return None
    rows = [
        [bold(g.name), _require_cell(g), f"{g.passed}/{g.total}", style.status(g.status)]
        for g in view.gates
    ]
    return md_table(["Gate", "Require", "Passed", "Status"], rows)


def _require_cell(gate: GateView) -> str:
    names = ", ".join(gate.criteria)
    need = "all of" if str(gate.require) == "all" else f"at least {gate.require} of"
    return f"{need} {names}" if names else str(gate.require)


def verdict_sections(view: VerdictView | None, style: Style) -> list[str | None]:
    """The success-criteria section and the gates section."""
    if view is None:
        return []
    criteria = section(
        "Success Criteria", criteria_table(view, style), per_split_table(view, style), success_rate_line(view)
    )
    gates = section("Gates", gates_table(view, style), gates_passed_line(view))
    return [criteria, gates]


def criteria_referencing(view: VerdictView | None, metric: str) -> list[CriterionView]:
    """Criteria whose expression references ``<split>.metric`` (any split, arm or split set)."""
    if view is None:
        return []
    pattern = re.compile(r"[\w}]\." + re.escape(metric) + r"(?![\w@.\-])")
    return [c for c in view.criteria if pattern.search(c.expression)]


def combined_status(criteria: list[CriterionView]) -> str | None:
    """The worst status among criteria: FAIL, then MISSING, then MIXED, then PASS."""
    statuses = {c.status for c in criteria}
    for status in ("FAIL", "MISSING", "MIXED", "PASS"):
        if status in statuses:
            return status
    return None

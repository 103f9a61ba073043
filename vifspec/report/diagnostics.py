"""Warnings raised by metrics that declare an alert (a leaked evaluation, a probability collapse...).

A metric's :class:`~vifspec.facts.Alert` says when its value is a warning (``overlap`` above 5%,
``score_spread`` below 0.05); reports list every such measurement and flag the ones that fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vifspec.facts import Alert, Facts, facts_of
from vifspec.report.access import Metrics, ordered_splits
from vifspec.report.markdown import Style, is_number, md_table, section
from vifspec.report.units import fmt_metric


@dataclass(frozen=True)
class Finding:
    split: str
    metric: str
    value: float
    alert: Alert

    @property
    def key(self) -> str:
        return f"{self.split}.{self.metric}"

    @property
    def fires(self) -> bool:
        return self.alert.fires(self.value)


def findings(metrics: Metrics, facts: Facts | None) -> list[Finding]:
    """Every measured value of a metric that declares an alert, in split order."""
    out = []
    for split in ordered_splits(metrics):
        for metric, value in (metrics.get(split) or {}).items():
            alert = facts_of(facts, f"{split}.{metric}").alert
            if alert is not None and is_number(value):
                out.append(Finding(split, metric, value, alert))
    return out


def fired(metrics: Metrics, facts: Facts | None) -> list[Finding]:
    return [f for f in findings(metrics, facts) if f.fires]


def warning_line(finding: Finding, facts: Facts | None, style: Style) -> str:
    """``⚠️ **Leaked evaluation**: test.overlap = 90.0% (> 5.0%); the evaluation items overlap ...``."""
    op, threshold = finding.alert.threshold
    value = fmt_metric(finding.value, facts, finding.key)
    limit = fmt_metric(threshold, facts, finding.key)
    return f"{style.mark('warn')} **{finding.alert.title}**: {finding.key} = {value} ({op} {limit}); {finding.alert.text}."


def diagnostics_section(metrics: Metrics, facts: Facts | None, style: Style) -> str | None:
    """Metric | Value | Alert for every alerting metric, then a warning line for each that fires."""
    found = findings(metrics, facts)
    if not found:
        return None
    rows = [
        [f.key, fmt_metric(f.value, facts, f.key), f"{style.mark('warn')} {f.alert.title.lower()}" if f.fires else style.status("PASS")]
        for f in found
    ]
    warnings = "\n".join(f"- {warning_line(f, facts, style)}" for f in found if f.fires)
    return section("Diagnostics", md_table(["Metric", "Value", "Alert"], rows, ["l", "r", "l"]), warnings or None)


def summary_sentences(metrics: Metrics, facts: Facts | None) -> list[str]:
    """One sentence per firing alert, for the executive summary."""
    return [f"{f.alert.title}: {f.key} = {fmt_metric(f.value, facts, f.key)}." for f in fired(metrics, facts)]


__all__: Sequence[str] = ["Finding", "diagnostics_section", "fired", "findings", "summary_sentences", "warning_line"]

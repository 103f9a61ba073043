"""The report of ``vifspec judge``: a verdict on results produced by the user's own code."""

from __future__ import annotations

from typing import Any, Mapping

from vifspec.report.comparison import arm_keys, arms_table, baseline_rows, baseline_table
from vifspec.report.markdown import Style, finish, section
from vifspec.report.run_report import header_lines, primary_metrics_table, verdict_sentences
from vifspec.report.verdict_view import read_verdict, verdict_sections


def render_judge_report(experiment: dict, verdict: dict, results: dict, *, ascii: bool = False) -> str:
    """Header, metrics by split, baseline comparison, arms, success criteria, success rate and gates.

    ``results`` is ``{"metrics": {split: {metric: value}}}`` with optional ``"baseline"`` and
    ``"arms"`` of the same shape and optional ``"directions"`` (``{metric: higher_is_better}``).
    """
    style = Style(ascii)
    view = read_verdict(verdict)
    status = style.verdict(view.status if view else "FAILED")
    if view is not None and view.reason:
        status += f" - {view.reason}"
    title = experiment.get("title") or experiment.get("id") or "Verdict"
    header = f"# {title}\n\n" + header_lines([("Experiment ID", experiment.get("id")), ("Status", status)])
    sentences = verdict_sentences(view, subject="results")
    sections = [
        header,
        section("Hypothesis", f"> {experiment['hypothesis']}") if experiment.get("hypothesis") else None,
        section("Executive Summary", " ".join(sentences)) if sentences else None,
        section("Metrics by Split", primary_metrics_table(results.get("metrics") or {}, view, style)),
        _baseline_section(experiment, results, style),
        _arms_section(experiment, results, style),
        *verdict_sections(view, style),
    ]
    return finish(sections, style)


def _directions(experiment: Mapping[str, Any], results: Mapping[str, Any]) -> dict[str, bool]:
    return {**(experiment.get("directions") or {}), **(results.get("directions") or {})}


def _baseline_section(experiment: Mapping[str, Any], results: Mapping[str, Any], style: Style) -> str | None:
    reference = results.get("baseline")
    if not reference:
        return None
    settings = experiment.get("baseline") or {}
    label = settings.get("label") or "Baseline"
    rows = baseline_rows(reference, results.get("metrics") or {}, settings.get("compare"), _directions(experiment, results))
    return section(f"Comparison to {label}", baseline_table(label, rows, style))


def _arms_section(experiment: Mapping[str, Any], results: Mapping[str, Any], style: Style) -> str | None:
    arms = results.get("arms") or {}
    if not arms:
        return None
    control = (experiment.get("baseline") or {}).get("arm")
    return section("Arms", arms_table(arms, arm_keys(arms), control, style))

"""The report of ``vifspec judge``: a verdict on results produced by the user's own code."""

from __future__ import annotations

from typing import Any, Mapping

from vifspec.report.arms import arm_means, arm_noise, gate_lines
from vifspec.report.comparison import arm_keys, arms_table, baseline_rows, baseline_table
from vifspec.report.markdown import Style, finish, section
from vifspec.report.run_report import header_lines, primary_metrics_table, results_noise, verdict_sentences
from vifspec.report.verdict_view import read_verdict, verdict_sections
from vifspec.verdict import Verdict
from vifspec.verdict.results import Results, mean_table


def render_judge_report(experiment: Mapping[str, Any], verdict: Verdict | Mapping[str, Any], results: Results, *,
                        baseline: Mapping[str, Any] | None = None, ascii: bool = False, settings: Any = None) -> str:
    """Header, metrics by split (means over seeds), baseline comparison, arms, success criteria, gates.

    ``experiment`` is the spec's ``[experiment]`` (id, title, hypothesis); ``baseline`` its
    ``[baseline]`` (label, compare, arm).
    """
    style = Style(ascii)
    view = read_verdict(verdict)
    status = style.verdict(view.status if view else "FAILED")
    if view is not None and view.reason:
        status += f" - {view.reason}"
    title = experiment.get("title") or experiment.get("id") or "Verdict"
    n = len(results.labels())
    pairs = [("Experiment ID", experiment.get("id")), ("Seeds", str(n) if n > 1 else None), ("Status", status)]
    sentences = verdict_sentences(view, subject="results")
    sections = [
        f"# {title}\n\n" + header_lines(pairs),
        section("Hypothesis", f"> {experiment['hypothesis']}") if experiment.get("hypothesis") else None,
        section("Executive Summary", " ".join(sentences)) if sentences else None,
        section("Metrics by Split" + (" (mean over seeds)" if n > 1 else ""),
                primary_metrics_table(mean_table(results.own), results.facts, view, style)),
        _baseline_section(baseline or {}, results, style, results_noise(results, settings)),
        _arms_section(baseline or {}, results, view, style),
        *verdict_sections(view, style),
    ]
    return finish(sections, style)


def _baseline_section(settings: Mapping[str, Any], results: Results, style: Style, noise: Any) -> str | None:
    if not results.baseline or not results.own:
        return None
    label = settings.get("label") or "Baseline"
    rows = baseline_rows(mean_table(results.baseline), mean_table(results.own), settings.get("compare"), results.facts, noise)
    return section(f"Comparison to {label}", baseline_table(label, rows, style, results.facts))


def _arms_section(settings: Mapping[str, Any], results: Results, view: Verdict | None, style: Style) -> str | None:
    means = arm_means(results)
    if not means:
        return None
    table = arms_table(means, arm_keys(means, results.facts), settings.get("arm"), style, results.facts, arm_noise(results))
    return section("Arms", table, gate_lines(view, list(means), style))

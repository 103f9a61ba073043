"""``report.md`` of one variant: :func:`render_run_report`."""

from __future__ import annotations

from typing import Any, Mapping

from vifspec.report.access import Metrics, ordered_splits, split_label
from vifspec.report.comparison import baseline_rows, baseline_table, baseline_tally, trivial_rows, trivial_table
from vifspec.report.diagnostics import collapse_section, collapses, leakage_section, leaks
from vifspec.report.dynamics import dynamics_section, loss_balance_section, tracked_section
from vifspec.report.markdown import Style, bold, finish, fmt_num, fmt_pct, is_number, md_table, section
from vifspec.report.verdict_view import (
    VerdictView,
    achieved_text,
    combined_status,
    criteria_referencing,
    read_verdict,
    verdict_sections,
)

Record = Mapping[str, Any]
FAILED_RUN_STATUSES = ("diverged", "collapsed", "crashed")


def render_run_report(record: dict, *, ascii: bool = False) -> str:
    """Render one variant's ``report.md`` from its run record (sections without data are left out)."""
    style = Style(ascii)
    view = read_verdict(record.get("verdict"), record.get("metric_fns"))
    sections = [
        header(record, view, style),
        amendment_note(record, style),
        _hypothesis(record.get("experiment") or {}),
        summary_section(record, view, style),
        primary_metrics_section(record.get("metrics") or {}, view, style, (record.get("epochs") or {}).get("best")),
        _baseline_section(record, style),
        *verdict_sections(view, style),
        loss_balance_section(record),
        dynamics_section(record),
        tracked_section(record),
        section("Trivial Baselines", trivial_table(record, style)),
        leakage_section(record, style),
        collapse_section(record, style),
    ]
    return finish(sections, style)


def title_of(record: Record) -> str:
    experiment = record.get("experiment") or {}
    return (record.get("report") or {}).get("title") or experiment.get("title") or experiment.get("id") or "Experiment"


def header_lines(pairs: list[tuple[str, Any]]) -> str:
    """``**Key**: value`` lines with Markdown hard breaks, skipping empty values."""
    return "  \n".join(f"**{key}**: {value}" for key, value in pairs if value not in (None, ""))


def status_cell(record: Record, view: VerdictView | None, style: Style, *, with_reason: bool = True) -> str:
    """``❌ **FAILED** (diverged) - reason``; ``not judged (running)`` without a verdict."""
    status = record.get("status")
    if view is None and status not in FAILED_RUN_STATUSES:
        return f"not judged ({status or 'unknown'})"
    text = style.verdict(view.status if view else "FAILED")
    if status in FAILED_RUN_STATUSES:
        text += f" ({status})"
    if with_reason and view is not None and view.reason:
        text += f" - {view.reason}"
    return text


def epochs_cell(record: Record) -> str | None:
    """``14 (early stopped, patience=10)``, ``3 of 30 (diverged)`` or ``30``."""
    epochs, status = record.get("epochs") or {}, record.get("status")
    run = epochs.get("run")
    if run is None:
        return None
    if status == "early_stopped":
        patience = epochs.get("patience")
        return f"{run} (early stopped" + (f", patience={patience})" if patience is not None else ")")
    if status in (*FAILED_RUN_STATUSES, "running"):
        return f"{run} of {epochs.get('max', '?')} ({status})"
    return str(run)


def model_cell(record: Record) -> str | None:
    """``ordinal_critic, 22,804 parameters, 22.4 per training sample (n_train 1,020)``."""
    model = record.get("model") or {}
    parts = [str(model["name"])] if model.get("name") else []
    if is_number(model.get("param_count")):
        parts.append(f"{model['param_count']:,} parameters")
    if is_number(model.get("param_per_sample")):
        parts.append(f"{model['param_per_sample']:.1f} per training sample")
    text = ", ".join(parts)
    if is_number(model.get("n_train")):
        text += f" (n_train {model['n_train']:,})"
    return text or None


def amendment_note(record: Record, style: Style) -> str | None:
    """The warning that criteria or gates were changed after the run (``vifspec check --mark-amended``)."""
    amendment = record.get("amendment")
    if not amendment:
        return None
    summary = amendment.get("summary") if isinstance(amendment, Mapping) else None
    text = summary or "criteria or gates differ from those declared before the run"
    if style.ascii:
        return f"WARNING: criteria amended after the run: {text}"
    return f"{style.mark('warn')} **Criteria amended after the run**: {text}"


def _variant_cell(record: Record) -> str | None:
    extras = [f"{key} {record[key]}" for key in ("group", "arm", "seed") if record.get(key) is not None]
    variant = record.get("variant")
    if variant is None:
        return None
    return f"{variant} ({', '.join(extras)})" if extras else str(variant)


def header(record: Record, view: VerdictView | None, style: Style) -> str:
    experiment = record.get("experiment") or {}
    pairs = [
        ("Experiment ID", experiment.get("id")),
        ("Variant", _variant_cell(record)),
        ("Date", str(record.get("started_at") or "")[:10]),
        ("Epochs", epochs_cell(record)),
        ("Model", model_cell(record)),
        ("Device", (record.get("environment") or {}).get("device")),
        ("Status", status_cell(record, view, style)),
    ]
    return f"# {title_of(record)}\n\n{header_lines(pairs)}"


def _hypothesis(experiment: Mapping[str, Any]) -> str | None:
    text = experiment.get("hypothesis")
    return section("Hypothesis", f"> {text}") if text else None


def verdict_sentences(view: VerdictView | None, subject: str = "run") -> list[str]:
    """What the verdict says: overall result, why, and each criterion that did not pass with its gap."""
    if view is None:
        return []
    word = "PASSED" if view.passed else "FAILED"
    sentences = [f"The {subject} **{word}**: {view.met}/{view.total} criteria met."]
    if view.reason:
        sentences.append(f"It failed because {view.reason}.")
    missed = [c for c in view.criteria if c.status != "PASS"]
    if missed:
        items = [
            f"**{c.name}** ({c.status.lower()}: {achieved_text(c)}"
            + (f" vs {c.target}" if c.target else "")
            + (f", {c.gap}" if c.gap else "")
            + ")"
            for c in missed
        ]
        sentences.append("Not met: " + "; ".join(items) + ".")
    return sentences


def _record_sentences(record: Record, style: Style) -> list[str]:
    sentences = []
    epochs = record.get("epochs") or {}
    if epochs.get("best") is not None:
        sentences.append(f"Best epoch {epochs['best']} of {epochs.get('run', '?')}.")
    baseline = record.get("baseline") or {}
    if baseline.get("metrics"):
        rows = baseline_rows(baseline["metrics"], record.get("metrics") or {}, baseline.get("compare"), record.get("directions"))
        tally = baseline_tally(rows, style)
        sentences.append(
            f"Against {baseline.get('label', 'the baseline')}: {tally['better']} better, "
            f"{tally['worse']} worse, {tally['negligible']} negligible."
        )
    sentences += _trivial_sentences(record)
    sentences += [f"Evaluation leaked: {s}.{m} is {fmt_pct(v)}." for s, m, v in leaks(record)]
    sentences += [f"Probability collapse: {s}.{m} = {fmt_num(v)}." for s, m, v in collapses(record)]
    return sentences


MAX_LISTED = 6


def _trivial_sentences(record: Record) -> list[str]:
    judged = [r for r in trivial_rows(record) if r.beats is not None]
    if not judged:
        return []
    beaten = [r for r in judged if r.beats]
    if len(beaten) == len(judged):
        splits = ", ".join(dict.fromkeys(r.split for r in judged))
        metrics = list(dict.fromkeys(r.metric for r in judged))
        what = ", ".join(metrics) if len(metrics) <= MAX_LISTED else f"{len(judged)} comparisons"
        return [f"The model beats every trivial baseline on {splits} ({what})."]
    lost = ", ".join(r.key for r in judged if not r.beats)
    return [f"The model does not beat the trivial baselines on {lost} ({len(beaten)}/{len(judged)} beaten)."]


def summary_section(record: Record, view: VerdictView | None, style: Style) -> str | None:
    """Generated sentences: verdict, failed criteria and gaps, best epoch, baseline, trivial models."""
    sentences = verdict_sentences(view) + _record_sentences(record, style)
    return section("Executive Summary", " ".join(sentences)) if sentences else None


def primary_metrics_table(metrics: Metrics, view: VerdictView | None, style: Style) -> str | None:
    """Metric | Train | Validation | Test | other splits | Status (of the criteria using the metric)."""
    splits = ordered_splits(s for s, values in metrics.items() if values)
    names = list(dict.fromkeys(m for s in splits for m in metrics[s] if not m.startswith("loss.")))
    if not names:
        return None
    statuses = {name: combined_status(criteria_referencing(view, name)) for name in names}
    with_status = any(statuses.values())
    headers = ["Metric", *(split_label(s) for s in splits)] + (["Status"] if with_status else [])
    rows = []
    for name in names:
        row = [bold(name), *(fmt_num(metrics[s].get(name)) for s in splits)]
        if with_status:
            row.append(style.status(statuses[name]) if statuses[name] else "")
        rows.append(row)
    return md_table(headers, rows, ["l", *("r" for _ in splits)] + (["l"] if with_status else []))


def primary_metrics_section(metrics: Metrics, view: VerdictView | None, style: Style, best: int | None) -> str | None:
    title = "Primary Metrics" + (f" (Best Epoch: {best})" if best is not None else "")
    return section(title, primary_metrics_table(metrics, view, style))


def _baseline_section(record: Record, style: Style) -> str | None:
    baseline = record.get("baseline") or {}
    if not baseline.get("metrics"):
        return None
    label = baseline.get("label") or "Baseline"
    rows = baseline_rows(baseline["metrics"], record.get("metrics") or {}, baseline.get("compare"), record.get("directions"))
    return section(f"Comparison to {label}", baseline_table(label, rows, style))

"""``report.md`` of one run, or of one variant over its seeds: :func:`render_run_report`."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from vifspec.facts import Facts
from vifspec.records import FAILED_STATUSES, RunRecord
from vifspec.report.access import Metrics, ordered_splits, split_label
from vifspec.expr import ExprError
from vifspec.report.comparison import (
    Noise, baseline_rows, baseline_table, baseline_tally, no_noise, trivial_rows, trivial_table,
)
from vifspec.report.diagnostics import diagnostics_section, summary_sentences
from vifspec.report.dynamics import dynamics_section, loss_balance_section, tracked_section
from vifspec.report.markdown import Figures, Style, bold, finish, is_number, md_table, runs_words, section, with_image
from vifspec.report.units import fmt_metric
from vifspec.report.verdict_view import (
    achieved_text, combined_status, criteria_referencing, read_verdict, verdict_sections,
)
from vifspec.verdict import Verdict
from vifspec.verdict.compare import difference
from vifspec.verdict.results import Sample, mean_table, results_from_records
from vifspec.verdict.stats import Interval

MAX_LISTED = 6


def render_run_report(records: RunRecord | Sequence[RunRecord], verdict: Verdict | Mapping[str, Any] | None = None,
                      *, ascii: bool = False, figures: Figures | None = None) -> str:
    """Render ``report.md`` of one record (its seed's verdict) or of one variant's seeds (the verdict
    over them, given as ``verdict``); sections without data are left out. ``figures`` drawn beside the
    report are shown in their sections (or the report says how to get them)."""
    figures = figures or Figures()
    group = [records] if isinstance(records, RunRecord) else list(records)
    first = group[0]
    view = read_verdict(verdict if verdict is not None or len(group) > 1 else first.verdict)
    style = Style(ascii)
    facts = merged_facts(group)
    metrics = mean_table([Sample(r.run_label, r.metrics) for r in group])
    single = first if len(group) == 1 else None
    noise = noise_of(group)
    criteria, gates = verdict_sections(view, style) or (None, None)
    named = {
        "summary": summary_section(group, metrics, facts, view, style, noise),
        "metrics": primary_metrics_section(metrics, facts, view, style, single, single.counts if single else {}),
        "seeds": per_seed_metrics(group, facts),
        "baseline": _baseline_section(group, metrics, facts, style, noise),
        "criteria": with_image(criteria, figures.image("criteria", "Criteria over seeds: each seed, the mean, its interval and the target")),
        "gates": gates,
        "loss_balance": with_image(loss_balance_section(single), figures.image("loss_shares", "Loss balance over epochs")) if single else None,
        "dynamics": _dynamics(single, figures),
        "tracked": with_image(tracked_section(single), figures.image("tracked", "Tracked parameters over epochs")) if single else None,
        "trivial": section("Trivial Baselines", trivial_table(metrics, _trivial(group), facts, style, noise)),
        "diagnostics": diagnostics_section(metrics, facts, style),
    }
    chosen = first.report.get("sections") or list(named)
    sections = [header(group, view, style), amendment_note(first, style), _hypothesis(first)]
    return finish(sections + [named[name] for name in named if name in chosen] + [figures.note()], style)


def _dynamics(single: RunRecord | None, figures: Figures) -> str | None:
    """Training dynamics of one run with its learning curves; the curves of every seed for a variant."""
    curves = figures.image("curves", "Learning curves") or (
        figures.image("variant_curves", f"Learning curves of every run of this variant (this one: seed {single.run_label})") if single else None)
    if single is None:
        return section("Learning Curves", curves)
    return with_image(dynamics_section(single), curves)


def noise_of(group: Sequence[RunRecord]) -> Noise:
    """``noise(left, right)``: the interval of a difference over the group's seeds (or one seed's test
    resamples), judged as a criterion would be; None where there is none."""
    return results_noise(results_from_records(group), group[0].verdict_settings)


def results_noise(results: Any, settings: Any = None) -> Noise:
    """:func:`noise_of` for results judged anywhere (a results file, a group of records)."""

    def noise(left: str, right: str) -> Interval | None:
        try:
            estimate = difference(results, left, right, settings).estimate
        except (ExprError, ValueError):
            return None
        return estimate if estimate is not None and estimate.has_interval else None

    return noise


def merged_facts(records: Sequence[RunRecord]) -> dict[str, Any]:
    """Every record's metric facts together (they agree within one experiment)."""
    facts: dict[str, Any] = {}
    for record in records:
        facts.update(record.metric_facts())
    return facts


def _trivial(group: Sequence[RunRecord]) -> dict[str, Metrics]:
    names = dict.fromkeys(name for r in group for name in r.trivial)
    return {name: mean_table([Sample(r.run_label, r.trivial.get(name, {})) for r in group]) for name in names}


def title_of(record: RunRecord) -> str:
    return record.report.get("title") or record.experiment.title or record.experiment.id or "Experiment"


def header_lines(pairs: list[tuple[str, Any]]) -> str:
    """``**Key**: value`` lines with Markdown hard breaks, skipping empty values."""
    return "  \n".join(f"**{key}**: {value}" for key, value in pairs if value not in (None, ""))


def status_cell(records: Sequence[RunRecord], view: Verdict | None, style: Style, *, with_reason: bool = True) -> str:
    """``❌ **FAILED** (diverged) - reason``; ``not judged (running)`` without a verdict."""
    failed = sorted({r.status for r in records if r.status in FAILED_STATUSES})
    if view is None and not failed:
        return f"not judged ({', '.join(sorted({r.status for r in records}))})"
    text = style.verdict(view.status if view else "FAILED")
    if failed:
        text += f" ({', '.join(failed)})"
    if with_reason and view is not None and view.reason:
        text += f" - {view.reason}"
    return text


def epochs_cell(record: RunRecord) -> str | None:
    """``14 (early stopped, patience=10)``, ``3 of 30 (diverged)`` or ``30`` (also when patience ran out
    at the last epoch: nothing was cut short)."""
    epochs = record.epochs
    if epochs is None:
        return f"{len(record.history)} of ? ({record.status})" if record.history else None
    if record.status == "early_stopped" and epochs.run < epochs.max:
        return f"{epochs.run} (early stopped" + (f", patience={epochs.patience})" if epochs.patience is not None else ")")
    if record.status in (*FAILED_STATUSES, "running", "interrupted"):
        return f"{epochs.run} of {epochs.max} ({record.status})"
    return str(epochs.run)


def model_cell(record: RunRecord) -> str | None:
    """``ordinal_critic, 22,804 parameters, 22.4 per training sample (n_train 1,020)``."""
    model = record.model
    if model is None:
        return None
    return f"{model.name}, {model.param_count:,} parameters, {model.param_per_sample:.1f} per training sample (n_train {model.n_train:,})"


def classes_cell(record: RunRecord) -> str | None:
    """``target: 0 = benign, 1 = malignant``: the class ids text labels were mapped to."""
    parts = [f"{field}: " + ", ".join(f"{i} = {name}" for i, name in enumerate(names)) for field, names in record.classes.items()]
    return "; ".join(parts) or None


def amendment_note(record: RunRecord, style: Style) -> str | None:
    """The warning that criteria or gates were changed after the run (``vifspec check --mark-amended``)."""
    if not record.amendment:
        return None
    text = record.amendment.get("summary") or "criteria or gates differ from those declared before the run"
    if style.ascii:
        return f"WARNING: criteria amended after the run: {text}"
    return f"{style.mark('warn')} **Criteria amended after the run**: {text}"


def _variant_cell(group: Sequence[RunRecord]) -> str:
    first = group[0]
    extras = [f"{key} {getattr(first, key)}" for key in ("group", "arm") if getattr(first, key) is not None]
    seeds = [r.run_label for r in group]
    extras.append(f"seed {seeds[0]}" if len(seeds) == 1 else f"{runs_words(group)}: {', '.join(seeds)}")
    return f"{first.variant} ({', '.join(extras)})"


def header(group: Sequence[RunRecord], view: Verdict | None, style: Style) -> str:
    first = group[0]
    epochs = [epochs_cell(r) for r in group]
    pairs = [
        ("Experiment ID", first.experiment.id),
        ("Variant", _variant_cell(group)),
        ("Date", min(r.started_at for r in group)[:10]),
        ("Epochs", "; ".join(f"seed {r.run_label}: {e}" for r, e in zip(group, epochs)) if len(group) > 1 else epochs[0]),
        ("Model", model_cell(first)),
        ("Classes", classes_cell(first)),
        ("Device", first.environment.get("device")),
        ("Status", status_cell(group, view, style)),
    ]
    return f"# {title_of(first)}\n\n{header_lines(pairs)}"


def _hypothesis(record: RunRecord) -> str | None:
    text = record.experiment.hypothesis
    return section("Hypothesis", f"> {text}") if text else None


def verdict_sentences(view: Verdict | None, subject: str = "run") -> list[str]:
    """What the verdict says: overall result, why, and each criterion that did not pass with its gap."""
    if view is None:
        return []
    sentences = [f"The {subject} **{view.status}**: {view.met}/{view.total} criteria met."]
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


def summary_section(group: Sequence[RunRecord], metrics: Metrics, facts: Facts, view: Verdict | None, style: Style,
                    noise: Noise = no_noise) -> str | None:
    """Generated sentences: verdict, failed criteria and gaps, best epoch, baseline, trivial models, alerts."""
    subject = "run" if len(group) == 1 else f"variant ({runs_words(group)})"
    sentences = verdict_sentences(view, subject)
    first = group[0]
    if len(group) == 1 and first.epochs is not None and first.epochs.best is not None:
        sentences.append(f"Best epoch {first.epochs.best} of {first.epochs.run}.")
    sentences += baseline_sentences(group, metrics, facts, style, noise)
    sentences += _trivial_sentences(metrics, _trivial(group), facts, noise)
    sentences += summary_sentences(metrics, facts)
    return section("Executive Summary", " ".join(sentences)) if sentences else None


def baseline_sentences(group: Sequence[RunRecord], metrics: Metrics, facts: Facts, style: Style,
                       noise: Noise | None = None) -> list[str]:
    """``Against V2 Baseline: 2 better, 1 within noise.`` (none without a baseline run)."""
    baseline = group[0].baseline
    if baseline is None or not baseline.metrics:
        return []
    rows = baseline_rows(_baseline_metrics(group), metrics, baseline.compare, facts, noise or noise_of(group))
    tally = baseline_tally(rows, style)
    counts = [f"{tally[kind]} {word}" for kind, word in (("better", "better"), ("worse", "worse"),
                                                           ("noise", "within noise"), ("negligible", "negligible")) if tally[kind]]
    return [f"Against {baseline.label}: {', '.join(counts) or 'nothing compared'}."]


def _baseline_metrics(group: Sequence[RunRecord]) -> Metrics:
    return mean_table([Sample(r.run_label, r.baseline.metrics) for r in group if r.baseline is not None])


def _trivial_sentences(metrics: Metrics, trivial: Mapping[str, Metrics], facts: Facts, noise: Noise = no_noise) -> list[str]:
    judged = trivial_rows(metrics, trivial, facts, noise)
    if not judged:
        return []
    beaten = [r for r in judged if r.beats]
    if len(beaten) == len(judged):
        splits = ", ".join(dict.fromkeys(r.split for r in judged))
        names = list(dict.fromkeys(r.metric for r in judged))
        what = ", ".join(names) if len(names) <= MAX_LISTED else f"{len(judged)} comparisons"
        return [f"The model beats every trivial baseline on {splits} ({what})."]
    sentences = []
    lost = [r.key for r in judged if r.beats is False]
    unclear = [r.key for r in judged if r.beats is None]
    if lost:
        sentences.append(f"The model does not beat the trivial baselines on {', '.join(lost)} ({len(beaten)}/{len(judged)} beaten).")
    if unclear:
        sentences.append(f"Against the trivial baselines, {', '.join(unclear)} {'is' if len(unclear) == 1 else 'are'} within noise.")
    return sentences


def primary_metrics_table(metrics: Metrics, facts: Facts | None, view: Verdict | None, style: Style,
                          counts: Mapping[str, Mapping[str, list[int]]] | None = None) -> str | None:
    """Metric | Train | Validation | Test | other splits | Status (of the criteria using the metric)."""
    splits = ordered_splits(s for s, values in metrics.items() if any(is_number(v) for v in values.values()))
    names = list(dict.fromkeys(m for s in splits for m in metrics[s] if not m.startswith("loss.") and is_number(metrics[s][m])))
    if not names:
        return None
    statuses = {name: combined_status(criteria_referencing(view, name)) for name in names}
    with_status = any(statuses.values())
    headers = ["Metric", *(split_label(s) for s in splits)] + (["Status"] if with_status else [])
    rows = []
    for name in names:
        row = [bold(name), *(_with_count(fmt_metric(metrics[s].get(name), facts, f"{s}.{name}"), (counts or {}).get(s, {}).get(name))
                             for s in splits)]
        if with_status:
            row.append(style.status(statuses[name]) if statuses[name] else "")
        rows.append(row)
    return md_table(headers, rows, ["l", *("r" for _ in splits)] + (["l"] if with_status else []))


def _with_count(text: str, count: list[int] | None) -> str:
    """``72.7% (8/11)``: a share with the counts it rests on."""
    return f"{text} ({count[0]}/{count[1]})" if count else text


def primary_metrics_section(metrics: Metrics, facts: Facts, view: Verdict | None, style: Style, single: RunRecord | None,
                            counts: Mapping[str, Mapping[str, list[int]]]) -> str | None:
    best = single.epochs.best if single is not None and single.epochs is not None else None
    title = "Primary Metrics" + (f" (Best Epoch: {best})" if best is not None else " (mean over seeds)" if single is None else "")
    return section(title, primary_metrics_table(metrics, facts, view, style, counts))


def per_seed_metrics(group: Sequence[RunRecord], facts: Facts) -> str | None:
    """Seed | each test (else val) metric, for a variant with several seeds."""
    if len(group) < 2:
        return None
    split = "test" if any(r.metrics.get("test") for r in group) else "val"
    names = list(dict.fromkeys(m for r in group for m in (r.metrics.get(split) or {}) if not m.startswith("loss")))
    if not names:
        return None
    rows = [[r.run_label, r.status, *(fmt_metric((r.metrics.get(split) or {}).get(m), facts, f"{split}.{m}") for m in names)] for r in group]
    return section("Metrics per Seed", md_table(["Seed", "Status", *(f"{split}.{m}" for m in names)], rows, ["l", "l", *("r" for _ in names)]))


def _baseline_section(group: Sequence[RunRecord], metrics: Metrics, facts: Facts, style: Style, noise: Noise) -> str | None:
    baseline = group[0].baseline
    if baseline is None or not baseline.metrics:
        return None
    rows = baseline_rows(_baseline_metrics(group), metrics, baseline.compare, facts, noise)
    return section(f"Comparison to {baseline.label}", baseline_table(baseline.label, rows, style, facts))


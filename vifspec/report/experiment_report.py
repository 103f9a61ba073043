"""``runs/<experiment>/REPORT.md``: every variant of one experiment (:func:`render_experiment_report`).

A variant trained with several seeds is one row, judged over its seeds; an arms experiment is one
verdict over every arm and seed. The verdicts come from the one results model, recomputed from the
records, so this report always agrees with ``vifspec run`` and ``vifspec check --records``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from vifspec.errors import Problem
from vifspec.facts import facts_of
from vifspec.records import RunRecord
from vifspec.report.access import common_keys, lookup, resolve_key
from vifspec.report.arms import arms_sections
from vifspec.report.verdict_view import verdict_sections
from vifspec.report.index import alignments, column, ranked, render_ranking, report_columns
from vifspec.report.markdown import Style, bold, finish, md_table, section
from vifspec.report.run_report import amendment_note, epochs_cell, header_lines, merged_facts, status_cell
from vifspec.expr import ExprError
from vifspec.report.units import fmt_interval, fmt_metric, metric_unit
from vifspec.verdict.compare import estimate
from vifspec.verdict import Verdict, group_records, judge_records, results_from_records
from vifspec.verdict.results import current_records, is_experiment_group
from vifspec.verdict.results import Sample, mean_table

MAX_KEY_METRICS = 6
DEFAULT_TOP_K = 10
MODEL_SIZE_COLUMNS = ("param_count", "n_train", "param_per_sample")


def render_experiment_report(
    records: Sequence[RunRecord],
    *,
    planned: list[dict] | None = None,
    spec_path: str | None = None,
    rank_by: str | None = None,
    top_k: int | None = None,
    ascii: bool = False,
    problems: Sequence[Problem] = (),
) -> str:
    """Header and overall verdict, the variant table (one row per variant, judged over its seeds), arms
    side by side with the experiment verdict, the per-group status table (when ``planned`` variants
    have groups) and the top results by ``rank_by``; ``rank_by``, ``top_k`` and the columns default
    to the records' ``[report]``."""
    style = Style(ascii)
    records = current_records(records)
    groups = [g for g in group_records(records) if any(r.status != "running" for r in g)]
    verdicts = [(g, judge_records([r for r in g if r.status != "running"])) for g in groups]
    settings = next((r.report for r in records if r.report), {})
    rank_by = rank_by or settings.get("rank_by")
    finished = [r for r in records if r.status != "running"]
    keys = key_metrics(finished, rank_by)
    columns = _table_columns(records, keys)
    across = [(g, v) for g, v in verdicts if is_experiment_group(g)]
    sections = [
        _header(records, verdicts, planned, style),
        _notes(records, problems, style),
        section("Variants", variants_table([(g, v) for g, v in verdicts if not is_experiment_group(g)], records, columns, style),
                _interval_note(verdicts)),
        per_seed_section([(g, v) for g, v in verdicts if not is_experiment_group(g)], keys),
        *(s for g, v in across for s in _across_sections(g, v, style)),
        section("Run Status by Group", groups_table(finished, planned, spec_path or _spec_path(records), rank_by or (keys[0] if keys else None), style)),
        _top_results(finished, rank_by, columns, top_k or settings.get("top_k") or DEFAULT_TOP_K),
    ]
    return finish(sections, style)


def _across_sections(group: list[RunRecord], verdict: Verdict, style: Style) -> list[str | None]:
    """An arms experiment's sections, or the criteria that compare variants by id."""
    if group[0].arm:
        return arms_sections(group, results_from_records(group), verdict, merged_facts(group), style)
    seeds = len({r.seed for r in group})
    intro = section("Comparisons Between Variants", f"Criteria that name variants by id, judged once across them"
                    + (f", paired by seed ({seeds} seeds)." if seeds > 1 else "."))
    return [intro, *verdict_sections(verdict, style)]


def _interval_note(verdicts: Sequence[tuple[list[RunRecord], Verdict]]) -> str | None:
    """What the brackets are: the metric's interval over seeds (or one seed's resampled test examples)."""
    groups = [g for g, _ in verdicts if not is_experiment_group(g)]
    if not groups:
        return None
    settings = groups[0][0].verdict_settings
    return (f"Metrics are means over each variant's seeds; brackets hold their {settings.confidence:.0%} interval "
            "(over seeds, or over resampled test examples for a single seed, where the metric was resampled).")


def _table_columns(records: Sequence[RunRecord], keys: Sequence[str]) -> list[str]:
    """The ``[report] columns`` (without ``variant``, shown first anyway) or group and key metrics,
    then the model size columns not already there."""
    chosen = [c for c in (report_columns(records) or []) if c != "variant"]
    if not chosen:
        chosen = (["group"] if any(r.group for r in records) else []) + list(keys)
    return chosen + [c for c in MODEL_SIZE_COLUMNS if c not in chosen]


def _notes(records: Sequence[RunRecord], problems: Sequence[Problem], style: Style) -> str | None:
    notes = list(dict.fromkeys(note for note in (amendment_note(r, style) for r in records) if note))
    notes += [f"{style.mark('warn')} Record skipped: {p}" for p in problems]
    return "\n\n".join(notes) or None


def key_metrics(records: Sequence[RunRecord], rank_by: str | None = None) -> list[str]:
    """``split.metric`` keys shown per variant: ``rank_by`` first, then results (not diagnostics) every
    record has on test (else val)."""
    facts = merged_facts(records)
    metric_sets = [r.metrics for r in records]
    keys = [k for k in (common_keys(metric_sets, "test") or common_keys(metric_sets, "val")) if not _diagnostic(facts, k)]
    if rank_by and records:
        first = resolve_key(rank_by, metric_sets[0])
        keys = [first] + [k for k in keys if k != first]
    return keys[:MAX_KEY_METRICS]


def _diagnostic(facts: Mapping[str, Any], key: str) -> bool:
    return facts_of(facts, key).diagnostic


def _spec_path(records: Sequence[RunRecord]) -> str:
    return next((r.spec.path for r in records if r.spec.path), "SPEC")


def overall_status(verdicts: Sequence[tuple[Any, Verdict]]) -> str:
    """PASSED when every judged group passed, INCONCLUSIVE when none failed but some are, else FAILED."""
    statuses = {v.status for _, v in verdicts}
    if not statuses or "FAILED" in statuses:
        return "FAILED"
    return "PASSED" if statuses == {"PASSED"} else "INCONCLUSIVE"


def _header(records: Sequence[RunRecord], verdicts: Sequence[tuple[Any, Verdict]], planned: Sequence[Mapping[str, Any]] | None,
            style: Style) -> str:
    first = records[0] if records else None
    experiment = first.experiment if first else None
    dates = sorted(r.started_at[:10] for r in records if r.started_at)
    passed = sum(v.status == "PASSED" for _, v in verdicts)
    seeds = len({r.seed for r in records})
    run = f"{len(verdicts)} judged" + (f" of {len(planned)} planned" if planned else "") + (f", {seeds} seeds" if seeds > 1 else "")
    pairs = [
        ("Experiment ID", experiment.id if experiment else None),
        ("Date", dates[0] if dates else None),
        ("Variants", run),
        ("Status", style.verdict(overall_status(verdicts)) + f" ({passed}/{len(verdicts)} passed)"),
    ]
    title = (experiment.title or experiment.id) if experiment else "Experiment"
    body = f"# {title}\n\n{header_lines(pairs)}"
    if experiment and experiment.hypothesis:
        body += f"\n\n> **Hypothesis**: {experiment.hypothesis}"
    return body


def _gates_cell(view: Verdict) -> str:
    if not view.gates:
        return "-"
    return f"{sum(g.status == 'PASS' for g in view.gates)}/{len(view.gates)}"


def variants_table(verdicts: Sequence[tuple[list[RunRecord], Verdict]], records: Sequence[RunRecord], columns: Sequence[str],
                   style: Style) -> str | None:
    """Variant | columns (fields, ``plan.<key>``, metric means over seeds)... | Seeds | Status | Gates | Epochs."""
    if not verdicts:
        return None
    facts = merged_facts(records)
    chosen = [column(name) for name in columns]
    rows = []
    for group, verdict in verdicts:
        cells = [_metric_cell(group, c.metric, facts) if c.metric else c.cell(group[0]) for c in chosen]
        epochs = ", ".join(filter(None, (epochs_cell(r) for r in group))) or "-"
        rows.append([bold(group[0].variant), *cells, str(len(group)), status_cell(group, verdict, style, with_reason=False),
                     _gates_cell(verdict), epochs])
    headers = ["Variant", *(c.header for c in chosen), "Seeds", "Status", "Gates", "Epochs"]
    return md_table(headers, rows, ["l", *alignments(chosen, records), "r", "l", "r", "l"])


def _metric_cell(group: list[RunRecord], key: str, facts: Mapping[str, Any]) -> str:
    """The metric over the variant's seeds with its interval (``0.7233 [0.7012, 0.7454]``)."""
    means = mean_table([Sample(r.run_label, r.metrics) for r in group])
    resolved = resolve_key(key, means)
    value = lookup(means, resolved)
    try:
        interval = estimate(results_from_records(group), resolved, group[0].verdict_settings)
    except (ExprError, ValueError):
        interval = None
    text = fmt_metric(value, facts, resolved)
    if interval is not None and interval.has_interval:
        text += f" {fmt_interval(interval.low, interval.high, metric_unit(facts, resolved))}"
    return text


def per_seed_section(verdicts: Sequence[tuple[list[RunRecord], Verdict]], keys: Sequence[str]) -> str | None:
    """Variant | Seed | Status | key metrics: every run of the variants trained with several seeds."""
    groups = [g for g, _ in verdicts if len(g) > 1]
    if not groups or not keys:
        return None
    facts = merged_facts([r for g in groups for r in g])
    rows = [[g[0].variant, r.run_label, r.status, *(fmt_metric(lookup(r.metrics, k), facts, k) for k in keys)] for g in groups for r in g]
    return section("Per Seed", md_table(["Variant", "Seed", "Status", *keys], rows, ["l", "l", "l", *("r" for _ in keys)]))


def _experiments_cell(variants: Sequence[str]) -> str:
    return f"{variants[0]} to {variants[-1]}" if len(variants) > 2 else ", ".join(variants)


def _group_best(records: Sequence[RunRecord], rank_key: str | None) -> str:
    if not rank_key or not records:
        return "-"
    best = ranked(records, rank_key)[0]
    key = resolve_key(rank_key, best.metrics)
    value = lookup(best.metrics, key)
    return f"{best.variant}: {fmt_metric(value, merged_facts(records), key)} {rank_key}" if value is not None else "-"


def _group_status(done: int, total: int, style: Style) -> str:
    if done == total:
        return style.mark("complete")
    if done == 0:
        return style.mark("pending")
    return f"{style.mark('partial')} {done}/{total}"


def groups_table(records: Sequence[RunRecord], planned: Sequence[Mapping[str, Any]] | None, spec_path: str,
                 rank_key: str | None, style: Style) -> str | None:
    """Group | Experiments | Status | Best result | Command (the ``vifspec run`` line for unfinished groups).

    ``records`` are the finished runs; a planned variant without one is pending.
    """
    if not planned or not any(item.get("group") for item in planned):
        return None
    finished = {r.variant: r for r in records}
    groups: dict[str, list[str]] = {}
    for item in planned:
        groups.setdefault(str(item.get("group") or "-"), []).append(str(item["variant"]))
    rows = []
    for group, variants in groups.items():
        done = [finished[v] for v in variants if v in finished]
        command = f"`vifspec run {spec_path} --group {group}`" if len(done) < len(variants) else ""
        rows.append([group, _experiments_cell(variants), _group_status(len(done), len(variants), style), _group_best(done, rank_key), command])
    return md_table(["Group", "Experiments", "Status", "Best result", "Command"], rows)


def _top_results(records: Sequence[RunRecord], rank_by: str | None, columns: Sequence[str], top_k: int) -> str | None:
    if not rank_by or not records:
        return None
    return section(f"Top Results (by {rank_by})", render_ranking(list(records), rank_by, list(columns), top_k))


__all__ = ["overall_status", "render_experiment_report"]

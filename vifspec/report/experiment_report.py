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
from vifspec.report.access import common_keys, lookup, resolve_key, sort_by
from vifspec.report.arms import arm_means, arms_sections
from vifspec.report.comparison import arm_keys
from vifspec.report.index import alignments, column, ranked, render_ranking, report_columns
from vifspec.expr import ExprError
from vifspec.report.markdown import Figures, Style, bold, finish, is_number, md_table, runs_words, section, with_image
from vifspec.report.run_report import (
    amendment_note, baseline_sentences, epochs_cell, header_lines, merged_facts, status_cell, verdict_sentences,
)
from vifspec.report.units import fmt_delta, fmt_interval, fmt_metric, metric_unit
from vifspec.report.verdict_view import criteria_referencing, verdict_sections
from vifspec.verdict.compare import estimate
from vifspec.verdict import Verdict, group_records, judge_records, results_from_records
from vifspec.verdict.results import Sample, current_records, is_experiment_group, mean_table

MAX_KEY_METRICS = 6
REPORT_DIGITS = 4
"""Decimals of plain numbers in REPORT.md's tables (the index keeps the seeds' three)."""
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
    out: str | None = None,
    figures: Figures | None = None,
) -> str:
    """Header and overall verdict, the answer (the hypothesis's verdict, the winning variant or arm and
    by how much), the variant table (one row per variant, judged over its seeds), arms side by side with
    the experiment verdict, the per-group status table (when ``planned`` variants have groups; its
    commands carry ``--out out``) and the top results by ``rank_by``; ``rank_by``, ``top_k`` and the
    columns default to the records' ``[report]``. ``figures`` drawn beside it are shown in their sections."""
    style = Style(ascii)
    figures = figures or Figures()
    records = current_records(records)
    groups = [g for g in group_records(records) if any(r.status != "running" for r in g)]
    verdicts = [(g, judge_records([r for r in g if r.status != "running"])) for g in groups]
    settings = next((r.report for r in records if r.report), {})
    rank_by = rank_by or settings.get("rank_by")
    finished = [r for r in records if r.status != "running"]
    keys = key_metrics(finished, rank_by)
    columns = _table_columns(records, keys)
    across = [(g, v) for g, v in verdicts if is_experiment_group(g)]
    variant_groups = [(g, v) for g, v in verdicts if not is_experiment_group(g)]
    command = _run_command(spec_path or _spec_path(records), out)
    sections = [
        _header(records, verdicts, planned, style),
        _notes(records, problems, style),
        answer_section(variant_groups, [(g, v) for g, v in across if g[0].arm], rank_by or (keys[0] if keys else None), style),
        section("Variants", variants_table(variant_groups, records, columns, style), _interval_note(verdicts),
                figures.image("ranking", "Variants ranked"), figures.image("curves", "Learning curves")),
        per_seed_section(variant_groups, keys),
        *(s for g, v in across for s in _across_sections(g, v, figures, style)),
        section("Run Status by Group", groups_table(finished, planned, command, rank_by or (keys[0] if keys else None), style)),
        _top_results(finished, rank_by, columns, top_k or settings.get("top_k") or DEFAULT_TOP_K),
        figures.note(),
    ]
    return finish(sections, style)


def rank_key(records: Sequence[RunRecord]) -> str | None:
    """The metric variants are ranked on: the records' ``[report] rank_by``, else the first key metric."""
    finished = [r for r in records if r.status != "running"]
    rank_by = next((r.report.get("rank_by") for r in records if r.report.get("rank_by")), None)
    keys = key_metrics(finished, rank_by)
    return rank_by or (keys[0] if keys else None)


def _run_command(spec_path: str, out: str | None) -> str:
    """``vifspec run SPEC --out OUT`` (the ``--out`` the report was written under, when known)."""
    return f"vifspec run {spec_path}" + (f" --out {out}" if out else "")


def _across_sections(group: list[RunRecord], verdict: Verdict, figures: Figures, style: Style) -> list[str | None]:
    """An arms experiment's sections (the arms figure beside the arms table, the criteria figure after
    the criteria), or the criteria that compare variants by id."""
    if group[0].arm:
        parts = arms_sections(group, results_from_records(group), verdict, merged_facts(group), style)  # arms, criteria, gates
        if len(parts) >= 2:
            parts[0] = with_image(parts[0], figures.image("arms", "Arms side by side"))
            parts[1] = with_image(parts[1], figures.image("criteria", "Criteria over seeds: each seed, the mean, its interval and the target"))
        return parts
    seeds = len({r.seed for r in group})
    intro = section("Comparisons Between Variants", "Criteria that name variants by id, judged once across them"
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
    arms = sorted({r.arm for r in records if r.arm})
    if arms:  # one verdict over every arm
        what, run = "Arms", f"{len(arms)} ({', '.join(arms)}) judged together"
    else:
        what, run = "Variants", f"{len(verdicts)} judged" + (f" of {len(planned)} planned" if planned else "")
    run += f", {seeds} seeds" if seeds > 1 else ""
    pairs = [
        ("Experiment ID", experiment.id if experiment else None),
        ("Date", dates[0] if dates else None),
        (what, run),
        ("Status", style.verdict(overall_status(verdicts)) + (f" ({passed}/{len(verdicts)} passed)" if len(verdicts) > 1 else "")),
    ]
    title = (experiment.title or experiment.id) if experiment else "Experiment"
    body = f"# {title}\n\n{header_lines(pairs)}"
    if experiment and experiment.hypothesis:
        body += f"\n\n> **Hypothesis**: {experiment.hypothesis}"
    return body


def _gates_cell(view: Verdict) -> str:
    return f"{sum(g.status == 'PASS' for g in view.gates)}/{len(view.gates)}" if view.gates else "no gates"


def variants_table(verdicts: Sequence[tuple[list[RunRecord], Verdict]], records: Sequence[RunRecord], columns: Sequence[str],
                   style: Style) -> str | None:
    """Variant | columns (fields, ``plan.<key>``, metric means over seeds)... | Seeds | Status | Gates (when a
    verdict has gates) | Epochs."""
    if not verdicts:
        return None
    facts = merged_facts(records)
    chosen = [column(name) for name in columns]
    with_gates = any(v.gates for _, v in verdicts)
    rows = []
    for group, verdict in verdicts:
        cells = [_metric_cell(group, c.metric, facts) if c.metric else c.cell(group[0]) for c in chosen]
        epochs = ", ".join(filter(None, (epochs_cell(r) for r in group))) or "-"
        gates = [_gates_cell(verdict)] if with_gates else []
        rows.append([bold(group[0].variant), *cells, str(len(group)), status_cell(group, verdict, style, with_reason=False), *gates, epochs])
    headers = ["Variant", *(c.header for c in chosen), "Seeds", "Status", *(["Gates"] if with_gates else []), "Epochs"]
    return md_table(headers, rows, ["l", *alignments(chosen, records), "r", "l", *(["r"] if with_gates else []), "l"])


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


def groups_table(records: Sequence[RunRecord], planned: Sequence[Mapping[str, Any]] | None, run_command: str,
                 rank_key: str | None, style: Style) -> str | None:
    """Group | Experiments | Status | Best result | Command (``run_command --group G`` for unfinished groups).

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
        command = f"`{run_command} --group {group}`" if len(done) < len(variants) else ""
        rows.append([group, _experiments_cell(variants), _group_status(len(done), len(variants), style), _group_best(done, rank_key), command])
    return md_table(["Group", "Experiments", "Status", "Best result", "Command"], rows)


def _top_results(records: Sequence[RunRecord], rank_by: str | None, columns: Sequence[str], top_k: int) -> str | None:
    if not rank_by or not records:
        return None
    return section(f"Top Results (by {rank_by})", render_ranking(list(records), rank_by, list(columns), top_k, digits=REPORT_DIGITS))


__all__ = ["overall_status", "render_experiment_report"]


def answer_section(variant_groups: Sequence[tuple[list[RunRecord], Verdict]], arm_groups: Sequence[tuple[list[RunRecord], Verdict]],
                   rank_by: str | None, style: Style) -> str | None:
    """What the experiment found, before any table: each verdict, which arm or variant won and by how much."""
    lines: list[str] = []
    for group, verdict in arm_groups:
        lines += _arms_answer(group, verdict)
    if len(variant_groups) == 1:
        group, verdict = variant_groups[0]
        means = mean_table([Sample(str(r.seed), r.metrics) for r in group])
        lines.append(" ".join(verdict_sentences(verdict, f"variant {bold(group[0].variant)}" + _seeds_words(group))))
        lines += baseline_sentences(group, means, merged_facts(group), style)
    elif variant_groups:
        lines += _variants_answer(variant_groups, rank_by)
    return section("Answer", "\n".join(f"- {line}" for line in lines)) if lines else None


def _seeds_words(group: Sequence[RunRecord]) -> str:
    return f" ({runs_words(group)})" if len(group) > 1 else ""


def _variants_answer(verdicts: Sequence[tuple[list[RunRecord], Verdict]], rank_by: str | None) -> list[str]:
    """``2 of 6 variants PASSED (FE-02, FE-05).`` and the best on the ranking metric, ahead of the next by how much."""
    passed = [g[0].variant for g, v in verdicts if v.status == "PASSED"]
    names = f" ({', '.join(passed)})" if passed and len(passed) <= MAX_KEY_METRICS else ""
    lines = [f"{len(passed)} of {len(verdicts)} variants **PASSED**{names}."]
    if not rank_by:
        return lines
    facts = merged_facts([r for g, _ in verdicts for r in g])
    scored = []
    for group, verdict in verdicts:
        means = mean_table([Sample(str(r.seed), r.metrics) for r in group])
        key = resolve_key(rank_by, means)
        scored.append((group, verdict, key, lookup(means, key)))
    ranked_groups = sort_by([s for s in scored if is_number(s[3])], lambda s: s[3], facts_of(facts, rank_by).higher_is_better)
    if not ranked_groups:
        return lines
    best, *others = ranked_groups
    group, verdict, key, value = best
    met = f", {verdict.met}/{verdict.total} criteria met" if verdict.total else ""
    line = f"Best on {key}: {bold(group[0].variant)} ({fmt_metric(value, facts, key)}{_mean_words(group)}, {verdict.status}{met})"
    if others and others[0][3] == value:
        line += f", tied with {bold(others[0][0][0].variant)}"
    elif others:
        runner_up = others[0]
        lower = " (lower is better)" if facts_of(facts, key).higher_is_better is False else ""
        line += (f", ahead of {bold(runner_up[0][0].variant)} ({fmt_metric(runner_up[3], facts, key)}) "
                 f"by {fmt_delta(value - runner_up[3], metric_unit(facts, key))}{lower}")
    lines.append(line + ".")
    passing = [s for s in ranked_groups if s[1].status == "PASSED"]
    if passing and passing[0] is not best:
        lines.append(f"Best that passed: {bold(passing[0][0][0].variant)} ({fmt_metric(passing[0][3], facts, key)}).")
    return lines


def _mean_words(group: Sequence[RunRecord]) -> str:
    return f", mean of {runs_words(group)}" if len(group) > 1 else ""


def _arms_answer(group: list[RunRecord], verdict: Verdict) -> list[str]:
    """The arms verdict and the arm that leads on the metric its criteria compare, with the difference."""
    lines = [" ".join(verdict_sentences(verdict, "arms comparison" + _seeds_words(_one_arm(group))))]
    results = results_from_records(group)
    facts = merged_facts(group)
    means = arm_means(results)
    keys = arm_keys(means, facts)
    if len(means) < 2 or not keys:
        return lines
    key = next((k for k in keys if criteria_referencing(verdict, k.partition(".")[2])), keys[0])
    values = {arm: lookup(table, key) for arm, table in means.items() if is_number(lookup(table, key))}
    order = sort_by(list(values), values.get, facts_of(facts, key).higher_is_better)
    if len(order) < 2:
        return lines
    best, second = order[0], order[1]
    n = len(results.labels())
    lines.append(f"On {key}, {bold(best)} leads: {fmt_metric(values[best], facts, key)} vs {fmt_metric(values[second], facts, key)} "
                 f"for {bold(second)} ({fmt_delta(values[best] - values[second], metric_unit(facts, key))}"
                 + (f", means of {n} seeds" if n > 1 else "") + ").")
    return lines


def _one_arm(group: Sequence[RunRecord]) -> list[RunRecord]:
    first_arm = group[0].arm
    return [r for r in group if r.arm == first_arm]

"""``runs/<experiment>/REPORT.md``: every variant of one experiment (:func:`render_experiment_report`)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from vifspec.report.access import common_keys, lookup, resolve_key
from vifspec.report.arms import arms_sections
from vifspec.report.index import alignments, column, ranked, render_ranking, report_columns
from vifspec.report.markdown import Style, bold, finish, fmt_num, md_table, section
from vifspec.report.run_report import FAILED_RUN_STATUSES, amendment_note, epochs_cell, header_lines, status_cell
from vifspec.report.seeds import by_variant, seeds_section, variant_label
from vifspec.report.verdict_view import read_verdict

Record = Mapping[str, Any]
MAX_KEY_METRICS = 6
DEFAULT_TOP_K = 10
MODEL_SIZE_COLUMNS = ("param_count", "n_train", "param_per_sample")


def render_experiment_report(
    experiment: dict,
    records: list[dict],
    *,
    planned: list[dict] | None = None,
    spec_path: str | None = None,
    rank_by: str | None = None,
    top_k: int | None = None,
    ascii: bool = False,
) -> str:
    """Header and overall status, the variant table, arms side by side with Δ rows and the experiment
    verdict, the per-group status table (when ``planned`` variants have groups) and the top results
    by ``rank_by``. ``rank_by``, ``top_k`` and the table columns default to the records' ``[report]``."""
    style = Style(ascii)
    settings = _report_settings(records)
    rank_by = rank_by or settings.get("rank_by")
    top_k = top_k or settings.get("top_k") or DEFAULT_TOP_K
    keys = key_metrics(records, rank_by)
    columns = _table_columns(records, keys)
    rank_key = rank_by or _default_rank(records, keys)
    finished = [r for r in records if r.get("status") != "running"]
    sections = [
        _header(experiment, records, planned, style),
        _amendment_notes(records, style),
        section("Variants", variants_table(records, columns, style)),
        seeds_section(finished, keys),
        *arms_sections(finished, style),
        section("Run Status by Group", groups_table(finished, planned, spec_path or _spec_path(records), rank_key, style)),
        _top_results(finished, rank_by, columns, top_k),
    ]
    return finish(sections, style)


def _report_settings(records: Sequence[Record]) -> Mapping[str, Any]:
    return next((r["report"] for r in records if r.get("report")), {})


def _table_columns(records: Sequence[Record], keys: Sequence[str]) -> list[str]:
    """The ``[report] columns`` (without ``variant``, shown first anyway) or group and key metrics,
    then the model size columns not already there."""
    chosen = [c for c in (report_columns(records) or []) if c != "variant"]
    if not chosen:
        chosen = (["group"] if any(r.get("group") for r in records) else []) + list(keys)
    return chosen + [c for c in MODEL_SIZE_COLUMNS if c not in chosen]


def _amendment_notes(records: Sequence[Record], style: Style) -> str | None:
    notes = dict.fromkeys(note for note in (amendment_note(r, style) for r in records) if note)
    return "\n\n".join(notes) or None


def key_metrics(records: Sequence[Record], rank_by: str | None = None) -> list[str]:
    """``split.metric`` keys shown per variant: ``rank_by`` first, then test metrics every record has."""
    metric_sets = [r.get("metrics") or {} for r in records]
    keys = common_keys(metric_sets, "test") or common_keys(metric_sets, "val")
    if rank_by and records:
        first = resolve_key(rank_by, metric_sets[0])
        keys = [first] + [k for k in keys if k != first]
    return keys[:MAX_KEY_METRICS]


def _default_rank(records: Sequence[Record], keys: list[str]) -> str | None:
    monitor = (records[0].get("epochs") or {}).get("monitor") if records else None
    return keys[0] if keys else monitor


def _spec_path(records: Sequence[Record]) -> str:
    for record in records:
        path = (record.get("spec") or {}).get("path")
        if path:
            return str(path)
    return "SPEC"


def overall_passed(records: Sequence[Record]) -> bool:
    """PASSED only when there are records and every one of them passed."""
    return bool(records) and all(_passed(r) for r in records)


def _passed(record: Record) -> bool:
    view = read_verdict(record.get("verdict"))
    return view is not None and view.passed and record.get("status") not in FAILED_RUN_STATUSES


def _header(experiment: Mapping[str, Any], records: Sequence[Record], planned: Sequence[Record] | None, style: Style) -> str:
    dates = sorted(str(r.get("started_at"))[:10] for r in records if r.get("started_at"))
    passed = sum(_passed(r) for r in records)
    variants = f"{len(records)} run" + (f" of {len(planned)} planned" if planned else "")
    status = style.verdict("PASSED" if overall_passed(records) else "FAILED") + f" ({passed}/{len(records)} variants passed)"
    pairs = [
        ("Experiment ID", experiment.get("id")),
        ("Date", dates[0] if dates else None),
        ("Variants", variants),
        ("Status", status),
    ]
    title = experiment.get("title") or experiment.get("id") or "Experiment"
    body = f"# {title}\n\n{header_lines(pairs)}"
    if experiment.get("hypothesis"):
        body += f"\n\n> **Hypothesis**: {experiment['hypothesis']}"
    return body


def _gates_cell(record: Record) -> str:
    view = read_verdict(record.get("verdict"))
    if view is None or not view.gates:
        return "-"
    return f"{sum(g.status == 'PASS' for g in view.gates)}/{len(view.gates)}"


def variants_table(records: Sequence[Record], columns: Sequence[str], style: Style) -> str | None:
    """Variant | columns (fields, ``plan.<key>``, metrics)... | Status | Gates | Epochs."""
    if not records:
        return None
    chosen = [column(name) for name in columns]
    groups = by_variant(records)
    rows = [
        [
            bold(variant_label(r, groups)),
            *(c.cell(r) for c in chosen),
            status_cell(r, read_verdict(r.get("verdict")), style, with_reason=False),
            _gates_cell(r),
            epochs_cell(r) or "-",
        ]
        for r in records
    ]
    headers = ["Variant", *(c.header for c in chosen), "Status", "Gates", "Epochs"]
    return md_table(headers, rows, ["l", *alignments(chosen, records), "l", "r", "l"])


def _experiments_cell(variants: Sequence[str]) -> str:
    if len(variants) > 2:
        return f"{variants[0]} to {variants[-1]}"
    return ", ".join(variants)


def _group_best(records: Sequence[Record], rank_key: str | None) -> str:
    if not rank_key or not records:
        return "-"
    best = ranked(records, rank_key, None)[0]
    value = lookup(best.get("metrics"), resolve_key(rank_key, best.get("metrics")))
    return f"{best.get('variant')}: {fmt_num(value)} {rank_key}" if value is not None else "-"


def _group_status(done: int, total: int, style: Style) -> str:
    if done == total:
        return style.mark("complete")
    if done == 0:
        return style.mark("pending")
    return f"{style.mark('partial')} {done}/{total}"


def groups_table(
    records: Sequence[Record], planned: Sequence[Record] | None, spec_path: str, rank_key: str | None, style: Style
) -> str | None:
    """Group | Experiments | Status | Best result | Command (the ``vifspec run`` line for unfinished groups).

    ``records`` are the finished runs; a planned variant without one is pending.
    """
    if not planned or not any(item.get("group") for item in planned):
        return None
    finished = {r.get("variant"): r for r in records}
    groups: dict[str, list[str]] = {}
    for item in planned:
        groups.setdefault(str(item.get("group") or "-"), []).append(str(item["variant"]))
    rows = []
    for group, variants in groups.items():
        done = [finished[v] for v in variants if v in finished]
        command = f"`vifspec run {spec_path} --group {group}`" if len(done) < len(variants) else ""
        status = _group_status(len(done), len(variants), style)
        rows.append([group, _experiments_cell(variants), status, _group_best(done, rank_key), command])
    return md_table(["Group", "Experiments", "Status", "Best result", "Command"], rows)


def _top_results(records: Sequence[Record], rank_by: str | None, columns: Sequence[str], top_k: int) -> str | None:
    if not rank_by or not records:
        return None
    return section(f"Top Results (by {rank_by})", render_ranking(list(records), rank_by, list(columns), {}, top_k))

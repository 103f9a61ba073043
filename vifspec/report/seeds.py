"""Variants trained with several seeds: mean ± std of the key metrics across seeds."""

from __future__ import annotations

import statistics
from typing import Any, Mapping, Sequence

from vifspec.report.access import lookup
from vifspec.report.markdown import fmt_num, is_number, md_table, section

Record = Mapping[str, Any]


def by_variant(records: Sequence[Record]) -> dict[str, list[Record]]:
    """Records grouped by variant, in first-seen order."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(str(record.get("variant")), []).append(record)
    return groups


def variant_label(record: Record, groups: Mapping[str, Sequence[Record]]) -> str:
    """The variant id, with its seed when the variant was trained with several."""
    variant = str(record.get("variant"))
    return f"{variant} (seed {record.get('seed')})" if len(groups.get(variant, ())) > 1 else variant


def mean_std(values: Sequence[float]) -> str:
    """``0.7312 ± 0.0104`` (sample standard deviation)."""
    return f"{fmt_num(statistics.fmean(values))} ± {fmt_num(statistics.stdev(values))}"


def seeds_section(records: Sequence[Record], keys: Sequence[str]) -> str | None:
    """Variant | seeds | mean ± std of each key metric, for variants with two or more finished seeds."""
    rows = []
    for variant, group in by_variant(records).items():
        if len(group) < 2:
            continue
        cells = []
        for key in keys:
            values = [v for v in (lookup(r.get("metrics"), key) for r in group) if is_number(v)]
            cells.append(mean_std(values) if len(values) > 1 else fmt_num(values[0] if values else None))
        rows.append([variant, str(len(group)), *cells])
    if not rows:
        return None
    table = md_table(["Variant", "Seeds", *keys], rows, ["l", "r", *("r" for _ in keys)])
    return section("Across Seeds (mean ± std)", table)

"""The experiment index: the run-log table, the ranked "Current State of the Art" table, and the
in-place update of the blocks between ``<!-- NAME:START -->`` and ``<!-- NAME:END -->`` markers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from vifspec.errors import did_you_mean
from vifspec.facts import facts_of
from vifspec.records import RunRecord
from vifspec.report.access import best_of, common_keys, lookup, resolve_key, sort_by
from vifspec.report.markdown import bold, fmt_num, is_number, md_table
from vifspec.report.units import fmt_value

Record = RunRecord
INDEX_DIGITS = 3
_ANY_MARKER = re.compile(r"<!-- [A-Za-z0-9_-]+:(START|END) -->")
_BLOCK_HEADINGS = {"AUTO-TABLE": "Run Log", "RANKING": "Current State of the Art"}


@dataclass(frozen=True)
class Column:
    """One index column: its heading, how to read it from a record, and its number format."""

    header: str
    read: Callable[[Record], Any]
    digits: int = INDEX_DIGITS
    metric: str | None = None

    def cell(self, record: Record) -> str:
        """The value: a metric in its declared unit (a rate in %, like every other table), else a number."""
        value = self.read(record)
        if self.metric is not None:
            unit = facts_of(record.metric_facts(), resolve_key(self.metric, record.metrics)).unit
            if unit != "number":
                return fmt_value(value, unit)
        if isinstance(value, float) and self.digits == 1:
            return f"{value:.1f}"
        return fmt_num(value, self.digits)


def _model(record: Record, key: str) -> Any:
    return getattr(record.model, key) if record.model is not None else None


def _dig(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def plan_value(record: Record, dotted: str) -> Any:
    """``loss.main.fn`` read from the resolved spec ``record["plan"]["spec"]``; a key that names the
    plan itself (``spec.loss.main.fn``, ``hash``) is read from ``record["plan"]``."""
    value = _dig(record.plan.get("spec"), dotted)
    return value if value is not None else _dig(record.plan, dotted)


def loss_label(record: Record) -> str | None:
    """The loss mix from the plan: ``coral`` for one term, ``0.7*info_nce + 0.3*cosine`` for a mix."""
    terms = plan_value(record, "loss")
    if not isinstance(terms, Mapping) or not terms:
        return None
    names = {name: (spec.get("fn", name) if isinstance(spec, Mapping) else name) for name, spec in terms.items()}
    if len(terms) == 1:
        return next(iter(names.values()))
    weights = {name: spec.get("weight") if isinstance(spec, Mapping) else None for name, spec in terms.items()}
    return " + ".join(f"{fmt_num(weights[n], 2)}*{fn}" if is_number(weights[n]) else fn for n, fn in names.items())


_FIELDS: dict[str, Column] = {
    "variant": Column("run", lambda r: r.variant),
    "group": Column("group", lambda r: r.group),
    "arm": Column("arm", lambda r: r.arm),
    "seed": Column("seed", lambda r: r.seed),
    "status": Column("status", lambda r: r.status),
    "model": Column("model", lambda r: _model(r, "name")),
    "param_count": Column("params", lambda r: _model(r, "param_count")),
    "n_train": Column("n_train", lambda r: _model(r, "n_train")),
    "param_per_sample": Column("ratio", lambda r: _model(r, "param_per_sample"), digits=1),
    "loss": Column("loss", loss_label),
    "epochs": Column("epochs", lambda r: r.epochs.run if r.epochs else None),
    "best_epoch": Column("best", lambda r: r.epochs.best if r.epochs else None),
}


def column(name: str) -> Column:
    """A record field, ``plan.<dotted key>``, or a metric (``qwk`` reads test, ``val.qwk`` reads val)."""
    if name in _FIELDS:
        return _FIELDS[name]
    if name.startswith("plan."):
        dotted = name[len("plan."):]
        return Column(dotted.rsplit(".", 1)[-1], lambda r: plan_value(r, dotted))
    return Column(name, lambda r: lookup(r.metrics, resolve_key(name, r.metrics)), metric=name)


def unknown_column(records: Sequence[Record], name: str) -> str | None:
    """Why ``name`` (an index column or a ranking metric) names nothing any record has, or None: a
    metric or ``plan.`` key without a value in every record is a typo, not an empty column."""
    if name in _FIELDS:
        return None
    try:
        if any(column(name).read(r) is not None for r in records):
            return None
    except ValueError as exc:
        return str(exc)
    known = sorted({f"{split}.{metric}" for r in records for split, table in r.metrics.items() for metric in table})
    hint = did_you_mean(name, [*known, *(k.split(".", 1)[1] for k in known), *_FIELDS])
    return f"no record has '{name}'{hint}; metrics: {', '.join(known) or 'none'}"


def default_columns(records: Sequence[Record]) -> list[str]:
    """variant, group (when any), model, param_count, param_per_sample, then the shared test metrics."""
    names = ["variant"] + (["group"] if any(r.group for r in records) else [])
    names += ["model", "param_count", "param_per_sample"]
    keys = common_keys([r.metrics for r in records], "test")
    return names + [key.split(".", 1)[1] for key in keys if not facts_of(_facts(records), key).diagnostic]


def report_columns(records: Sequence[Record]) -> list[str] | None:
    """The spec's ``[report] columns`` carried by the records (the first record that has them)."""
    for record in records:
        columns = record.report.get("columns")
        if columns:
            return list(columns)
    return None


def render_index_table(records: Sequence[Record], columns: list[str] | None = None) -> str:
    """The run-log table of the experiment index (seed 000's AUTO-TABLE); without ``columns``, the
    records' ``[report] columns``, else :func:`default_columns`."""
    chosen = [column(name) for name in (columns or report_columns(records) or default_columns(records))]
    rows = [[c.cell(r) for c in chosen] for r in records]
    return md_table([c.header for c in chosen], rows, alignments(chosen, records))


def alignments(columns: Sequence[Column], records: Sequence[Record]) -> list[str]:
    """Right-aligned columns of numbers, left-aligned text."""
    return ["r" if any(is_number(c.read(r)) for r in records) else "l" for c in columns]


def _facts(records: Sequence[Record]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for record in records:
        merged.update(record.metric_facts())
    return merged


def ranked(records: Sequence[Record], rank_by: str) -> list[Record]:
    """Records sorted best first on ``rank_by`` (per its direction), records without it last."""
    rank_column = column(rank_by)
    return sort_by(list(records), rank_column.read, facts_of(_facts(records), rank_by).higher_is_better)


def render_ranking(records: Sequence[Record], rank_by: str, columns: list[str], top_k: int = 3, digits: int = INDEX_DIGITS) -> str:
    """Rank | Variant | columns..., the ``top_k`` best records on ``rank_by``, best value of each metric in
    bold (when at least two rows have one); records without a ``rank_by`` value come last, ranked ``-``.
    Metrics show ``digits`` decimals (rates in %)."""
    facts = _facts(records)
    top = ranked(records, rank_by)[:top_k]
    rank_column = column(rank_by)
    chosen = [column(name) for name in columns if name != "variant"]
    chosen = [replace(c, digits=digits) if c.metric is not None else c for c in chosen]
    best = {c.header: _bold_value(c, top, facts_of(facts, c.metric).higher_is_better) for c in chosen if c.metric is not None}
    rows = []
    for rank, record in enumerate(top, start=1):
        cells = [_ranked_cell(c, record, best) for c in chosen]
        rank_cell = str(rank) if is_number(rank_column.read(record)) else "-"
        rows.append([rank_cell, str(record.variant), *cells])
    return md_table(["Rank", "Variant", *(c.header for c in chosen)], rows, ["r", "l", *alignments(chosen, top)])


def _bold_value(col: Column, records: Sequence[Record], higher_is_better: bool | None) -> Any:
    """The best value of a metric column, or ``None`` when every shown value ties (nothing stands out)."""
    values = {col.read(r) for r in records if is_number(col.read(r))}
    return best_of(values, higher_is_better) if len(values) > 1 else None


def _ranked_cell(col: Column, record: Record, best: Mapping[str, Any]) -> str:
    text = col.cell(record)
    value = col.read(record)
    if col.metric is not None and is_number(value) and value == best.get(col.header):
        return bold(text)
    return text


def _marker(name: str, edge: str) -> str:
    return f"<!-- {name}:{edge} -->"


def update_block(text: str, name: str, table: str) -> str:
    """Replace what lies between ``<!-- NAME:START -->`` and ``<!-- NAME:END -->`` with ``table``.

    Every byte outside the markers is kept (CRLF files stay CRLF). Without markers, a
    ``## <heading>`` section holding them is appended. Raises ``ValueError`` for a START without
    END (or the reverse), markers in the wrong order, or markers that occur more than once.
    """
    start, end = _marker(name, "START"), _marker(name, "END")
    starts, ends = text.count(start), text.count(end)
    newline = "\r\n" if "\r\n" in text else "\n"
    body = newline.join(table.strip("\r\n").splitlines())
    if starts == 0 and ends == 0:
        return _append_block(text, name, body, newline)
    _check_markers(name, starts, ends, text.find(start), text.find(end))
    head_end = text.index(start) + len(start)
    tail_start = text.index(end)
    inner = _ANY_MARKER.search(text[head_end:tail_start])
    if inner:
        raise ValueError(f"{inner.group(0)} is nested inside the {name} block; blocks must not overlap")
    return text[:head_end] + newline + body + newline + text[tail_start:]


def _check_markers(name: str, starts: int, ends: int, start_at: int, end_at: int) -> None:
    if starts > 1 or ends > 1:
        raise ValueError(
            f"the {name} block markers occur more than once ({starts} START, {ends} END); keep exactly one pair"
        )
    if starts != ends:
        missing = "END" if starts else "START"
        raise ValueError(f"{_marker(name, 'START' if starts else 'END')} has no matching {_marker(name, missing)}")
    if end_at < start_at:
        raise ValueError(f"{_marker(name, 'END')} comes before {_marker(name, 'START')}")


def _append_block(text: str, name: str, body: str, newline: str) -> str:
    heading = _BLOCK_HEADINGS.get(name, name)
    separator = "" if not text else (newline if text.endswith("\n") else newline * 2)
    block = newline.join([f"## {heading}", "", _marker(name, "START"), body, _marker(name, "END"), ""])
    return text + separator + block


def update_auto_table(text: str, table: str) -> str:
    """:func:`update_block` for the run log between the ``AUTO-TABLE`` markers."""
    return update_block(text, "AUTO-TABLE", table)


"""Reports and figures written as a run goes: each record's ``report.md``, each variant's over its seeds,
``REPORT.md``, and the figures beside each (when matplotlib is installed).

Everything is rendered from the records on disk (:func:`vifspec.records.scan_records`) and the
verdicts the one results model computes from them, so an interrupted sweep keeps reports that
agree with its records. A figure is drawn again only when a record it shows is newer, unless
``force`` (``vifspec report``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from vifspec.compiler.variants import Variant
from vifspec.errors import Problem
from vifspec.figures import PLOTS_HINT, available, experiment_figures, run_figures
from vifspec.records import RunRecord, atomic_write_text, scan_records
from vifspec.report import render_experiment_report, render_run_report
from vifspec.report.access import lookup, resolve_key
from vifspec.report.experiment_report import rank_key
from vifspec.report.markdown import Figures
from vifspec.report.run_report import merged_facts
from vifspec.report.units import fmt_metric
from vifspec.verdict import Verdict, group_records, judge_records
from vifspec.verdict.results import Sample, current_records, is_experiment_group, mean_table

REPORT_FILE, EXPERIMENT_REPORT_FILE = "report.md", "REPORT.md"
LIVE_SHARE = 10
"""While a run goes, ``REPORT.md`` is rewritten after this many times the seconds its last writing took."""


def write_reports(experiment_id: str, spec_path: str, variants: Sequence[Variant], out: str | Path, ascii: bool) -> Path:
    """Write every record's and variant's ``report.md`` and the experiment's ``REPORT.md`` (listing the
    planned ``variants``) with their figures; return the path of ``REPORT.md``."""
    return LiveReports(experiment_id, spec_path, variants, out, ascii).update(final=True)


class LiveReports:
    """The reports of a run as it goes (:meth:`update` after each unit of plans, ``final`` at the end).

    Each update rewrites the reports of the records that changed since their reports were written
    (one plan's, one variant's), so a sweep's reports cost in proportion to its plans, not to their
    square. The experiment's ``REPORT.md`` and its figures hold every record, so while the run goes
    they are rewritten only once :data:`LIVE_SHARE` times the seconds their last writing took has
    passed (at most about a tenth of the run's time), and always at the end. Records are read
    through a cache of the files already parsed.
    """

    def __init__(self, experiment_id: str, spec_path: str, variants: Sequence[Variant], out: str | Path, ascii: bool) -> None:
        self.root, self.spec_path, self.out, self.ascii = Path(out) / experiment_id, spec_path, str(out), ascii
        self.planned = [{"variant": v.id, "group": v.group} for v in variants] or None
        self.cache: dict[Path, Any] = {}
        self.due = 0.0
        self.path = self.root / EXPERIMENT_REPORT_FILE

    def update(self, *, final: bool = False) -> Path:
        """Write what changed; return the path of ``REPORT.md``."""
        scan = scan_records(self.root, self.cache)
        write_record_reports(scan.records, scan.paths, self.ascii, stale_only=True)
        if final or time.monotonic() >= self.due:
            started = time.monotonic()
            self.path = write_experiment_report(self.root, scan.records, scan.paths, self.ascii, planned=self.planned,
                                                spec_path=self.spec_path, out=self.out, problems=scan.problems)
            self.due = time.monotonic() + LIVE_SHARE * (time.monotonic() - started)
        return self.path


def rewrite_reports(folder: Path, scan: Any, ascii: bool) -> list[Path]:
    """``vifspec report``: every report and figure of the records ``scan``ned below ``folder`` drawn again;
    ``REPORT.md`` when the folder is an experiment's (it holds variant folders). Returns the reports written."""
    written = write_record_reports(scan.records, scan.paths, ascii, force=True)
    variant_folders = [folder / r.variant for r in scan.records]
    if all(v in p.parents for v, p in zip(variant_folders, scan.paths)) or len(set(variant_folders)) > 1:
        written.append(write_experiment_report(folder, scan.records, scan.paths, ascii, problems=scan.problems, force=True))
    return written


def write_record_reports(records: Sequence[RunRecord], paths: Sequence[Path], ascii: bool, *, force: bool = False,
                         stale_only: bool = False) -> list[Path]:
    """``report.md`` and figures beside each record (its seed's verdict) and, for a variant with several
    seeds, in the variant's folder (the verdict over its seeds); return the reports written.
    ``stale_only``: leave a variant's reports alone when every one of them is newer than its records.

    The learning curves of a variant with several seeds are drawn once, in the variant's folder (a
    line per seed, each seed's best epoch starred); each seed's report shows that figure rather than
    a copy of its own line. Loss shares and tracked parameters stay drawn per seed.
    """
    where = {id(r): p for r, p in zip(records, paths)}
    written = []
    for group in group_records(current_records(records)):
        if stale_only and not force and _fresh(group, where):
            continue
        variant_curves = None
        if _variant_report(group):
            folder = _common_parent([where[id(r)].parent for r in group])
            verdict = judge_records(group)
            newest = _newest([where[id(r)] for r in group], force)
            figures = _figures(folder, lambda: run_figures(group, verdict, folder, newest))
            written.append(_write(folder / REPORT_FILE, render_run_report(group, verdict, ascii=ascii, figures=figures)))
            variant_curves = folder / figures.files["curves"] if "curves" in figures.files else None
        for record in group if _seed_reports(group) else ():
            path = where[id(record)]
            own_curves = not _variant_report(group)
            figures = _figures(path.parent, lambda r=record, p=path, c=own_curves: run_figures([r], None, p.parent, _newest([p], force), c))
            if variant_curves is not None:
                figures = Figures({**figures.files, "variant_curves": os.path.relpath(variant_curves, path.parent)}, figures.missing)
            written.append(_write(path.parent / REPORT_FILE, render_run_report([record], record.verdict, ascii=ascii, figures=figures)))
    return written


def write_experiment_report(root: Path, records: Sequence[RunRecord], paths: Sequence[Path], ascii: bool, *,
                            planned: list[dict] | None = None, spec_path: str | None = None, out: str | None = None,
                            problems: Sequence[Problem] = (), force: bool = False) -> Path:
    """``REPORT.md`` of an experiment folder with its figures (ranking, arms, criteria over seeds)."""
    current = current_records(records)
    judged: list[tuple[list[RunRecord], Verdict]] = [
        (g, judge_records([r for r in g if r.status != "running"])) for g in group_records(current) if any(r.status != "running" for r in g)
    ]
    newest = _newest(paths, force)
    figures = _figures(root, lambda: experiment_figures(judged, root, rank_key(current), newest) | _only_variant(judged, root))
    text = render_experiment_report(records, planned=planned, spec_path=spec_path, out=out, ascii=ascii, problems=problems,
                                    figures=figures)
    return _write(root / EXPERIMENT_REPORT_FILE, text)


def variant_lines(variants: Sequence[Variant], found: Mapping[tuple[str, str], RunRecord | None]) -> list[str]:
    """``vifspec run --list``: per variant its group, how many of its seeds are done, its verdict over them
    (an arm: the arms experiment's) and its key metric (the mean over the finished seeds)."""
    records = [r for r in found.values() if r is not None]
    key = rank_key(records)
    verdicts = {}
    for group in group_records(records):
        verdict = judge_records(group)
        verdicts |= {(r.variant, r.run_label): verdict for r in group}
    facts = merged_facts(records)
    lines = []
    for variant in variants:
        mine = [r for (v, _), r in found.items() if v == variant.id]
        done = [r for r in mine if r is not None]
        state = "complete" if mine and len(done) == len(mine) else f"partial {len(done)}/{len(mine)} seeds" if done else "pending"
        verdict = verdicts[(done[0].variant, done[0].run_label)].status if done else "-"
        value = _mean_of(done, key) if key else None
        metric = f"{key} {fmt_metric(value, facts, key)}" if key and value is not None else ""
        lines.append(f"{variant.id:<20} group={variant.group or '-':<8} {state:<20} {verdict:<13} {metric:<24} {variant.description}".rstrip())
    return lines


def _mean_of(records: Sequence[RunRecord], key: str) -> Any:
    means = mean_table([Sample(str(r.seed), r.metrics) for r in records])
    return lookup(means, resolve_key(key, means))


def _only_variant(judged: Sequence[tuple[list[RunRecord], Verdict]], root: Path) -> dict[str, str]:
    """The learning curves of an experiment's only variant, linked from ``REPORT.md`` too."""
    variants = [g for g, _ in judged if not is_experiment_group(g)]
    curves = root / variants[0][0].variant / "curves.png" if len(variants) == 1 else None
    return {"curves": curves.relative_to(root).as_posix()} if curves is not None and curves.exists() else {}


def _figures(folder: Path, draw: Any) -> Figures:
    """The figures ``draw`` leaves in ``folder``, or the note on how to get them."""
    if not available():
        return Figures(missing=f"Figures are not drawn: matplotlib is not installed. Install it with `{PLOTS_HINT}`, "
                               f"then `vifspec report {folder}` draws them.")
    return Figures(files=draw())


def _fresh(group: Sequence[RunRecord], where: Mapping[int, Path]) -> bool:
    """Whether the reports of ``group`` (beside each record, and the variant's) are all newer than its records."""
    records = [where[id(r)] for r in group]
    reports = {p.parent / REPORT_FILE for p in records} if _seed_reports(group) else set()
    if _variant_report(group):
        reports.add(_common_parent([p.parent for p in records]) / REPORT_FILE)
    try:
        newest = max(p.stat().st_mtime_ns for p in records)
        return all(report.stat().st_mtime_ns > newest for report in reports)
    except OSError:
        return False


def _seed_reports(group: Sequence[RunRecord]) -> bool:
    """Whether each record of ``group`` gets a report of its own (a variant's seeds, an arm's; not a cross-variant group)."""
    return not is_experiment_group(group) or bool(group[0].arm)


def _variant_report(group: Sequence[RunRecord]) -> bool:
    """Whether ``group`` gets a report over its runs in the variant's folder (a variant with several runs)."""
    return len(group) > 1 and not is_experiment_group(group)


def _newest(paths: Sequence[Path], force: bool) -> float | None:
    """The modification time of the newest record (``None`` draws every figure again)."""
    if force:
        return None
    times = [p.stat().st_mtime for p in paths if p.exists()]
    return max(times) if times else None


def _write(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path


def _common_parent(folders: list[Path]) -> Path:
    """The variant's folder above its seed (and fold) folders."""
    return Path(os.path.commonpath([str(f) for f in folders]))


__all__: list[Any] = ["EXPERIMENT_REPORT_FILE", "REPORT_FILE", "rewrite_reports", "variant_lines", "write_experiment_report",
                      "write_record_reports", "write_reports"]

"""Reports written as a run goes: each record's ``report.md``, each variant's over its seeds, ``REPORT.md``.

Everything is rendered from the records on disk (:func:`vifspec.records.scan_records`) and the
verdicts the one results model computes from them, so an interrupted sweep keeps reports that
agree with its records.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from vifspec.compiler.variants import Variant
from vifspec.records import RunRecord, atomic_write_text, scan_records
from vifspec.report import render_experiment_report, render_run_report
from vifspec.verdict import group_records, judge_records
from vifspec.verdict.results import current_records, is_experiment_group

REPORT_FILE, EXPERIMENT_REPORT_FILE = "report.md", "REPORT.md"


def write_reports(experiment_id: str, spec_path: str, variants: Sequence[Variant], out: str | Path, ascii: bool) -> Path:
    """Write every record's and variant's ``report.md`` and the experiment's ``REPORT.md`` (listing the
    planned ``variants``); return its path."""
    root = Path(out) / experiment_id
    scan = scan_records(root)
    write_record_reports(scan.records, scan.paths, ascii)
    planned = [{"variant": v.id, "group": v.group} for v in variants] or None
    text = render_experiment_report(scan.records, planned=planned, spec_path=spec_path, ascii=ascii, problems=scan.problems)
    atomic_write_text(root / EXPERIMENT_REPORT_FILE, text)
    return root / EXPERIMENT_REPORT_FILE


def write_record_reports(records: Sequence[RunRecord], paths: Sequence[Path], ascii: bool) -> list[Path]:
    """``report.md`` beside each record (its seed's verdict) and, for a variant with several seeds,
    in the variant's folder (the verdict over its seeds); return the paths written."""
    where = {id(r): p.parent for r, p in zip(records, paths)}
    written = []
    for group in group_records(current_records(records)):
        for record in group if not is_experiment_group(group) or group[0].arm else ():
            written.append(_write(where[id(record)] / REPORT_FILE, render_run_report([record], record.verdict, ascii=ascii)))
        if len(group) > 1 and not is_experiment_group(group):
            folder = _common_parent([where[id(r)] for r in group])
            verdict = judge_records(group).to_dict()
            written.append(_write(folder / REPORT_FILE, render_run_report(group, verdict, ascii=ascii)))
    return written


def _write(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path


def _common_parent(folders: list[Path]) -> Path:
    """The variant's folder above its seed (and fold) folders."""
    return Path(os.path.commonpath([str(f) for f in folders]))


__all__: list[Any] = ["EXPERIMENT_REPORT_FILE", "REPORT_FILE", "write_record_reports", "write_reports"]

"""Markdown reports of run records and verdicts, and the experiment index (pure functions, no torch).

- :func:`render_run_report` — one variant's ``report.md``
- :func:`render_experiment_report` — ``runs/<experiment>/REPORT.md``
- :func:`render_judge_report` — the report of ``vifspec judge``
- :func:`render_index_table`, :func:`render_ranking` — the run log and "Current State of the Art" tables
- :func:`update_block`, :func:`update_auto_table` — replace a marked block of an index file's text
"""

from __future__ import annotations

from vifspec.report.experiment_report import render_experiment_report
from vifspec.report.index import render_index_table, render_ranking, update_auto_table, update_block
from vifspec.report.judge_report import render_judge_report
from vifspec.report.run_report import render_run_report

__all__ = [
    "render_run_report",
    "render_experiment_report",
    "render_judge_report",
    "render_index_table",
    "render_ranking",
    "update_auto_table",
    "update_block",
]

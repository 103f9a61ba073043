"""Running a whole spec: baseline first, every selected plan (resuming finished ones), verdicts, reports."""

from __future__ import annotations

from vifspec.runner.spec_run import RunOptions, RunSummary, compile_run, existing_record, plan_status, run_spec

__all__ = ["RunOptions", "RunSummary", "compile_run", "existing_record", "plan_status", "run_spec"]

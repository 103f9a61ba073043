"""vifspec: declared, checked ML experiments.

Public API (the same steps as the command line)::

    vifspec.compile(path, seeds=None, only=(), group=None, overrides=None) -> list[Plan]
    vifspec.run(plan, out="runs", device=None, progress=None) -> RunRecord     # writes record.json and the reports
    vifspec.run_spec(path, seeds=None, only=(), group=None, overrides=None, out="runs", ...) -> RunSummary
    vifspec.judge(spec, results) -> Verdict     # results: a dict of the results-file shape, or its path

Importing vifspec does not import torch; ``vifspec.run`` and ``vifspec.run_spec`` do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

__version__ = "0.1.0"
__all__ = ["compile", "run", "run_spec", "judge", "__version__"]


def compile(path: Any, *, seeds: int | None = None, only: Iterable[str] = (), group: str | None = None,  # noqa: A001
            overrides: Mapping[str, Any] | None = None) -> list[Any]:
    """Compile a spec file into its plans (one per variant x seed x fold): ``seeds`` replaces
    ``[train] seeds`` with 0..seeds-1, ``only``/``group`` select variants, ``overrides`` sets dotted
    keys first (``{"train.epochs": 2}``). Raises :class:`vifspec.errors.SpecError` for an invalid spec."""
    from vifspec.compiler import compile_plans

    return compile_plans(path, seeds=seeds, only=only, group=group, overrides=overrides)


def run(plan: Any, *, out: str | Path = "runs", device: str | None = None, progress: bool | None = None) -> Any:
    """Prepare and train one plan; write its record and the reports the CLI writes (its ``report.md``,
    the variant's and the experiment's ``REPORT.md``); return its :class:`vifspec.records.RunRecord`."""
    from vifspec.executor.run import run_plan
    from vifspec.runner.reports import write_reports

    record = run_plan(plan, out=out, device=device, progress=progress)
    write_reports(plan.experiment_id, plan.spec_path, [], out, plan.spec.report.ascii)
    return record


def run_spec(path: Any, **options: Any) -> Any:
    """``vifspec run SPEC``: every selected plan (resuming finished ones), verdicts over seeds, reports.

    Options as :class:`vifspec.runner.RunOptions` (``seeds``, ``only``, ``group``, ``overrides``, ``out``,
    ``device``, ``progress``, ``ascii``, ``resume``); returns a :class:`vifspec.runner.RunSummary`
    whose ``status`` is PASSED, FAILED or INCONCLUSIVE and whose ``judged`` holds each verdict.
    """
    from vifspec.runner import RunOptions, run_spec as run_whole_spec

    return run_whole_spec(str(path), RunOptions(**options), say=lambda line: None)


def judge(spec: Any, results: Mapping[str, Any] | str | Path) -> Any:
    """Judge results produced anywhere against a spec's criteria and gates (``spec``: a path or a
    :class:`vifspec.spec.Spec`; ``results``: a dict of the results-file shape -- any value a number or
    a list of per-seed numbers -- or the path of such a JSON file)."""
    from vifspec.verdict import judge_spec

    if isinstance(results, (str, Path)):
        from vifspec.jsonfile import read_json

        results = read_json(results, "results file")
    return judge_spec(spec, results)

"""vifspec: declared, checked ML experiments.

Public API::

    vifspec.compile(path) -> list[Plan]
    vifspec.run(plan) -> RunRecord
    vifspec.judge(spec, results) -> Verdict

Importing vifspec does not import torch; ``vifspec.run`` does.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["compile", "run", "judge", "__version__"]


def compile(path: Any) -> list[Any]:  # noqa: A001 - the documented public name
    """Compile a spec file into its plans (one per variant x seed)."""
    from vifspec.compiler import compile_plans

    return compile_plans(path)


def run(plan: Any, **options: Any) -> Any:
    """Train one plan and return its :class:`vifspec.records.RunRecord` (also written under ``runs/``)."""
    from vifspec.executor.run import run_plan

    return run_plan(plan, **options)


def judge(spec: Any, results: dict[str, Any]) -> Any:
    """Judge results produced anywhere against a spec's criteria and gates."""
    from vifspec.verdict import judge_spec

    return judge_spec(spec, results)

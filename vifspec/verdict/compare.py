"""Differences with their noise, for reports: a run against its baseline, a trivial model, another arm.

``difference(results, "test.auc", "baseline.test.auc", settings)`` judges the difference of two
references exactly as a criterion ``left - right > 0`` would be judged (per seed, paired by seed or
by test resample, aggregated with its interval), so a report's "within noise" and a verdict never
use two different statistics.
"""

from __future__ import annotations

import re

from vifspec.expr import parse
from vifspec.spec.schema import VerdictSettings
from vifspec.verdict.criterion import Decision, ExpressionJudge
from vifspec.verdict.decision import within_noise
from vifspec.verdict.judge import estimator_for
from vifspec.verdict.results import Results
from vifspec.verdict.stats import Interval

_PLAIN = re.compile(r"[A-Za-z0-9_@]+")


def difference(results: Results, left: str, right: str, settings: VerdictSettings | None = None) -> Decision:
    """``left - right`` over every seed of ``results`` (references as written in criteria, e.g.
    ``test.auc``, ``baseline.test.auc``, ``trivial.majority.test.acc``, ``infonce.test.r@5``)."""
    return _judged(results, f"{left} - {right} > 0", settings)


def estimate(results: Results, key: str, settings: VerdictSettings | None = None) -> Interval | None:
    """The aggregate of ``key`` (``test.auc``) over the seeds of ``results`` with its interval, as a
    criterion on it would see it (a rate on few events widened as there); None when a seed lacks the value."""
    return _judged(results, f"{key} > 0", settings).estimate


def _judged(results: Results, text: str, settings: VerdictSettings | None) -> Decision:
    settings = settings or VerdictSettings()
    judge = ExpressionJudge(parse(text), results.seeds(), results.arm_names, estimator_for(settings), None, settings.confidence)
    return judge.judge()


def run_ref(name: str, key: str) -> str:
    """``key`` of the named run ``name`` as a reference (backticks around an id that needs them)."""
    return f"{name if _PLAIN.fullmatch(name) else f'`{name}`'}.{key}"


def noise_word(interval: Interval | None) -> str | None:
    """``"within noise"`` when the difference's interval contains zero, ``None`` otherwise or without one."""
    return "within noise" if interval is not None and within_noise(interval) else None

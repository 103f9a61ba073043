"""Figures beside the reports (matplotlib, the optional extra ``vifspec[plots]``, imported lazily).

- :func:`run_figures` — one run, or one variant over its seeds: learning curves (``curves.png``),
  loss-balance shares over epochs (``loss_shares.png``), tracked parameters (``tracked.png``), and
  the criteria over seeds with their intervals and targets (``criteria.png``)
- :func:`experiment_figures` — an experiment: variants ranked (``ranking.png``), arms side by side
  (``arms.png``) and the arms verdict's criteria over seeds (``criteria.png``)

Each returns the figures present in its folder (kind -> file name) for the report to link. A figure
newer than every record it is drawn from is kept as it is, unless ``force`` (``vifspec report``).
Without matplotlib nothing is drawn and :data:`PLOTS_HINT` says how to get figures.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from vifspec.records import RunRecord
from vifspec.report.verdict_view import read_verdict
from vifspec.verdict import Verdict
from vifspec.verdict.results import is_experiment_group

PLOTS_HINT = "pip install 'vifspec[plots]'"
Draw = Callable[[], Any]


def available() -> bool:
    """Whether matplotlib can be imported."""
    return importlib.util.find_spec("matplotlib") is not None


def _title(record: RunRecord) -> str:
    return record.report.get("title") or record.experiment.title or record.experiment.id


def _draw_all(drawings: dict[str, Draw], folder: Path, newest: float | None) -> dict[str, str]:
    """Draw each figure that is missing or older than ``newest`` (``None``: always); a figure with
    nothing to show, or that fails to draw (a warning on stderr), is removed. Returns kind -> file name
    of the figures now in ``folder``."""
    from vifspec.figures.canvas import save

    present = {}
    for kind, draw in drawings.items():
        path = folder / f"{kind}.png"
        if newest is None or not path.exists() or path.stat().st_mtime < newest:
            try:
                figure = draw()
                if figure is None:
                    path.unlink(missing_ok=True)
                else:
                    save(figure, path)
            except Exception as exc:  # noqa: BLE001 - a figure that cannot be drawn never stops a run or its report
                path.unlink(missing_ok=True)
                print(f"warning: {path} not drawn: {type(exc).__name__}: {exc}", file=sys.stderr)
        if path.exists():
            present[kind] = path.name
    return present


def run_figures(group: Sequence[RunRecord], verdict: Verdict | None, folder: Path, newest: float | None = None,
                curves: bool = True) -> dict[str, str]:
    """The figures of one run (``group`` of one record) or of one variant over its seeds, in ``folder``;
    ``curves=False`` leaves out (and removes) the learning curves (a seed shown in its variant's)."""
    if not available():
        return {}
    from vifspec.figures.curves import learning_curves, loss_shares, tracked
    from vifspec.figures.verdict import criteria_over_seeds

    first = group[0]
    verdict = verdict if verdict is not None or len(group) > 1 else read_verdict(first.verdict)
    who = f"{first.variant}, seed {first.seed}" if len(group) == 1 else f"{first.variant}, {len(group)} seeds"
    head = f"{_title(first)} ({who})"
    drawings: dict[str, Draw] = {}
    if curves:
        drawings["curves"] = lambda: learning_curves(group, f"{head}: learning curves", verdict)
    else:
        (folder / "curves.png").unlink(missing_ok=True)  # one drawn before the variant had several seeds
    if len(group) == 1:
        drawings["loss_shares"] = lambda: loss_shares(first, f"{head}: loss balance over epochs")
        drawings["tracked"] = lambda: tracked(first, f"{head}: tracked parameters")
    elif verdict is not None:
        drawings["criteria"] = lambda: criteria_over_seeds(verdict, f"{head}: criteria over seeds")
    return _draw_all(drawings, folder, newest)


def experiment_figures(judged: Sequence[tuple[list[RunRecord], Verdict]], folder: Path, rank_key: str | None,
                       newest: float | None = None) -> dict[str, str]:
    """The figures of ``REPORT.md``: the ranking of the variants on ``rank_key`` (two or more variants),
    and for an arms experiment the arms side by side and its criteria over seeds."""
    if not available() or not judged:
        return {}
    from vifspec.figures.compare import arms_drawings, ranking_drawing

    title = _title(judged[0][0][0])
    drawings: dict[str, Draw] = {}
    variants = [(g, v) for g, v in judged if not is_experiment_group(g)]
    if len(variants) > 1 and rank_key:
        drawings["ranking"] = lambda: ranking_drawing(variants, rank_key, f"{title}: variants ranked")
    for group, verdict in judged:
        if group[0].arm:
            drawings |= arms_drawings(group, verdict, title)
    return _draw_all(drawings, folder, newest)


__all__ = ["PLOTS_HINT", "available", "experiment_figures", "run_figures"]

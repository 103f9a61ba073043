"""Tracking exporters: ``vifspec run SPEC --log mlflow|tensorboard`` (optional extras, imported lazily).

- ``mlflow``: :class:`~vifspec.tracking.mlflow_export.MlflowTracker` (``pip install 'vifspec[mlflow]'``)
- ``tensorboard``: :class:`~vifspec.tracking.tensorboard_export.TensorBoardTracker`
  (``pip install 'vifspec[tensorboard]'``)

What each logs is computed once in :mod:`vifspec.tracking.base`.
"""

from __future__ import annotations

from pathlib import Path

from vifspec.tracking.base import Say, Tracker

TRACKERS = ("mlflow", "tensorboard")


def tracker_for(kind: str, out: str | Path, say: Say) -> Tracker:
    """The exporter named ``kind``; a missing backend is an error naming its install command."""
    if kind == "mlflow":
        from vifspec.tracking.mlflow_export import MlflowTracker

        return MlflowTracker(out, say)
    if kind == "tensorboard":
        from vifspec.tracking.tensorboard_export import TensorBoardTracker

        return TensorBoardTracker(out, say)
    raise ValueError(f"unknown tracker {kind!r}; choose one of {', '.join(TRACKERS)}")


__all__ = ["TRACKERS", "Tracker", "tracker_for"]

"""The spec language: the schema, reading a file, dotted-key overrides, validation with placed errors.

``from vifspec.spec import Spec`` (and the other schema models) stays the import path of the schema;
``[train]``'s models live in :mod:`vifspec.spec.train`, the shared field types in :mod:`vifspec.spec.fields`.
"""

from __future__ import annotations

from vifspec.spec.fields import ID_PATTERN
from vifspec.spec.schema import (
    Baseline, CollapseGuard, Data, Experiment, Gate, Guards, LossTerm, MetricDef, Model, Report, Spec, Track, VerdictSettings,
)
from vifspec.spec.train import EarlyStopping, Optimizer, Train

__all__ = [
    "ID_PATTERN", "Baseline", "CollapseGuard", "Data", "EarlyStopping", "Experiment", "Gate", "Guards", "LossTerm",
    "MetricDef", "Model", "Optimizer", "Report", "Spec", "Track", "Train", "VerdictSettings",
]

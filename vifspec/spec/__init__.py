"""The spec language: the schema, reading a file, dotted-key overrides, validation with placed errors.

``from vifspec.spec import Spec`` (and the other schema models) stays the import path of the schema.
"""

from __future__ import annotations

from vifspec.spec.schema import (
    ID_PATTERN, Baseline, CollapseGuard, Data, EarlyStopping, Experiment, Gate, Guards, LossTerm, MetricDef, Model,
    Optimizer, Report, Spec, Track, Train, VerdictSettings,
)

__all__ = [
    "ID_PATTERN", "Baseline", "CollapseGuard", "Data", "EarlyStopping", "Experiment", "Gate", "Guards", "LossTerm",
    "MetricDef", "Model", "Optimizer", "Report", "Spec", "Track", "Train", "VerdictSettings",
]

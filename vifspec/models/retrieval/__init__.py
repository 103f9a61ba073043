"""Contrastive retrieval models (seed 003: the Phase 1 contrastive gate) and the query baseline.

Torch-free: the classes are exported lazily; ``register`` only declares where they live.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["Retriever", "QueryAsPrediction", "register"]
__getattr__ = lazy_exports(__name__, {"Retriever": "model", "QueryAsPrediction": "baselines"})


def register(registry: Registry) -> None:
    registry.add(
        "model",
        "retriever",
        "vifspec.models.retrieval.model:Retriever",
        summary="query -> target predictor with a projection head for InfoNCE and per-query latency",
    )
    registry.add(
        "model",
        "query_as_prediction",
        "vifspec.models.retrieval.baselines:QueryAsPrediction",
        summary="trivial baseline: the prediction is the query itself",
        trivial=True,
    )

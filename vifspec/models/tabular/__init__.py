"""Tabular binary classifiers (seed 004): an MLP over per-feature embeddings, a prior-rate baseline.

Torch-free: the classes live in :mod:`vifspec.models.tabular.mlp` and
:mod:`vifspec.models.tabular.baselines` and are imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["EMBEDDINGS", "EmbeddingMLP", "Prior", "register"]
__getattr__ = lazy_exports(__name__, {"EmbeddingMLP": "mlp", "Prior": "baselines"})

EMBEDDINGS = ("per_feature", "linear")


def register(registry: Registry) -> None:
    registry.add(
        "model",
        "embed_mlp",
        "vifspec.models.tabular.mlp:EmbeddingMLP",
        summary="MLP binary classifier over per-feature embeddings (or a linear projection) of width d_embed.",
    )
    registry.add(
        "model",
        "tabular_prior",
        "vifspec.models.tabular.baselines:Prior",
        summary="Trivial baseline: every row gets the train positive rate.",
        trivial=True,
    )

"""Synthetic query/target retrieval pairs with a leaked test split (seed 003: Phase 1 gate).

Torch-free: the generator is exported lazily; ``register`` only declares where it lives.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["retrieval_synthetic", "register"]
__getattr__ = lazy_exports(__name__, {"retrieval_synthetic": "synthetic"})


def register(registry: Registry) -> None:
    registry.add(
        "dataset",
        "retrieval_synthetic",
        "vifspec.datasets.retrieval.synthetic:retrieval_synthetic",
        summary="query/next-chunk pairs grouped into articles; a share eval_overlap of test items copied from train",
    )

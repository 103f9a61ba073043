"""Synthetic next-vector sequences (seed 002: the LVM comparison with its copy-last basin).

Torch-free: the generator is exported lazily; ``register`` only declares where it lives.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["vector_sequences", "register"]
__getattr__ = lazy_exports(__name__, {"vector_sequences": "synthetic"})


def register(registry: Registry) -> None:
    registry.add(
        "dataset",
        "vector_sequences",
        "vifspec.datasets.vectors.synthetic:vector_sequences",
        summary="unit-vector walks on the sphere: train/val/test plus an OOD drift family; copy-last is strong",
    )

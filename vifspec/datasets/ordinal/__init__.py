"""Ordinal value-critic datasets (seed 000): state vectors labelled −1/0/+1 on 10 value dimensions.

Torch-free: the generator lives in :mod:`vifspec.datasets.ordinal.synthetic` and is imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["ordinal_synthetic", "register"]
__getattr__ = lazy_exports(__name__, {"ordinal_synthetic": "synthetic"})


def register(registry: Registry) -> None:
    registry.add(
        "dataset",
        "ordinal_synthetic",
        "vifspec.datasets.ordinal.synthetic:ordinal_synthetic",
        summary="Synthetic value critic: embedding-like states, 10 dimensions labelled -1/0/+1, rare -1, dominant 0.",
    )

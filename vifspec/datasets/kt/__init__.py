"""Knowledge-tracing datasets (seed 001): synthetic students with known per-skill learning gains.

Torch-free: the generator lives in :mod:`vifspec.datasets.kt.synthetic` and is imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["kt_synthetic", "register"]
__getattr__ = lazy_exports(__name__, {"kt_synthetic": "synthetic"})


def register(registry: Registry) -> None:
    registry.add(
        "dataset",
        "kt_synthetic",
        "vifspec.datasets.kt.synthetic:kt_synthetic",
        summary="Synthetic knowledge tracing: students practise skills whose true learning gains are known.",
    )

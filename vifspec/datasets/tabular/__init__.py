"""Tabular binary-classification datasets (seed 004): feature tiers, few informative features, rare positives.

Torch-free: the generator lives in :mod:`vifspec.datasets.tabular.synthetic` and is imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["TIERS", "register", "tabular_synthetic"]
__getattr__ = lazy_exports(__name__, {"tabular_synthetic": "synthetic"})

TIERS = {"a20": 20, "a100": 100, "a200": 200, "a500": 500}


def register(registry: Registry) -> None:
    registry.add(
        "dataset",
        "tabular_synthetic",
        "vifspec.datasets.tabular.synthetic:tabular_synthetic",
        summary=f"Synthetic tabular classifier data: tiers {', '.join(TIERS)} (feature counts), rare positives.",
    )

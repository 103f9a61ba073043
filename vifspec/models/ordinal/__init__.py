"""Ordinal value-critic models (seed 000): an MLP critic with five interchangeable heads, a majority baseline.

Torch-free: the classes live in :mod:`vifspec.models.ordinal.critic` and
:mod:`vifspec.models.ordinal.baselines` and are imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["HEADS", "Majority", "OrdinalCritic", "register"]
__getattr__ = lazy_exports(__name__, {"OrdinalCritic": "critic", "Majority": "baselines"})

HEADS = ("coral", "corn", "emd", "soft_ordinal", "mse")


def register(registry: Registry) -> None:
    registry.add(
        "model",
        "ordinal_critic",
        "vifspec.models.ordinal.critic:OrdinalCritic",
        summary=f"MLP value critic: shared trunk, per-dimension ordinal head ({', '.join(HEADS)}).",
    )
    registry.add(
        "model",
        "ordinal_majority",
        "vifspec.models.ordinal.baselines:Majority",
        summary="Trivial baseline: the most frequent train class of every dimension (hedging made explicit).",
        trivial=True,
    )

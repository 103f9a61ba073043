"""Next-vector prediction models (seed 002: the LVM comparison) and the copy-last baseline.

Torch-free: the classes are exported lazily; ``register`` only declares where they live.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["NextVectorPredictor", "CopyLast", "register"]
__getattr__ = lazy_exports(__name__, {"NextVectorPredictor": "predictor", "CopyLast": "baselines"})


def register(registry: Registry) -> None:
    registry.add(
        "model",
        "next_vector",
        "vifspec.models.vectors.predictor:NextVectorPredictor",
        summary="MLP/GRU/Transformer next-vector predictor with shuffled-context ablation and rollout outputs",
    )
    registry.add(
        "model",
        "copy_last",
        "vifspec.models.vectors.baselines:CopyLast",
        summary="trivial baseline: the next vector is the last context vector",
        trivial=True,
    )

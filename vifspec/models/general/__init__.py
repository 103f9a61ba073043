"""Task-agnostic models for a researcher's own tables: an MLP for classification or regression and
the trivial baselines every such task is compared with (majority class; mean and median).

Torch-free: the classes live in :mod:`vifspec.models.general.mlp` and
:mod:`vifspec.models.general.baselines` and are imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["ACTIVATIONS", "MLP", "Majority", "Mean", "Median", "register"]
__getattr__ = lazy_exports(__name__, {"MLP": "mlp", "Majority": "baselines", "Mean": "baselines", "Median": "baselines"})

ACTIVATIONS = ("relu", "gelu", "silu", "tanh", "leaky_relu", "elu")


def register(registry: Registry) -> None:
    registry.add(
        "model",
        "mlp",
        "vifspec.models.general.mlp:MLP",
        summary="MLP over batch['x']: hidden sizes, dropout, activation, any number of outputs (logits, probs, preds).",
    )
    trivial = {
        "majority": ("Majority", "Trivial classifier: the train class frequencies (predicts the majority class)."),
        "mean": ("Mean", "Trivial regressor: the train mean of the target."),
        "median": ("Median", "Trivial regressor: the train median of the target."),
    }
    for name, (cls, summary) in trivial.items():
        registry.add("model", name, f"vifspec.models.general.baselines:{cls}", summary=summary, trivial=True)

"""The plugin's components (these import torch)."""

import torch
import torch.nn.functional as F


def huber(preds: torch.Tensor, target: torch.Tensor, delta: float = 1.0) -> torch.Tensor:
    """Huber loss: 0.5 e^2 for |e| <= delta, else delta (|e| - 0.5 delta); mean over elements.

    Reference: Huber (1964), "Robust Estimation of a Location Parameter"; torch.nn.functional.huber_loss.
    """
    return F.huber_loss(preds, target.to(preds.dtype), delta=delta)


def max_error(preds, target) -> float:
    """max_i |preds_i - target_i| (lower is better). Reference: sklearn.metrics.max_error."""
    preds, target = torch.as_tensor(preds).float(), torch.as_tensor(target).float()
    return float((preds - target).abs().max())

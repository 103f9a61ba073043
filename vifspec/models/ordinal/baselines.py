"""Trivial baseline of the ordinal critic: predict every dimension's most frequent train class."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class Majority(nn.Module):
    """Majority class per dimension (the hedging predictor of seed 000); no trainable parameters.

    ``fit`` stores the train class frequencies of every dimension; ``forward`` returns them as
    ``probs`` [B, D, K], their argmax as ``label`` [B, D] and Σ_k k·probs_k as ``expected`` [B, D].
    """

    def __init__(self, dims: int = 10, num_classes: int = 3) -> None:
        super().__init__()
        self.dims, self.num_classes = dims, num_classes
        self.register_buffer("class_freq", torch.full((dims, num_classes), 1.0 / num_classes))
        self.fitted = False

    def fit(self, train: dict[str, Tensor]) -> None:
        """Count the classes of ``train["target"]`` [N, D] (class indices) per dimension."""
        target = torch.as_tensor(train["target"]).long().reshape(-1, self.dims)
        counts = nn.functional.one_hot(target, self.num_classes).sum(0).to(self.class_freq)
        self.class_freq.copy_(counts / counts.sum(-1, keepdim=True))
        self.fitted = True

    def forward(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        if not self.fitted:
            raise RuntimeError("ordinal_majority: call fit(train) before forward")
        batch_size = next(iter(batch.values())).shape[0]
        probs = self.class_freq.expand(batch_size, -1, -1)
        classes = torch.arange(self.num_classes, device=probs.device, dtype=probs.dtype)
        return {"label": probs.argmax(-1), "probs": probs, "expected": probs @ classes}

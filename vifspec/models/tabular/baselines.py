"""Trivial baseline of the tabular classifier: the train positive rate for every row."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class Prior(nn.Module):
    """Predict p = mean(train target) for every row; ``logits`` = log(p / (1 - p)), ``probs`` = p and
    ``calls`` = 1[p >= 0.5], all [B].

    Its AUC is 0.5 and its precision undefined: the floor every trained classifier must clear.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("rate", torch.tensor(0.5))
        self.fitted = False

    def fit(self, train: dict[str, Tensor]) -> None:
        """Store the positive rate of ``train["target"]`` (0/1 values)."""
        self.rate.copy_(torch.as_tensor(train["target"]).float().mean())
        self.fitted = True

    def forward(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        if not self.fitted:
            raise RuntimeError("tabular_prior: call fit(train) before forward")
        batch_size = next(iter(batch.values())).shape[0]
        probs = self.rate.expand(batch_size)
        return {"logits": torch.logit(probs, eps=1e-6), "probs": probs, "calls": (probs >= 0.5).to(probs.dtype)}

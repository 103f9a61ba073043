"""What every retrieval model shares: the evaluation-only per-query latency output."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

import torch
from torch import nn


class TimedRetrievalModel(nn.Module, ABC):
    """Base of retrieval models: subclasses implement :meth:`compute` (batch -> outputs).

    When ``not self.training``, ``forward`` adds ``latency_ms`` [B]: the wall time of
    :meth:`compute` for the whole batch (``time.perf_counter``; on CUDA the device is
    synchronised before and after, so queued kernels are counted) divided by the batch size and
    repeated for every query, so ``percentile(latency_ms, 95)`` reads the seed's "P95" column.
    It is an evaluation-only output: it depends on the machine and the batch size, never on the
    weights, and is not meant to be bound to a loss.
    """

    @abstractmethod
    def compute(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The model's outputs for one batch (each with the batch size as first dimension)."""

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.training:
            return self.compute(batch)
        query = batch["query"]
        _synchronise(query.device)
        start = time.perf_counter()
        outputs = self.compute(batch)
        _synchronise(query.device)
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        outputs["latency_ms"] = torch.full((len(query),), elapsed_ms / len(query), device=query.device)
        return outputs


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)

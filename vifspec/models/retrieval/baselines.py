"""Trivial retrieval baseline of seed 003: use the query itself as the prediction."""

from __future__ import annotations

import torch

from vifspec.models.retrieval.base import TimedRetrievalModel


class QueryAsPrediction(TimedRetrievalModel):
    """``pred = query`` (no parameters): retrieval by plain similarity to the query.

    It scores what copying earns on a pool that holds the query's own article (the copy-last trap
    of retrieval). In evaluation mode it also returns ``latency_ms`` like
    :class:`~vifspec.models.retrieval.model.Retriever`, so the same metrics apply.
    """

    def __init__(self) -> None:
        """No parameters; the explicit empty signature keeps the dataset ``info`` from being passed in."""
        super().__init__()

    def compute(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"pred": batch["query"]}

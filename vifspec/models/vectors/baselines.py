"""Trivial next-vector baseline of seed 002: copy the last context vector."""

from __future__ import annotations

import torch

from vifspec.models.vectors.base import SequencePredictor


class CopyLast(SequencePredictor):
    """Predict the next vector as the last one: ``pred = context[:, -1]`` (no parameters).

    It has the same evaluation outputs as :class:`~vifspec.models.vectors.predictor.NextVectorPredictor`:
    its shuffled-history prediction equals ``pred`` and its rollout repeats the last vector.
    """

    def __init__(self) -> None:
        """No parameters; the explicit empty signature keeps the dataset ``info`` from being passed in."""
        super().__init__()

    def predict(self, context: torch.Tensor) -> torch.Tensor:
        return context[:, -1]

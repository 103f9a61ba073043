"""What every next-vector model shares: the evaluation-only ablation and rollout outputs."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch
from torch import nn

from vifspec.outputs import wanted

SHUFFLE_SEED = 0


class SequencePredictor(nn.Module, ABC):
    """Base of next-vector models: subclasses implement :meth:`predict` (context -> next vector).

    ``forward(batch)`` reads ``batch["context"]`` [B, C, dim] and returns ``pred`` [B, dim]. When
    ``not self.training`` it also returns the 5CAT evaluation outputs of seed 002:

    - ``pred_shuffled`` [B, dim]: the prediction from a context whose first ``C - 1`` vectors are
      put in a random order (the last one stays last), so a model that only copies the last vector
      loses nothing and a model that reads the forward direction loses its signal (ablation test);
    - ``rollout`` [B, R, dim] and ``rollout_target`` [B, R, dim] when the batch has ``future``
      [B, R, dim]: ``R`` autoregressive steps, each prediction appended to the sliding context
      (rollout test: ``mean_cosine(rollout, rollout_target)``). With ``train_rollout`` set they
      are also returned in training mode, with gradients through every step (a rollout loss term).

    In evaluation each of them is computed only when something reads it (:func:`vifspec.outputs.wanted`).
    """

    @abstractmethod
    def predict(self, context: torch.Tensor) -> torch.Tensor:
        """The next vector [B, dim] from a context [B, C, dim]."""

    #: Also return ``rollout`` / ``rollout_target`` in training mode, so a loss term can bind them.
    train_rollout: bool = False

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        context = batch["context"]
        outputs = {"pred": self.predict(context)}
        if not self.training and wanted("pred_shuffled"):
            outputs["pred_shuffled"] = self.predict(shuffle_history(context))
        if "future" in batch and (self.train_rollout if self.training else wanted("rollout", "rollout_target")):
            outputs["rollout"] = self.rollout(context, batch["future"].shape[1])
            outputs["rollout_target"] = batch["future"]
        return outputs

    def rollout(self, context: torch.Tensor, steps: int) -> torch.Tensor:
        """``steps`` autoregressive predictions [B, steps, dim], feeding each one back as the newest vector."""
        window, predictions = context, []
        for _ in range(steps):
            step = self.predict(window)
            predictions.append(step)
            window = torch.cat([window[:, 1:], step.unsqueeze(1)], dim=1)
        return torch.stack(predictions, dim=1)


def shuffle_history(context: torch.Tensor) -> torch.Tensor:
    """Permute the first ``C - 1`` positions of each sample's context; the last vector stays last.

    The permutations come from a generator with a fixed seed, so evaluation is deterministic.
    """
    batch, length = context.shape[:2]
    generator = torch.Generator().manual_seed(SHUFFLE_SEED)
    history_order = torch.rand(batch, length - 1, generator=generator).argsort(dim=1)
    order = torch.cat([history_order, torch.full((batch, 1), length - 1)], dim=1).to(context.device)
    return context.gather(1, order.unsqueeze(-1).expand_as(context))

"""Next-vector predictors of seed 002: MLP, GRU or Transformer over a context of vectors."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from vifspec.models.vectors.base import SequencePredictor

EncoderKind = Literal["mlp", "gru", "transformer"]


class NextVectorPredictor(SequencePredictor):
    """Predict the unit vector that follows a context of ``context`` unit vectors of size ``dim``.

    An encoder turns the context [B, C, dim] into a summary [B, hidden]; a linear head maps it to
    ``dim``. ``pred = normalise(head)``, or with ``residual=True`` the seed's residual architecture
    ``pred = normalise(last + residual_scale * head)`` (P2: "ŷ = norm(u + α·Δ)"), which makes
    copying the last vector the starting point: with a small ``residual_scale`` the head's output
    must grow by ``1 / residual_scale`` before the prediction leaves the last vector, so training
    moves it away slowly. Encoders (``kind``):

    - ``"mlp"``: the flattened context through ``layers`` ReLU layers of width ``hidden``;
    - ``"gru"``: a ``layers``-deep GRU; the summary is its last hidden state;
    - ``"transformer"``: vectors embedded to ``hidden`` plus learned position embeddings, a
      ``layers``-deep Transformer encoder (``heads`` heads); the summary is the last position.

    Evaluation-only outputs (``pred_shuffled``, ``rollout``, ``rollout_target``): see
    :class:`~vifspec.models.vectors.base.SequencePredictor`; ``train_rollout=True`` also returns the
    rollout outputs in training mode (for a rollout loss term, seed 002's P4).
    """

    def __init__(
        self,
        dim: int,
        context: int,
        hidden: int = 128,
        layers: int = 2,
        kind: EncoderKind = "mlp",
        residual: bool = False,
        residual_scale: float = 1.0,
        heads: int = 4,
        train_rollout: bool = False,
    ) -> None:
        super().__init__()
        self.train_rollout = train_rollout
        if layers < 1:
            raise ValueError(f"layers must be >= 1, got {layers}")
        self.kind, self.residual, self.residual_scale = kind, residual, residual_scale
        self.encoder = _encoder(kind, dim, context, hidden, layers, heads)
        self.head = nn.Linear(hidden, dim)

    def predict(self, context: torch.Tensor) -> torch.Tensor:
        step = self.head(self.encoder(context))
        if self.residual:
            step = context[:, -1] + self.residual_scale * step
        return nn.functional.normalize(step, dim=-1)


def _encoder(kind: str, dim: int, context: int, hidden: int, layers: int, heads: int) -> nn.Module:
    if kind == "mlp":
        return _MLPEncoder(dim * context, hidden, layers)
    if kind == "gru":
        return _GRUEncoder(dim, hidden, layers)
    if kind == "transformer":
        return _TransformerEncoder(dim, context, hidden, layers, heads)
    raise ValueError(f"unknown kind {kind!r}; expected 'mlp', 'gru' or 'transformer'")


class _MLPEncoder(nn.Module):
    def __init__(self, in_features: int, hidden: int, layers: int) -> None:
        super().__init__()
        widths = [in_features] + [hidden] * layers
        blocks: list[nn.Module] = []
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            blocks += [nn.Linear(width_in, width_out), nn.ReLU()]
        self.net = nn.Sequential(nn.Flatten(), *blocks)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        return self.net(context)


class _GRUEncoder(nn.Module):
    def __init__(self, dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.gru = nn.GRU(dim, hidden, num_layers=layers, batch_first=True)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        _, last_hidden = self.gru(context)
        return last_hidden[-1]


class _TransformerEncoder(nn.Module):
    def __init__(self, dim: int, context: int, hidden: int, layers: int, heads: int) -> None:
        super().__init__()
        if hidden % heads:
            raise ValueError(f"hidden ({hidden}) must be divisible by heads ({heads})")
        self.embed = nn.Linear(dim, hidden)
        self.position = nn.Parameter(torch.zeros(context, hidden))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=2 * hidden, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers, enable_nested_tensor=False)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.embed(context) + self.position)[:, -1]

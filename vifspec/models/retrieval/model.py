"""Next-chunk retriever of seed 003 (Phase 1 contrastive gate): raw prediction plus projection head."""

from __future__ import annotations

import torch
from torch import nn

from vifspec.models.retrieval.base import TimedRetrievalModel


class Retriever(TimedRetrievalModel):
    """Predict the target vector of a query, in raw space and through a projection head.

    Outputs (all unit-normalised, so cosine similarity is a dot product):

    - ``pred`` [B, dim]: ``normalise(MLP(query))``, a 2-layer MLP of width ``hidden`` — the raw-space
      prediction that cosine / MSE losses and retrieval metrics compare with ``target``;
    - ``pred_proj`` and ``target_proj`` [B, proj_dim]: ``normalise(g(pred))`` and
      ``normalise(g(target))`` through one shared projection head ``g`` (``dim -> hidden -> proj_dim``),
      the space where the seed applied InfoNCE (SimCLR-style head, Chen et al. 2020). With
      ``use_projection=False`` ``g`` is the identity: ``pred_proj = pred``, ``target_proj =
      normalise(target)`` (the seed's "Option 1": InfoNCE on raw vectors); their width is then ``dim``.
      ``target_proj`` is only produced when the batch has ``target``;
    - ``latency_ms`` [B] in evaluation mode only (see :class:`~vifspec.models.retrieval.base.TimedRetrievalModel`).
    """

    def __init__(self, dim: int, hidden: int = 128, proj_dim: int = 32, use_projection: bool = True) -> None:
        super().__init__()
        self.predictor = _mlp(dim, hidden, dim)
        self.projection = _mlp(dim, hidden, proj_dim) if use_projection else nn.Identity()

    def compute(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        pred = nn.functional.normalize(self.predictor(batch["query"]), dim=-1)
        outputs = {"pred": pred, "pred_proj": self.project(pred)}
        if "target" in batch:
            outputs["target_proj"] = self.project(batch["target"])
        return outputs

    def project(self, vectors: torch.Tensor) -> torch.Tensor:
        """Unit-normalised projection of ``vectors`` [B, dim] -> [B, proj_dim] (or [B, dim] without a head)."""
        return nn.functional.normalize(self.projection(vectors), dim=-1)


def _mlp(in_features: int, hidden: int, out_features: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features))

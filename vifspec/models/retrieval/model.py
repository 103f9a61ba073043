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
      ``normalise(g(target))`` through one shared projection head ``g`` (``dim -> hidden -> proj_dim``,
      then a parameter-free batch norm when ``batch_norm``, as the heads of SimCLR v2 and MoCo v3
      end), the space where the seed applied InfoNCE (SimCLR-style head, Chen et al. 2020). With
      ``use_projection=False`` ``g`` is the identity: ``pred_proj = pred``, ``target_proj =
      normalise(target)`` (the seed's "Option 1": InfoNCE on raw vectors); their width is then ``dim``.
      ``target_proj`` is only produced when the batch has ``target``;
    - ``latency_ms`` [B] in evaluation mode only (see :class:`~vifspec.models.retrieval.base.TimedRetrievalModel`).

    The head is called once on the predictions and once on the targets (the seed's
    ``projection_head(pred)``, ``projection_head(target)``). In training its batch norm therefore
    centres each cloud on its own mean, so InfoNCE, which only asks each prediction to be nearer
    its own target than the other targets, never sees where the cloud of predictions sits relative
    to the cloud of targets. In evaluation the running statistics are pooled over both calls: both
    clouds are centred on their common mean (the running average of both calls' means), and their
    mean parts point in nearly opposite directions (``c_pred ≈ -c_target``). The projected cosine of a pair is then its item-specific agreement
    minus ``|c|^2``: where the predictions are told apart from the targets (they regress towards
    the mean of anisotropic embeddings, see :func:`~vifspec.datasets.retrieval.retrieval_synthetic`)
    and the item-specific agreement is weak, it is negative while the raw cosine stays positive
    (seed 003: raw +0.22, projected -0.12, "the projection head learned to optimize InfoNCE in a
    way that's incompatible with raw vector predictions").
    """

    def __init__(
        self, dim: int, hidden: int = 128, proj_dim: int = 32, use_projection: bool = True, batch_norm: bool = True
    ) -> None:
        super().__init__()
        self.predictor = _mlp(dim, hidden, dim)
        self.projection = _projection_head(dim, hidden, proj_dim, batch_norm) if use_projection else nn.Identity()

    def compute(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        pred = nn.functional.normalize(self.predictor(batch["query"]), dim=-1)
        outputs = {"pred": pred, "pred_proj": self.project(pred)}
        if "target" in batch:
            outputs["target_proj"] = self.project(batch["target"])
        return outputs

    def project(self, vectors: torch.Tensor) -> torch.Tensor:
        """Unit-normalised projection of ``vectors`` [B, dim] -> [B, proj_dim] (or [B, dim] without a head).

        A training batch of one row cannot be standardised by its own statistics: it is projected
        with the running ones, as in evaluation.
        """
        if self.training and len(vectors) == 1:
            self.projection.eval()
            try:
                return nn.functional.normalize(self.projection(vectors), dim=-1)
            finally:
                self.projection.train()
        return nn.functional.normalize(self.projection(vectors), dim=-1)


def _mlp(in_features: int, hidden: int, out_features: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features))


def _projection_head(dim: int, hidden: int, proj_dim: int, batch_norm: bool) -> nn.Sequential:
    """``dim -> hidden -> proj_dim`` MLP, ending with a parameter-free batch norm when ``batch_norm``."""
    head = _mlp(dim, hidden, proj_dim)
    return head.append(nn.BatchNorm1d(proj_dim, affine=False)) if batch_norm else head

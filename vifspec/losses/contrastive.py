"""Contrastive loss with in-batch negatives (InfoNCE)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from vifspec.losses._common import check_same_shape


def info_nce(
    query: Tensor, keys: Tensor, temperature: float = 0.07, symmetric: bool = False, normalize: bool = True
) -> Tensor:
    """InfoNCE with in-batch negatives: row ``i`` of ``keys`` is the positive of query ``i``.

    ``S_ij = cos(q_i, k_j) / temperature`` (``q_i . k_j / temperature`` with ``normalize=False``),
    ``L = -mean_i log softmax_j(S_ij)[i]`` = ``cross_entropy(S, arange(N))``; ``symmetric=True``
    averages it with the keys-to-queries direction ``cross_entropy(S^T, arange(N))`` (CLIP).
    Vectors are along the last dimension; leading dimensions are flattened into the batch.
    References: van den Oord, Li & Vinyals (2018), "Representation learning with contrastive predictive
    coding", arXiv:1807.03748; Radford et al. (2021), CLIP, ICML.
    """
    check_same_shape(query, keys, ("query", "keys"))
    query = query.reshape(-1, query.shape[-1])
    keys = keys.reshape(-1, keys.shape[-1]).to(query.dtype)
    if normalize:
        query, keys = F.normalize(query, dim=-1), F.normalize(keys, dim=-1)
    similarities = query @ keys.T / temperature
    positives = torch.arange(similarities.shape[0], device=similarities.device)
    loss = F.cross_entropy(similarities, positives)
    if symmetric:
        loss = (loss + F.cross_entropy(similarities.T, positives)) / 2
    return loss

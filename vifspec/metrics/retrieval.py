"""Retrieval metrics (seeds 002, 003): cosine nearest-neighbour hits and train/eval leakage.

For :func:`recall_at_k` and :func:`contain_at_k`, query ``i`` is ``preds[i]`` and the candidate
pool is every row of ``target`` in the split, ranked by cosine similarity; ``target[i]`` is the
query's own item. Leading dimensions of ``[..., D]`` inputs are flattened. The similarity matrix
is scored in blocks of queries, so memory stays bounded; the cost is ``O(N^2 D)``.
Ties are counted in the query's favour: a candidate outranks the query's item only when its
similarity is strictly higher.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from vifspec.metrics._common import as_tensor, as_vectors, common_device, share, to_float

SIMILARITY_BLOCK_ELEMENTS = 1 << 24
NEVER = torch.iinfo(torch.int64).max  # the rank of a query whose own similarity is NaN: a miss at every k


def _unit_rows(x: Any, device: torch.device | None = None) -> torch.Tensor:
    vectors = as_vectors(x, device)
    return F.normalize(vectors.reshape(-1, vectors.shape[-1]), dim=1)


def _group_hits(preds: Any, target: Any, groups: Any, k: int) -> torch.Tensor:
    """Per query: is some candidate of the query's group (its own row when ``groups`` is None) in the top ``k``?"""
    return _own_ranks(preds, target, groups) < k


def _own_ranks(preds: Any, target: Any, groups: Any) -> torch.Tensor:
    """Per query: how many candidates are strictly more similar than its own item (the best of its
    group); a query whose own similarity is NaN ranks below every candidate, and a NaN candidate
    outranks nothing.

    R@1, R@5, ... on one split rank the same pool: the last result is kept, by the identity and
    version of its input tensors, so the similarity matrix is scored once for all of them."""
    global _LAST
    key = (preds, target, groups)
    versions = tuple(getattr(x, "_version", None) for x in key)
    last = _LAST
    if last is not None and all(a is b for a, b in zip(last[0], key)) and last[1] == versions:
        return last[2]
    ranks = _score_ranks(preds, target, None if groups is None else as_tensor(groups).reshape(-1))
    _LAST = (key, versions, ranks) if all(isinstance(x, torch.Tensor) for x in key if x is not None) else None
    return ranks


_LAST: tuple[tuple[Any, ...], tuple[Any, ...], torch.Tensor] | None = None


def _score_ranks(preds: Any, target: Any, groups: torch.Tensor | None) -> torch.Tensor:
    queries = _unit_rows(preds, common_device(preds, target))
    candidates = _unit_rows(target, queries.device)
    n = queries.shape[0]
    if candidates.shape[0] != n:
        raise ValueError(f"{n} queries but {candidates.shape[0]} candidates: one target row per query")
    if groups is not None:
        groups = groups.to(queries.device)
        if groups.numel() != n:
            raise ValueError(f"{groups.numel()} group ids for {n} queries")
    block = max(1, SIMILARITY_BLOCK_ELEMENTS // max(n, 1))
    ranks = []
    for start in range(0, n, block):
        sims = queries[start : start + block] @ candidates.T
        if groups is None:
            best = sims.diagonal(offset=start)
        else:
            same = groups[start : start + block, None] == groups[None, :]
            best = sims.masked_fill(~same, float("-inf")).amax(dim=1)
        above = (sims > best[:, None]).sum(dim=1)  # NaN compares false: a NaN candidate outranks nothing
        ranks.append(above.masked_fill(best.isnan(), NEVER))
    return torch.cat(ranks) if ranks else torch.zeros(0, dtype=torch.int64, device=queries.device)


def recall_at_k(preds: Any, target: Any, k: int = 1) -> float:
    """Recall@k: share of queries whose own item ``target[i]`` is among the ``k`` rows most similar to ``preds[i]``.

    ``R@k = mean_i 1[#{j : cos(p_i, t_j) > cos(p_i, t_i)} < k]`` (seed 003 "R@1/5/10").
    Reference: Jegou et al. 2011, "Product quantization for nearest neighbor search" (recall@R).
    Higher is better.
    """
    return to_float(share(_group_hits(preds, target, None, k)))


def contain_at_k(preds: Any, target: Any, groups: Any, k: int = 50) -> float:
    """Contain@k: share of queries with at least one candidate of their own group in the top ``k``.

    ``mean_i 1[#{j : cos(p_i, t_j) > max_{g_l = g_i} cos(p_i, t_l)} < k]`` with ``groups`` integer
    ids per row (e.g. the source document). Reference: the Contain@50 metric of seed 003.
    Higher is better.
    """
    return to_float(share(_group_hits(preds, target, groups, k)))


def recall_hits(preds: Any, target: Any, k: int = 1) -> torch.Tensor:
    """Each query's R@k hit (0/1) among every candidate of the split; their mean is :func:`recall_at_k`."""
    return _group_hits(preds, target, None, k)


def contain_hits(preds: Any, target: Any, groups: Any, k: int = 50) -> torch.Tensor:
    """Each query's Contain@k hit (0/1) among every candidate of the split; their mean is :func:`contain_at_k`."""
    return _group_hits(preds, target, groups, k)


# Test resampling draws the queries' hits, so the candidate pool keeps its size (vifspec.executor.resample).
recall_at_k.per_example_values = recall_hits  # type: ignore[attr-defined]
contain_at_k.per_example_values = contain_hits  # type: ignore[attr-defined]


def overlap(ids: Any, reference_ids: Any) -> float:
    """Leakage: share of ``ids`` that also occur in ``reference_ids`` (``mean_i 1[ids_i in reference_ids]``).

    Bind ``reference_ids`` to the train split (``"train:item_id"``) to measure train/eval overlap
    (seed 003: "91.5% overlap"). Ids are compared element-wise after flattening.
    Reference: ``numpy.isin``. Lower is better.
    """
    values = as_tensor(ids, common_device(ids, reference_ids)).reshape(-1)
    reference = as_tensor(reference_ids, values.device).reshape(-1)
    return to_float(share(torch.isin(values, reference)))

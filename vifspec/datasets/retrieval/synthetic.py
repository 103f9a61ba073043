"""Synthetic contrastive-retrieval pairs with a leaked evaluation split (seed 003, Phase 1 gate).

Articles are walks of chunk vectors on the unit sphere: chunk ``j + 1`` is
``normalise(R x[j] + TOPIC_PULL * topic + noise)`` with one fixed rotation ``R`` (the "flow"
shared by all articles, turning every vector by ``flow_angle``) and a topic vector per article.
An item is the pair (query = chunk ``j``, target = chunk ``j + 1``). The query itself and the
neighbouring chunks of its article are in the retrieval pool, so predicting the query (copying)
retrieves the wrong chunk, while the flow can be learned from the training pairs.

Train, val and the fresh part of test hold disjoint articles. The test split is then filled up
with items copied from train so that a share ``eval_overlap`` of its items also occur in train,
the leak of the seed's evaluation (91.5 % overlap). Finally the test split is the evaluation's own
encoding of its items: every query and target vector is moved by noise of norm ``eval_noise``
(another pipeline encoded them), so a model that fits the training vectors loses much of its
cosine from validation to evaluation although most evaluation items were trained on (seed 003:
"0.5149 training val -> 0.2163 eval cosine", "data leak doesn't save bad models"), and in the
dense pool of re-encoded targets the right one is rarely in the top 5.
"""

from __future__ import annotations

import math

import torch

from vifspec.data import DataBundle
from vifspec.datasets.vectors.sphere import (
    isotropic_noise,
    normalize,
    orthonormal_embedding,
    random_rotation,
    random_unit,
)

TOPIC_PULL = 0.3
TOPIC_SPREAD = 1.0
THEME_SPREAD = 0.5
N_THEMES = 8


def retrieval_synthetic(
    *,
    seed: int,
    n_items: int = 3000,
    dim: int = 64,
    eval_overlap: float = 0.9,
    chunks_per_article: int = 10,
    flow_angle: float = 0.7,
    noise: float = 0.6,
    latent_dim: int = 8,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    eval_noise: float = 0.0,
    anisotropy: float = 0.0,
) -> DataBundle:
    """Query/target pairs pre-split into ``train``, ``val`` and ``test``.

    ``n_items`` unique items are generated; val and test each hold ``round(fraction * n_items)``
    items, of which a share ``eval_overlap`` of the test items are copies of train items (same
    ``item_id`` and ``group``; their vectors re-encoded like every test vector when ``eval_noise``
    is set). ``noise`` is the expected norm of the noise of each step of an article; ``anisotropy``
    the weight of the component every vector shares before it is re-normalised (0: none).
    Fields per split: ``query`` [N, dim], ``target``
    [N, dim] (unit vectors), ``item_id`` [N] (int64, unique per pair) and ``group`` [N] (int64,
    the article).
    """
    if not 0.0 <= eval_overlap <= 1.0:
        raise ValueError(f"eval_overlap must lie in [0, 1], got {eval_overlap}")
    generator = torch.Generator().manual_seed(seed)
    flow = random_rotation(latent_dim, flow_angle, generator)
    themes = random_unit(N_THEMES, latent_dim, generator)
    embedding = orthonormal_embedding(latent_dim, dim, generator)
    n_val, n_test = round(val_fraction * n_items), round(test_fraction * n_items)
    n_copied = round(eval_overlap * n_test)
    n_train = n_items - n_val - (n_test - n_copied)
    if n_train < n_copied or n_train < 1:
        raise ValueError("n_items is too small for the requested val/test fractions")
    sizes = {"test": n_test - n_copied, "val": n_val, "train": n_train}
    splits, first_article = {}, 0
    for name, size in sizes.items():
        splits[name] = _articles(size, first_article, chunks_per_article, themes, flow, noise, generator)
        first_article += math.ceil(size / chunks_per_article)
    common = anisotropy * _common_direction(embedding, generator) if anisotropy else 0.0
    for fields in splits.values():
        for name in ("query", "target"):
            fields[name] = normalize(fields[name] @ embedding + common)
    copied = _copy_articles(splits["train"], n_copied, generator)
    splits["test"] = _reencode(_shuffle(_concat(splits["test"], copied), generator), eval_noise, generator)
    truth = {"eval_overlap": n_copied / max(n_test, 1), "flow_angle": flow_angle}
    return DataBundle(splits=splits, info={"dim": dim}, truth=truth)


def _articles(
    n_items: int,
    first_article: int,
    chunks: int,
    themes: torch.Tensor,
    flow: torch.Tensor,
    noise: float,
    generator: torch.Generator,
) -> dict[str, torch.Tensor]:
    """``n_items`` pairs from consecutive articles numbered from ``first_article`` (the last one cut short)."""
    n_articles = math.ceil(n_items / chunks)
    dim = flow.shape[0]
    theme = themes[torch.randint(len(themes), (n_articles,), generator=generator)]
    topic = normalize(theme + isotropic_noise((n_articles, dim), THEME_SPREAD, generator))
    chunk = normalize(topic + isotropic_noise((n_articles, dim), TOPIC_SPREAD, generator))
    walk = [chunk]
    for _ in range(chunks):
        chunk = normalize(chunk @ flow.T + TOPIC_PULL * topic + isotropic_noise((n_articles, dim), noise, generator))
        walk.append(chunk)
    path = torch.stack(walk, dim=1)
    article = torch.arange(first_article, first_article + n_articles)
    fields = {
        "query": path[:, :-1].reshape(-1, dim),
        "target": path[:, 1:].reshape(-1, dim),
        "item_id": (article[:, None] * chunks + torch.arange(chunks)).reshape(-1),
        "group": article.repeat_interleave(chunks),
    }
    return {name: value[:n_items] for name, value in fields.items()}


def _copy_articles(train: dict[str, torch.Tensor], n_items: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """``n_items`` train items taken whole article by whole article, articles in random order."""
    groups = train["group"].unique()
    order = groups[torch.randperm(len(groups), generator=generator)]
    rank = torch.empty(int(groups.max()) + 1, dtype=torch.long)
    rank[order] = torch.arange(len(order))
    chosen = torch.argsort(rank[train["group"]], stable=True)[:n_items]
    return {name: value[chosen] for name, value in train.items()}


def _reencode(fields: dict[str, torch.Tensor], noise: float, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The evaluation's own encoding of its items: every query and target vector moved by noise of
    norm ``noise`` (then re-normalised); ids, articles and the train copies' identity are unchanged."""
    if not noise:
        return fields
    moved = {
        name: normalize(fields[name] + isotropic_noise(fields[name].shape, noise, generator)) for name in ("query", "target")
    }
    return {**fields, **moved}


def _concat(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: torch.cat([first[name], second[name]]) for name in first}


def _shuffle(fields: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
    order = torch.randperm(len(fields["item_id"]), generator=generator)
    return {name: value[order] for name, value in fields.items()}


def _common_direction(embedding: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random unit direction orthogonal to the rows of ``embedding`` (the encoder's shared component)."""
    if embedding.shape[0] >= embedding.shape[1]:
        raise ValueError("anisotropy needs dim > latent_dim: a direction outside the latent subspace")
    direction = torch.randn(embedding.shape[1], generator=generator)
    return normalize(direction - embedding.T @ (embedding @ direction))

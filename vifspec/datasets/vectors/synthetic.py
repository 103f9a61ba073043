"""Synthetic next-vector sequences with a copy-last basin (seed 002, the LVM comparison).

Each sequence walks on the unit sphere: it starts near one of a few topic centres and moves
along a great circle, ``x[t+1] = normalise(cos(a) x[t] + sin(a) v[t] + noise)`` with a
per-sequence step angle ``a`` and a forward direction ``v[t]`` (unit, tangent at ``x[t]``)
that is carried along the path. Every vector is then seen through observation noise of norm
``obs_noise`` (an embedding is a noisy reading of the text's position), independently at each step.
The OOD split draws from a different drift family: new topic centres, longer steps and paths
that curve.

Why copying is the basin (seed 002): the forward direction can only be read from differences of
noisy context vectors, so with heavy observation noise the MSE-optimal prediction stays close to
the (denoised) last vector and its forward offset margin ``cos(p, next) - cos(p, last)`` is
negative; MSE training walks into that optimum from a random start, so the margin falls with more
epochs. A penalty that asks for a positive margin can be met by pointing away from the last vector
along the guessed step, a direction far from the next vector: weighted strongly, it collapses the
cosine to the target. A residual prediction ``normalise(last + a * delta)`` starts at copy-last
and, with a small ``a``, stays near it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vifspec.data import DataBundle
from vifspec.datasets.vectors.sphere import (
    isotropic_noise,
    normalize,
    orthonormal_embedding,
    random_tangent,
    random_unit,
    tangent_part,
)

SPLIT_FRACTIONS = {"train": 0.70, "val": 0.15, "test": 0.15}
N_TOPICS = 8
TOPIC_SPREAD = 1.0


@dataclass(frozen=True)
class DriftFamily:
    """How one family of sequences moves: topic centres, mean step angle and curvature."""

    centres: torch.Tensor
    step_angle: float
    turn_angle: float


def vector_sequences(
    *,
    seed: int,
    n: int = 6000,
    dim: int = 64,
    context: int = 5,
    drift: float = 0.45,
    noise: float = 0.3,
    ood_shift: float = 0.5,
    rollout: int = 4,
    latent_dim: int = 6,
    obs_noise: float = 0.0,
) -> DataBundle:
    """Next-vector prediction data pre-split into ``train``, ``val``, ``test`` and ``ood``.

    ``n`` sequences are split 70/15/15; the OOD split has as many sequences as VAL.
    ``drift`` is the mean step angle in radians (each sequence draws ``drift * U(0.75, 1.25)``),
    ``noise`` the expected norm of the noise added at each step, ``ood_shift`` how far the OOD
    family departs: steps ``(1 + ood_shift)`` times longer, paths turning by
    ``ood_shift * drift`` radians per step, topic centres drawn afresh. The walks live in a
    ``latent_dim``-dimensional subspace of ``R^dim`` (a random orthonormal embedding), which makes
    the retrieval pool dense: copy-last is close to many wrong targets. ``obs_noise`` is the
    expected norm of the observation noise added to every vector (then re-normalised).

    Fields per split: ``context`` [N, context, dim], ``target`` [N, dim] (the next vector),
    ``last`` [N, dim] (``context[:, -1]``), ``future`` [N, rollout, dim] (the next ``rollout``
    vectors, ``future[:, 0] == target``). All vectors are unit-normalised.
    """
    if context < 2 or rollout < 1 or latent_dim < 3:
        raise ValueError("vector_sequences needs context >= 2, rollout >= 1 and latent_dim >= 3")
    generator = torch.Generator().manual_seed(seed)
    in_dist = DriftFamily(random_unit(N_TOPICS, latent_dim, generator), drift, 0.0)
    shifted = DriftFamily(random_unit(N_TOPICS, latent_dim, generator), drift * (1 + ood_shift), drift * ood_shift)
    embedding = orthonormal_embedding(latent_dim, dim, generator)
    sizes = _split_sizes(n)
    sizes["ood"] = sizes["val"]
    families = {"train": in_dist, "val": in_dist, "test": in_dist, "ood": shifted}
    splits = {}
    for name, size in sizes.items():  # each split walked, then observed, before the next one is drawn
        path = _observe(_walk(size, context + rollout, families[name], noise, generator), obs_noise, generator)
        splits[name] = _split_fields(path @ embedding, context)
    truth = {
        "mean_step_angle": {"in_distribution": drift, "ood": shifted.step_angle},
        "ood_turn_angle": shifted.turn_angle,
    }
    return DataBundle(splits=splits, info={"dim": dim, "context": context}, truth=truth)


def _split_sizes(n: int) -> dict[str, int]:
    val = round(n * SPLIT_FRACTIONS["val"])
    test = round(n * SPLIT_FRACTIONS["test"])
    return {"train": n - val - test, "val": val, "test": test}


def _split_fields(paths: torch.Tensor, context: int) -> dict[str, torch.Tensor]:
    future = paths[:, context:].contiguous()
    return {
        "context": paths[:, :context].contiguous(),
        "target": future[:, 0].contiguous(),
        "last": paths[:, context - 1].contiguous(),
        "future": future,
    }


def _walk(n: int, length: int, family: DriftFamily, noise: float, generator: torch.Generator) -> torch.Tensor:
    """``n`` noisy great-circle walks of ``length`` unit vectors: [n, length, dim]."""
    dim = family.centres.shape[1]
    topic = torch.randint(len(family.centres), (n,), generator=generator)
    x = normalize(family.centres[topic] + isotropic_noise((n, dim), TOPIC_SPREAD, generator))
    v = random_tangent(x, generator)
    bend = torch.randn(n, dim, generator=generator)
    angle = family.step_angle * (0.75 + 0.5 * torch.rand(n, 1, generator=generator))
    turn = torch.tensor(family.turn_angle)
    path = [x]
    for _ in range(length - 1):
        moved = torch.cos(angle) * x + torch.sin(angle) * v
        carried = torch.cos(angle) * v - torch.sin(angle) * x
        carried = torch.cos(turn) * carried + torch.sin(turn) * _orthonormal_to(bend, moved, carried)
        x = normalize(moved + isotropic_noise((n, dim), noise, generator))
        v = normalize(tangent_part(carried, x))
        path.append(x)
    return torch.stack(path, dim=1)


def _observe(path: torch.Tensor, obs_noise: float, generator: torch.Generator) -> torch.Tensor:
    """Each vector of the walk seen through independent noise of expected norm ``obs_noise``, re-normalised."""
    return normalize(path + isotropic_noise(path.shape, obs_noise, generator)) if obs_noise else path


def _orthonormal_to(direction: torch.Tensor, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Unit rows of ``direction`` made orthogonal to the unit rows ``x`` and to the unit rows ``v``."""
    return normalize(tangent_part(tangent_part(direction, x), v))

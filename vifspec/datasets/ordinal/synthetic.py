"""Synthetic data for the ordinal value critic of seed 000.

Each sample is a journal-entry *state*: ``window`` sentence-embedding-like vectors of width
``encoder_dim`` (the current entry and the ones before it) followed by ``extra`` profile features,
as in the seed (nomic 256-d × window 1 + 10 = 266-d; MiniLM 384-d × window 3 + 12 = 1164-d).
Every value dimension is labelled −1 / 0 / +1, stored as class indices in ``target``:

    class 0 = −1 (misaligned), class 1 = 0 (neutral), class 2 = +1 (aligned)

Labels come from a latent ordinal model: a score per dimension, linear in the current entry's
latent factors and the profile, plus Gaussian label noise, cut at thresholds placed so that
−1 is rare (``minority_share``) and 0 dominant (``neutral_share``). Predicting 0 everywhere
(hedging) is therefore accurate but useless, and a small MLP reaches a QWK of roughly 0.3-0.5.
Entries before the current one are correlated with it but do not drive the labels, so a wider
window adds mostly noise dimensions (the seed's over-parameterised MiniLM state).

``embedding_noise`` says how clearly a vector reads its entry's values. The shipped critic spec
gives the MiniLM axis 3.0 against nomic's 0.5 (a weaker reader of values) on top of its 3x wider,
windowed state: with 637 training samples the wide state's critics (ratio 126 at hidden 64, 581
at hidden 256) stall early and rank below the compact state's (seed 000: "MiniLM is no longer
competitive").
"""

from __future__ import annotations

import numpy as np
import torch

from vifspec.data import DataBundle
from vifspec.errors import SpecError

NUM_CLASSES = 3
LABEL_VALUES = (-1, 0, 1)


def ordinal_synthetic(
    *,
    seed: int,
    n: int = 1300,
    encoder_dim: int = 256,
    window: int = 1,
    dims: int = 10,
    minority_share: float = 0.1,
    neutral_share: float = 0.7,
    extra: int = 10,
    latent_dim: int = 16,
    label_noise: float = 1.0,
    embedding_noise: float = 0.5,
    window_correlation: float = 0.5,
) -> DataBundle:
    """Generate ``n`` states; fields ``x`` [n, encoder_dim*window + extra] float32, ``target`` [n, dims] int64.

    ``label_noise`` is the standard deviation of the noise added to each dimension's latent score
    (whose signal part has unit variance): larger means a lower reachable QWK.
    """
    _check_shares(minority_share, neutral_share)
    rng = np.random.default_rng(seed)
    latents = _window_latents(rng, n, latent_dim, window, window_correlation)
    profile = rng.standard_normal((n, extra))
    scores = _signal_scores(rng, latents[0], profile, dims)
    scores += label_noise * rng.standard_normal(scores.shape)
    target, thresholds = _cut(scores, minority_share, neutral_share)
    states = [_embed(rng, z, encoder_dim, embedding_noise) for z in latents]
    x = np.concatenate([*states, profile], axis=1)
    shares = np.stack([(target == k).mean(axis=0) for k in range(NUM_CLASSES)], axis=1)
    return DataBundle(
        fields={
            "x": torch.as_tensor(x, dtype=torch.float32),
            "target": torch.as_tensor(target, dtype=torch.int64),
        },
        info={"input_dim": int(x.shape[1]), "dims": dims, "num_classes": NUM_CLASSES},
        truth={
            "label_values": list(LABEL_VALUES),
            "class_shares": shares.round(4).tolist(),
            "thresholds": thresholds.round(4).tolist(),
            "label_noise": label_noise,
        },
    )


def _check_shares(minority_share: float, neutral_share: float) -> None:
    if not (0 < minority_share and 0 < neutral_share and minority_share + neutral_share < 1):
        raise SpecError(
            f"ordinal_synthetic: minority_share ({minority_share}) and neutral_share ({neutral_share}) "
            "must be positive and sum to less than 1 (the rest is the +1 share)"
        )


def _window_latents(
    rng: np.random.Generator, n: int, latent_dim: int, window: int, correlation: float
) -> list[np.ndarray]:
    """Latent factors of the current entry (first) and of the ``window - 1`` entries before it (AR(1))."""
    current = rng.standard_normal((n, latent_dim))
    latents = [current]
    for _ in range(window - 1):
        innovation = rng.standard_normal((n, latent_dim))
        latents.append(correlation * latents[-1] + np.sqrt(1 - correlation**2) * innovation)
    return latents


def _signal_scores(rng: np.random.Generator, latent: np.ndarray, profile: np.ndarray, dims: int) -> np.ndarray:
    """Unit-variance score per dimension: a random direction in latent space plus a smaller profile part."""
    latent_weights = rng.standard_normal((latent.shape[1], dims))
    latent_weights /= np.linalg.norm(latent_weights, axis=0, keepdims=True)
    scores = latent @ latent_weights * np.sqrt(0.8)
    if profile.shape[1]:
        profile_weights = rng.standard_normal((profile.shape[1], dims))
        profile_weights /= np.linalg.norm(profile_weights, axis=0, keepdims=True)
        scores += profile @ profile_weights * np.sqrt(0.2)
    return scores


def _cut(scores: np.ndarray, minority_share: float, neutral_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Class index per score: below the ``minority_share`` quantile -> 0, then 1, top -> 2 (per dimension)."""
    quantiles = np.quantile(scores, [minority_share, minority_share + neutral_share], axis=0)  # [2, dims]
    target = (scores > quantiles[0]).astype(np.int64) + (scores > quantiles[1]).astype(np.int64)
    return target, quantiles.T


def _embed(rng: np.random.Generator, latent: np.ndarray, encoder_dim: int, noise: float) -> np.ndarray:
    """Unit-norm sentence-embedding-like vectors: a random linear map of the latent plus isotropic noise."""
    projection = rng.standard_normal((latent.shape[1], encoder_dim)) / np.sqrt(latent.shape[1])
    vectors = latent @ projection + noise * rng.standard_normal((latent.shape[0], encoder_dim))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

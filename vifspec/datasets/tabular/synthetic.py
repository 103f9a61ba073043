"""Synthetic data for the feature-embedding tracker of seed 004.

A tier names the number of features (a20, a100, a200, a500). Only ``informative`` of them carry
signal, partly through a non-linear (pairwise product and threshold) effect; a few more are noisy
copies of informative ones (redundant, correlated columns), the rest is noise with heavy-tailed
scales, as real engineered features are. Positives are rare: exactly ``round(n * positive_rate)``
samples, those with the highest latent score (signal plus logistic noise), so ranking quality (AUC)
is bounded, top-k precision is attainable, and a collapsed predictor is easy to fall into.

What the tracker's variants show on it (seed 004): with little noise (``noise = 0.2``) only a thin
tail of rows is almost surely positive. A classifier called at p >= 0.5 calls the rows it rates
above that line: plain BCE rates a group of borderline rows there (precision 0.5-0.8); label
smoothing keeps predictions away from 0 and 1, so only the surest rows cross 0.5: few calls, high
precision, low recall. A linear projection of the raw heavy-tailed columns to 1-2 dimensions, or a
small tier with a small embedding, never gets confident: no row reaches 0.5 (probability collapse).
"""

from __future__ import annotations

import numpy as np
import torch

from vifspec.data import DataBundle
from vifspec.datasets.tabular import TIERS
from vifspec.errors import SpecError, did_you_mean


def tabular_synthetic(
    *,
    seed: int,
    n: int = 20000,
    tier: str = "a100",
    positive_rate: float = 0.03,
    informative: int = 6,
    redundant: int = 4,
    noise: float = 0.7,
) -> DataBundle:
    """Generate ``n`` rows: ``x`` [n, F] float32 (F from ``tier``), ``target`` [n] float32 in {0, 1}.

    ``noise`` scales the logistic noise added to the latent score (the signal has unit variance).
    """
    num_features = _tier_width(tier)
    if not 0 < positive_rate < 1:
        raise SpecError(f"tabular_synthetic: positive_rate must be in (0, 1), got {positive_rate}")
    informative = min(informative, num_features)
    redundant = min(redundant, num_features - informative)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, num_features)) * rng.lognormal(0.0, 1.0, num_features)
    signal_columns = rng.choice(num_features, informative + redundant, replace=False)
    useful, copies = signal_columns[:informative], signal_columns[informative:]
    x[:, copies] = x[:, rng.choice(useful, redundant)] + 0.5 * rng.standard_normal((n, redundant))
    score = _signal(rng, _standardise(x[:, useful])) + noise * rng.logistic(size=n)
    target = _top_share(score, positive_rate)
    return DataBundle(
        fields={"x": torch.as_tensor(x, dtype=torch.float32), "target": torch.as_tensor(target, dtype=torch.float32)},
        info={"input_dim": num_features},
        truth={
            "tier": tier,
            "informative_features": sorted(int(i) for i in useful),
            "redundant_features": sorted(int(i) for i in copies),
            "positive_rate": float(target.mean()),
        },
    )


def _tier_width(tier: str) -> int:
    if tier not in TIERS:
        raise SpecError(f"tabular_synthetic: unknown tier {tier!r}{did_you_mean(tier, TIERS)}; tiers: {', '.join(TIERS)}")
    return TIERS[tier]


def _standardise(columns: np.ndarray) -> np.ndarray:
    return (columns - columns.mean(0)) / columns.std(0)


def _signal(rng: np.random.Generator, useful: np.ndarray) -> np.ndarray:
    """Unit-variance score: a linear part plus one pairwise interaction and one threshold effect."""
    linear = useful @ rng.standard_normal(useful.shape[1])
    parts = [linear / linear.std()]
    if useful.shape[1] >= 2:
        parts.append(useful[:, 0] * useful[:, 1])
        parts.append((useful[:, -1] > 1.0).astype(float) * 2.0)
    stacked = np.stack([part - part.mean() for part in parts], axis=1)
    score = stacked @ np.array([1.0, 0.6, 0.6][: stacked.shape[1]])
    return score / score.std()


def _top_share(score: np.ndarray, share: float) -> np.ndarray:
    """1 for the ``round(len(score) * share)`` highest scores (at least one), else 0."""
    positives = max(1, round(len(score) * share))
    target = np.zeros(len(score))
    target[np.argsort(score)[-positives:]] = 1.0
    return target

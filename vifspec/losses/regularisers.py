"""Regularisers on outputs and parameters: entropy, and spread floors that penalise collapse.

Standard deviations are population ones computed as ``sqrt(var + 1e-12)``, so the gradient stays
finite when every value is equal (the collapsed state these terms exist to escape).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from vifspec.losses._common import check_same_shape, safe_std, std_shortfall


def entropy_reg(logits: Tensor, maximize: bool = False) -> Tensor:
    """Mean binary entropy of the predicted probabilities, ``H = -mean[p log p + (1 - p) log(1 - p)]``, ``p = s(z)``.

    Computed stably from logits as ``p softplus(-z) + (1 - p) softplus(z)``. By default the term is
    ``H`` (minimising it sharpens predictions: entropy minimisation, Grandvalet & Bengio 2005); with
    ``maximize = true`` it is ``-H``, the confidence penalty of Pereyra et al. (2017), "Regularizing
    neural networks by penalizing confident output distributions", ICLR workshop. Weights stay >= 0.
    """
    probs = torch.sigmoid(logits)
    entropy = (probs * F.softplus(-logits) + (1 - probs) * F.softplus(logits)).mean()
    return -entropy if maximize else entropy


def prob_variance_reg(logits: Tensor, min_std: float = 0.1) -> Tensor:
    """``relu(min_std - std(sigmoid(z)))``: penalises predicted probabilities that collapse to one value.

    A hinge on the spread of the predictions, zero once their standard deviation reaches ``min_std``
    (the variance term of VICReg, Bardes, Ponce & LeCun 2022, ICLR, applied to probabilities).
    """
    return std_shortfall(torch.sigmoid(logits), min_std)


def variance_floor(x: Tensor, floor: float = 0.1, dim: int | None = None) -> Tensor:
    """``relu(floor - std(x))^2``: a squared hinge on the spread of an output (e.g. per-skill learning gains).

    Zero once ``std(x) >= floor``; near collapse it is about ``floor^2``, so it needs a large weight to
    compete with a likelihood term. ``std`` is over all elements, or along ``dim`` and then averaged.
    Squared-hinge variant of the VICReg variance term (Bardes, Ponce & LeCun 2022, ICLR).
    """
    return torch.relu(floor - safe_std(x, dim)).pow(2).mean()


def skill_contrastive(x: Tensor, groups: Tensor, floor: float = 0.1, num_groups: int | None = None) -> Tensor:
    """``relu(floor^2 - var_g(mean of x over group g))``: pushes the per-group (per-skill) means apart.

    ``groups`` holds an integer id (e.g. a skill id) per element of ``x``; the means are taken over
    the groups present in the batch (``index_add`` / ``bincount``, masked, no boolean indexing) and
    their population variance is compared with ``floor^2``. It penalises a model whose output is the
    same for every skill however it varies within a skill (the uniform-gains attractor). Being a
    hinge on the variance, not on the standard deviation, its gradient shrinks with the spread it
    asks for: near collapse it hardly pushes, the failure mode VICReg avoids by using the standard
    deviation (Bardes, Ponce & LeCun 2022, ICLR; compare :func:`variance_floor`). Give
    ``num_groups`` (ids are ``0..num_groups-1``) to avoid reading the largest id back from the
    device at every step.
    """
    check_same_shape(x, groups, ("x", "groups"))
    values, ids = x.reshape(-1), groups.reshape(-1).long()
    size = num_groups if num_groups is not None else int(ids.max().item()) + 1
    sums = torch.zeros(size, dtype=values.dtype, device=values.device).index_add(0, ids, values)
    counts = torch.bincount(ids, minlength=size).to(values.dtype)
    present = (counts > 0).to(values.dtype)
    group_means = sums / counts.clamp(min=1.0)
    n_present = present.sum()
    centre = (group_means * present).sum() / n_present
    variance = ((group_means - centre).pow(2) * present).sum() / n_present
    return torch.relu(floor**2 - variance)


def beta_spread(beta: Tensor, min_std: float = 0.3) -> Tensor:
    """``relu(min_std - std(beta))``: keeps a parameter vector (e.g. per-skill difficulties) spread out.

    Hinge on the standard deviation of the parameter, as the VICReg variance term (Bardes et al. 2022).
    """
    return std_shortfall(beta, min_std)

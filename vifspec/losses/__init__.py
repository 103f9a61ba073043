"""Built-in losses. Importing this package does not import torch: names resolve lazily.

Public API, with the argument conventions of the reference implementations::

    from vifspec.losses import coral_loss, corn_loss, emd_loss, soft_ordinal_loss, focal_loss, \\
        asymmetric_focal_loss, info_nce

Spec-facing losses are registered by :func:`register` under short names (``coral``, ``focal``...);
each takes the data inputs it declares (model outputs, batch fields or parameters bound by the
spec) and constants from the term's ``params``, and returns a 0-d differentiable tensor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vifspec._lazy import lazy_exports

if TYPE_CHECKING:
    from vifspec.registry import Registry

_MODULES = {
    "ordinal": (
        "levels_from_labels", "coral_loss", "corn_loss", "emd_loss", "soft_ordinal_loss", "coral", "corn",
        "coral_predict", "corn_predict", "class_probs_coral", "class_probs_corn",
    ),
    "binary": ("bce", "label_smoothing_bce", "focal_loss", "focal", "asymmetric_focal_loss", "calibrated_focal"),
    "classification": ("cross_entropy",),
    "regression": ("mse", "mae", "huber_loss", "cosine", "weighted_mse", "directional"),
    "contrastive": ("info_nce",),
    "regularisers": ("entropy_reg", "prob_variance_reg", "variance_floor", "skill_contrastive", "beta_spread"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

# registry name -> (module:function, declared data inputs, summary). An input the function gives a
# default (``sample_weight``) is optional: it is read only when the spec binds it.
_WEIGHTED = ("preds", "target", "sample_weight")
LOSSES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "bce": ("binary:bce", ("logits", "target", "sample_weight"), "binary cross-entropy on logits"),
    "cross_entropy": (
        "classification:cross_entropy", ("logits", "target", "sample_weight"),
        "softmax cross-entropy, label smoothing, class weights",
    ),
    "label_smoothing_bce": ("binary:label_smoothing_bce", ("logits", "target"), "BCE with targets smoothed to 1/2"),
    "focal": ("binary:focal", ("logits", "target"), "sigmoid focal loss (Lin et al. 2017)"),
    "asymmetric_focal": (
        "binary:asymmetric_focal_loss", ("logits", "target"), "asymmetric loss, ASL (Ridnik et al. 2021)"
    ),
    "calibrated_focal": ("binary:calibrated_focal", ("logits", "target"), "focal loss + (mean p - mean y)^2"),
    "mse": ("regression:mse", _WEIGHTED, "mean squared error"),
    "mae": ("regression:mae", _WEIGHTED, "mean absolute error (L1)"),
    "huber_loss": ("regression:huber_loss", _WEIGHTED, "Huber loss (smooth L1 with threshold delta)"),
    "cosine": ("regression:cosine", ("preds", "target"), "1 - mean cosine similarity"),
    "weighted_mse": ("regression:weighted_mse", ("preds", "target"), "MSE with non-neutral classes weighted by scale"),
    "directional": ("regression:directional", ("preds", "target", "last"), "hinge: closer to target than to last"),
    "coral": ("ordinal:coral", ("logits", "target"), "CORAL ordinal loss (Cao et al. 2020)"),
    "corn": ("ordinal:corn", ("logits", "target"), "CORN ordinal loss (Shi et al. 2023)"),
    "emd": ("ordinal:emd_loss", ("logits", "target"), "squared EMD between CDFs (Hou et al. 2016)"),
    "soft_ordinal": ("ordinal:soft_ordinal_loss", ("logits", "target"), "SORD soft-label CE (Diaz & Marathe 2019)"),
    "info_nce": ("contrastive:info_nce", ("query", "keys"), "InfoNCE with in-batch negatives"),
    "entropy_reg": ("regularisers:entropy_reg", ("logits",), "mean binary entropy of predictions"),
    "prob_variance_reg": ("regularisers:prob_variance_reg", ("logits",), "relu(min_std - std(sigmoid(logits)))"),
    "variance_floor": ("regularisers:variance_floor", ("x",), "relu(floor - std(x))^2"),
    "skill_contrastive": ("regularisers:skill_contrastive", ("x", "groups"), "relu(floor - std of per-group means)"),
    "beta_spread": ("regularisers:beta_spread", ("beta",), "relu(min_std - std(beta))"),
}


def register(registry: Registry) -> None:
    """Declare every built-in loss (torch-free; the functions are imported on first use)."""
    for name, (target, inputs, summary) in LOSSES.items():
        registry.add("loss", name, f"{__name__}.{target}", inputs=inputs, summary=summary)

"""The built-in metric library: pure functions ``fn(**inputs, **params) -> float`` over tensors or array-likes.

Importing this package does not import torch: public functions load their module on first use
(``from vifspec.metrics import qwk``), and :func:`register` only declares where they live.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from vifspec._lazy import lazy_exports

_MODULES = {
    "ordinal": (
        "accuracy", "macro_f1", "mae", "mse", "qwk", "qwk_per_dim", "class_recall", "minority_recall", "hedging",
    ),
    "regression": ("r2", "rmse"),
    "correlation": ("pearson", "spearman"),
    "binary": ("auroc", "precision", "recall", "score_spread"),
    "confidence": ("calibration", "error_uncertainty", "ece", "log_loss"),
    "distribution": ("mean_value", "dispersion_std", "dispersion_cv", "group_cv", "conditional_ratio", "percentile"),
    "sequence": ("mean_cosine", "offset_margin", "cosine_drop", "bins_delta"),
    "retrieval": ("recall_at_k", "contain_at_k", "overlap"),
}

__all__ = sorted(name for names in _MODULES.values() for name in names)
_FUNCTION_MODULE = {name: module for module, names in _MODULES.items() for name in names}


class _Entry(NamedTuple):
    """One metric's declaration: the single place its facts are written (see vifspec.registry.Component)."""

    name: str
    function: str
    inputs: tuple[str, ...]
    higher_is_better: bool
    summary: str
    unit: str = "number"
    per_example: bool = True
    diagnostic: bool = False
    alert: Any = None


_PAIR = ("preds", "target")
_SCORED = ("scores", "target")
_CALIBRATION = ("probs", "target")
RATE = "rate"
_LEAK = {"title": "Leaked evaluation", "above": 0.05,
         "text": "the evaluation items overlap the training items, so these numbers do not measure generalisation"}
_COLLAPSE = {"title": "Probability collapse", "below": 0.05,
             "text": "predictions are clustered in a narrow band and carry little ranking signal"}

_ENTRIES = (
    _Entry("accuracy", "ordinal:accuracy", _PAIR, True, "share of exact label matches (class scores: their argmax)", RATE),
    _Entry("macro_f1", "ordinal:macro_f1", _PAIR, True, "unweighted mean of per-class F1", RATE),
    _Entry("mae", "ordinal:mae", _PAIR, False, "mean absolute error"),
    _Entry("mse", "ordinal:mse", _PAIR, False, "mean squared error"),
    _Entry("qwk", "ordinal:qwk", _PAIR, True, "quadratic weighted kappa of ordinal labels"),
    _Entry("qwk_per_dim", "ordinal:qwk_per_dim", _PAIR, True, "QWK per column of [N, D] labels, plus their mean"),
    _Entry("class_recall", "ordinal:class_recall", _PAIR, True, "recall of the class `cls` (e.g. -1 recall), or of each class", RATE),
    _Entry("minority_recall", "ordinal:minority_recall", _PAIR, True, "mean recall over all but the majority class", RATE),
    _Entry("hedging", "ordinal:hedging", ("preds",), False, "share of predictions equal to the neutral class", RATE),
    _Entry("r2", "regression:r2", _PAIR, True, "coefficient of determination R^2"),
    _Entry("rmse", "regression:rmse", _PAIR, False, "root mean squared error"),
    _Entry("pearson", "correlation:pearson", _PAIR, True, "Pearson correlation"),
    _Entry("spearman", "correlation:spearman", _PAIR, True, "Spearman rank correlation (average ranks for ties)"),
    _Entry("auc", "binary:auroc", _SCORED, True, "area under the ROC curve (scores or logits)"),
    _Entry("precision", "binary:precision", _SCORED, True, "precision of probabilities >= threshold", RATE),
    _Entry("recall", "binary:recall", _SCORED, True, "recall of probabilities >= threshold", RATE),
    _Entry("score_spread", "binary:score_spread", ("scores",), True, "P95 - P5 of probabilities (collapse if tiny)",
           diagnostic=True, alert=_COLLAPSE),
    _Entry("calibration", "confidence:calibration", _CALIBRATION, True, "rank correlation of uncertainty and error"),
    _Entry("error_uncertainty", "confidence:error_uncertainty", ("uncertainty", "preds", "target"), True,
           "rank correlation of an uncertainty (e.g. MC-dropout std) and the absolute error"),
    _Entry("ece", "confidence:ece", _CALIBRATION, False, "expected calibration error (uniform bins, L1)"),
    _Entry("log_loss", "confidence:log_loss", _CALIBRATION, False, "log loss (cross-entropy) of probabilities"),
    _Entry("mean_value", "distribution:mean_value", ("x",), True, "mean of an output"),
    _Entry("dispersion_std", "distribution:dispersion_std", ("x",), True, "population standard deviation"),
    _Entry("dispersion_cv", "distribution:dispersion_cv", ("x",), True, "coefficient of variation std/|mean|"),
    _Entry("group_cv", "distribution:group_cv", ("x", "groups"), True, "coefficient of variation of per-group means"),
    _Entry(
        "conditional_ratio", "distribution:conditional_ratio", ("x", "condition"), True,
        "mean of x where condition==1 over mean where condition==0",
    ),
    _Entry("percentile", "distribution:percentile", ("x",), False, "q-th percentile, e.g. P95 latency"),
    _Entry("mean_cosine", "sequence:mean_cosine", _PAIR, True, "mean cosine similarity of predicted and true vectors"),
    _Entry(
        "offset_margin", "sequence:offset_margin", ("preds", "target", "last"), True,
        "mean cos(pred, next) - mean cos(pred, last): > 0 predicts forward",
    ),
    _Entry(
        "cosine_drop", "sequence:cosine_drop", ("preds", "preds_ablated", "target"), True,
        "cosine lost when the context is ablated",
    ),
    _Entry(
        "bins_delta", "sequence:bins_delta", ("preds", "target", "last"), True,
        "worst gain over copy-last across forward-distinctness bins",
    ),
    _Entry("recall_at_k", "retrieval:recall_at_k", _PAIR, True, "share of queries whose own item is in the top k", RATE),
    _Entry(
        "contain_at_k", "retrieval:contain_at_k", ("preds", "target", "groups"), True,
        "share of queries with an item of their group in the top k", RATE,
    ),
    _Entry("overlap", "retrieval:overlap", ("ids", "reference_ids"), False, "share of ids also in reference_ids", RATE,
           per_example=False, diagnostic=True, alert=_LEAK),
)
_FACTS = {entry.function.split(":")[1]: entry for entry in _ENTRIES}


def __getattr__(name: str) -> Any:
    """``from vifspec.metrics import auroc``: the function, carrying its declared facts as attributes
    (``auroc.higher_is_better``, ``auroc.unit``), as torchmetrics' metrics do."""
    function = _lazy(name)
    entry = _FACTS.get(name)
    if entry is not None:
        function.higher_is_better = entry.higher_is_better
        function.unit = entry.unit
    return function


_lazy = lazy_exports(__name__, _FUNCTION_MODULE)


def register(registry: Any) -> None:
    """Declare every built-in metric in ``registry`` (torch-free)."""
    from vifspec.facts import Alert

    for entry in _ENTRIES:
        registry.add(
            "metric",
            entry.name,
            f"{__name__}.{entry.function}",
            inputs=entry.inputs,
            higher_is_better=entry.higher_is_better,
            summary=entry.summary,
            unit=entry.unit,
            per_example=entry.per_example,
            diagnostic=entry.diagnostic,
            alert=Alert(**entry.alert) if entry.alert else None,
        )

"""Trivial baselines of classification and regression: no trainable parameters, fitted on the train split.

Each reads ``train["target"]`` in :meth:`fit` and predicts the same thing for every row, with the
output names of :class:`~vifspec.models.general.mlp.MLP`, so the spec's metrics score it as is.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vifspec.errors import SpecError


def _rows(batch: dict[str, Tensor]) -> int:
    return next(iter(batch.values())).shape[0]


class _Constant(nn.Module):
    """A module predicting one stored value for every row; ``fit`` must run first."""

    name = "trivial"

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("value", torch.zeros(0))
        self.fitted = False

    def _store(self, value: Tensor) -> None:
        self.value = value.detach().to(self.value.device)
        self.fitted = True

    def _expanded(self, batch: dict[str, Tensor]) -> Tensor:
        if not self.fitted:
            raise RuntimeError(f"{self.name}: call fit(train) before forward")
        return self.value.expand(_rows(batch), *self.value.shape)


class Majority(_Constant):
    """Predict the train class frequencies for every row: scikit-learn ``DummyClassifier(strategy="prior")``.

    Its argmax is the majority class, so accuracy, macro-F1 and recall score the majority
    prediction, and ``log_loss`` scores the prior. Labels are ``0..C-1`` (``C`` = ``num_classes``
    from the dataset, else the largest train label + 1). With two classes the outputs are those of
    a binary classifier: ``probs`` [B] (positive rate), ``logits`` = ``preds`` = logit(probs);
    otherwise ``probs`` [B, C] and ``logits`` = ``preds`` = log(probs).
    """

    name = "majority"

    def __init__(self, num_classes: int | None = None) -> None:
        super().__init__()
        self.num_classes = num_classes

    def fit(self, train: dict[str, Tensor]) -> None:
        """Count the classes of ``train["target"]``."""
        labels = torch.as_tensor(train["target"]).reshape(-1)
        if labels.is_floating_point():
            labels = labels.round()
        labels = labels.long()
        if labels.numel() == 0 or int(labels.min()) < 0:
            raise SpecError("majority: train targets must be class labels 0..C-1")
        classes = max(self.num_classes or 0, int(labels.max()) + 1, 2)
        counts = torch.bincount(labels, minlength=classes).double()
        self._store((counts / counts.sum()).float())

    def forward(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        probs = self._expanded(batch)
        if probs.shape[-1] == 2:
            probs = probs[:, 1]
            logits = torch.logit(probs, eps=1e-6)
        else:
            logits = probs.clamp_min(1e-12).log()
        return {"logits": logits, "preds": logits, "probs": probs}


class Mean(_Constant):
    """Predict the train mean of the target (per column): scikit-learn ``DummyRegressor(strategy="mean")``.

    Outputs ``preds`` with the shape of one target row per row; its R^2 on the train split is 0.
    """

    name = "mean"

    def __init__(self) -> None:
        """No parameters; the explicit empty signature keeps the dataset ``info`` from being passed in."""
        super().__init__()

    def fit(self, train: dict[str, Tensor]) -> None:
        self._store(torch.as_tensor(train["target"]).double().mean(0).float())

    def forward(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        return {"preds": self._expanded(batch)}


class Median(Mean):
    """Predict the train median of the target (per column; the mean of the two middle values for an
    even count, as ``numpy.median``): scikit-learn ``DummyRegressor(strategy="median")``; the best
    constant under the absolute error.
    """

    name = "median"

    def fit(self, train: dict[str, Tensor]) -> None:
        ordered = torch.as_tensor(train["target"]).double().sort(0).values
        n = ordered.shape[0]
        self._store(((ordered[(n - 1) // 2] + ordered[n // 2]) / 2).float())

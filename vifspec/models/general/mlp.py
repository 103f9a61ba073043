"""A multi-layer perceptron for any supervised task on a table of features."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from vifspec.errors import Problem, SpecError, did_you_mean
from vifspec.models.general import ACTIVATIONS
from vifspec.prepare.splits import standard_scale

_LAYERS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU}


class MLP(nn.Module):
    """``batch[features]`` [B, input_dim] -> (Linear -> activation -> Dropout) per hidden size -> Linear(outputs).

    ``hidden = []`` is a linear model (logistic or linear regression under the matching loss).
    ``outputs`` defaults to the dataset's ``num_classes`` (a categorical target), else 1.
    Outputs: ``logits`` = ``preds`` = the last layer ([B] when ``outputs == 1``, else [B, outputs])
    and ``probs`` (sigmoid of ``[B]`` logits, softmax over ``[B, C]``). Bind ``logits`` to
    ``cross_entropy``/``bce``, ``preds`` to ``mse``/``mae``/``huber_loss``, ``probs`` to ``log_loss``
    (and, for one output on a 0/1 target, to ``accuracy``: its ``preds`` are logits, which a label metric refuses).
    ``standardize = true`` z-scores the inputs with the train split's per-column mean and standard
    deviation, set by :meth:`fit` before training and kept in the checkpoint.
    ``standardize_target = true`` (a numeric target, field ``target``) makes the last layer predict
    the target's z-score, ``preds = mean_y + std_y · net(x)`` with the train split's statistics: the
    outputs and every metric stay in the target's unit, while a network starting near 0 starts at
    the train mean (scikit-learn's ``TransformedTargetRegressor`` with a ``StandardScaler``).
    Reference: Rumelhart, Hinton & Williams (1986); Goodfellow et al. (2016), *Deep Learning*, ch. 6.
    """

    def __init__(
        self,
        input_dim: int,
        outputs: int | None = None,
        hidden: int | Sequence[int] = (64,),
        dropout: float = 0.0,
        activation: str = "relu",
        standardize: bool = False,
        features: str = "x",
        num_classes: int | None = None,
        standardize_target: bool = False,
        target: str = "target",
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            message = f"mlp: unknown activation {activation!r}{did_you_mean(activation, ACTIVATIONS)}; expected one of {', '.join(ACTIVATIONS)}"
            raise SpecError(Problem(message, key="activation"))
        if not 0 <= dropout < 1:
            raise SpecError(Problem(f"mlp: dropout must be in [0, 1), got {dropout}", key="dropout"))
        if standardize_target and num_classes:
            message = f"mlp: standardize_target is for a numeric target; '{target}' has {num_classes} classes"
            raise SpecError(Problem(message, key="standardize_target"))
        widths = [hidden] if isinstance(hidden, int) else list(hidden)
        self.outputs = int(outputs or num_classes or 1)
        self.features, self.standardize = features, standardize
        self.target, self.standardize_target = target, standardize_target
        layers: list[nn.Module] = []
        for width_in, width_out in zip([input_dim, *widths], widths):
            layers += [nn.Linear(width_in, width_out), _LAYERS[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear([input_dim, *widths][-1], self.outputs))
        self.net = nn.Sequential(*layers)
        self.register_buffer("mean", torch.zeros(input_dim))
        self.register_buffer("scale", torch.ones(input_dim))
        self.register_buffer("target_mean", torch.zeros(self.outputs))
        self.register_buffer("target_scale", torch.ones(self.outputs))

    def fit(self, train: dict[str, Tensor]) -> None:
        """Store the train split's per-column statistics of the features (when ``standardize``) and
        of the target (when ``standardize_target``)."""
        if self.standardize:
            mean, scale = standard_scale(train[self.features].to(self.mean))
            self.mean.copy_(mean)
            self.scale.copy_(scale)
        if self.standardize_target:
            self._fit_target(train)

    def _fit_target(self, train: dict[str, Tensor]) -> None:
        if self.target not in train:
            message = f"mlp: standardize_target reads the field '{self.target}'{did_you_mean(self.target, train)}; the data has {', '.join(train)}"
            raise SpecError(Problem(message, key="target"))
        values = train[self.target].to(self.target_mean.dtype)
        columns = values.reshape(len(values), -1)
        if columns.shape[1] != self.outputs:
            message = f"mlp: the target '{self.target}' has {columns.shape[1]} column(s) but the model {self.outputs} output(s)"
            raise SpecError(Problem(message, key="standardize_target"))
        mean, scale = standard_scale(columns)
        self.target_mean.copy_(mean)
        self.target_scale.copy_(scale)

    def forward(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        x = batch[self.features].to(self.mean.dtype)
        if self.standardize:
            x = (x - self.mean) / self.scale
        logits = self.net(x)
        if self.standardize_target:
            logits = logits * self.target_scale + self.target_mean
        if self.outputs == 1:
            logits = logits.squeeze(-1)
            probs = torch.sigmoid(logits)
        else:
            probs = torch.softmax(logits, dim=-1)
        return {"logits": logits, "preds": logits, "probs": probs}

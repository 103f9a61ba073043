"""The ordinal value critic of seed 000: a shared MLP trunk and one ordinal head per value dimension.

Trunk (the seed's architecture; its parameter counts match the seed's run log exactly, e.g.
22,804 for CORAL/CORN and 23,454 for EMD/SoftOrdinal at input 266, hidden 64)::

    Linear(input_dim, hidden) -> LayerNorm -> GELU -> Dropout -> Linear(hidden, hidden) -> LayerNorm -> GELU -> Dropout

Heads (one ``Linear(hidden, dims * outputs)``), output ``logits``:

=============  =======================  ==========================================================
head           ``logits``               decoding
=============  =======================  ==========================================================
coral          [B, D, K-1]              P(y > k) = σ(logit_k); label = #{k : P(y > k) > 0.5}
corn           [B, D, K-1]              P(y > k) = Π_{j<=k} σ(logit_j) (conditional chain)
emd            [B, D, K]                softmax; label = argmax
soft_ordinal   [B, D, K]                softmax; label = argmax
mse            [B, D]                   bounded class index v = (K-1)/2·(1 + tanh z); label = round(v)
=============  =======================  ==========================================================

The mse head regresses the class index through a tanh, as the seed's ``CriticMLP`` ends in
``Tanh`` on the -1..+1 scale. Every head also outputs, when something reads them (:func:`vifspec.outputs.wanted`), ``label`` [B, D] (class index), ``probs``
[B, D, K] and ``expected`` [B, D] = Σ_k k·probs_k (for mse: ``v``). For coral and corn, probs_k = P(y > k-1) - P(y > k) (the seed's CORAL has one free
logit per threshold, so negative differences are clipped and the row renormalised; see
:mod:`vifspec.losses.ordinal`). References: CORAL, Cao, Mirjalili & Raschka 2020 (arXiv:1901.07884); CORN,
Shi, Cao & Raschka 2023 (arXiv:2111.08851); decoding as in coral-pytorch's ``proba_to_label``
and ``corn_label_from_logits``.

With ``mc_samples = S > 0``, evaluation also runs S passes with dropout on (Monte Carlo dropout,
Gal & Ghahramani 2016; masks from a fixed seed, so evaluation stays deterministic and leaves the
global RNG alone) and outputs ``mc_mean`` and ``mc_std`` [B, D]: the mean and standard deviation
over the passes of the label (ordinal heads) or of ``v`` (mse), the seed's
``predict_with_uncertainty`` (only when the evaluation reads them: :func:`vifspec.outputs.wanted`). Its calibration is the rank correlation of ``mc_std`` with
``|mc_mean - target|`` (:func:`vifspec.metrics.error_uncertainty`). The tanh makes it negative for
the mse head: weighted MSE pushes the non-neutral calls into the saturated ends of the tanh, where
dropout barely moves the output, so the calls on the rare classes (the ones most often wrong) read
as the most certain (seed 000: calibration -0.218 and -0.073 for MSE against 0.63-0.85 for the
ordinal losses).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vifspec.errors import SpecError
from vifspec.losses.ordinal import class_probs_coral, class_probs_corn, coral_predict, corn_predict
from vifspec.models.ordinal import HEADS
from vifspec.outputs import wanted

MC_SEED = 0


class OrdinalCritic(nn.Module):
    """MLP critic over state vectors ``batch["x"]`` [B, input_dim] predicting ``dims`` ordinal labels."""

    def __init__(
        self,
        input_dim: int,
        dims: int = 10,
        num_classes: int = 3,
        hidden_dim: int = 64,
        dropout: float = 0.3,
        head: str = "coral",
        mc_samples: int = 0,
    ) -> None:
        super().__init__()
        if head not in HEADS:
            raise SpecError(f"ordinal_critic: unknown head {head!r}; expected one of {', '.join(HEADS)}")
        if num_classes < 2:
            raise SpecError(f"ordinal_critic: num_classes must be at least 2, got {num_classes}")
        if mc_samples < 0:
            raise SpecError(f"ordinal_critic: mc_samples must be 0 (off) or a number of passes, got {mc_samples}")
        self.dims, self.num_classes, self.head_kind, self.mc_samples = dims, num_classes, head, mc_samples
        self.trunk = nn.Sequential(
            *_block(input_dim, hidden_dim, dropout),
            *_block(hidden_dim, hidden_dim, dropout),
        )
        self.head = nn.Linear(hidden_dim, dims * self.outputs_per_dim)

    @property
    def outputs_per_dim(self) -> int:
        """K-1 cumulative logits (coral, corn), K class logits (emd, soft_ordinal) or 1 value (mse)."""
        return {"coral": self.num_classes - 1, "corn": self.num_classes - 1, "mse": 1}.get(
            self.head_kind, self.num_classes
        )

    def forward(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        logits = self.logits(self.trunk(batch["x"]))
        outputs = {"logits": logits}
        if wanted("label", "probs", "expected"):
            probs, label = _decode(self.head_kind, logits, self.num_classes)
            classes = torch.arange(self.num_classes, device=probs.device, dtype=probs.dtype)
            outputs.update(label=label, probs=probs, expected=probs @ classes)
        if not self.training and self.mc_samples and wanted("mc_mean", "mc_std"):
            outputs.update(self.mc_dropout(batch["x"]))
        return outputs

    def logits(self, hidden: Tensor) -> Tensor:
        """The head's outputs for trunk features [..., hidden]: [..., D, outputs] (mse: [..., D] values v)."""
        logits = self.head(hidden).view(*hidden.shape[:-1], self.dims, self.outputs_per_dim)
        if self.head_kind != "mse":
            return logits
        return (self.num_classes - 1) / 2 * (1 + torch.tanh(logits.squeeze(-1)))

    def mc_dropout(self, x: Tensor) -> dict[str, Tensor]:
        """``mc_mean`` and ``mc_std`` [B, D] over ``mc_samples`` passes with dropout on (all in one batch)."""
        generator = torch.Generator(device=x.device).manual_seed(MC_SEED)
        features = x.expand(self.mc_samples, *x.shape)
        for layer in self.trunk:
            features = _sampled_dropout(features, layer.p, generator) if isinstance(layer, nn.Dropout) else layer(features)
        logits = self.logits(features)
        reads = logits if self.head_kind == "mse" else _decode(self.head_kind, logits, self.num_classes)[1].to(x.dtype)
        return {"mc_mean": reads.mean(0), "mc_std": reads.std(0)}


def _sampled_dropout(x: Tensor, p: float, generator: torch.Generator) -> Tensor:
    """Inverted dropout with masks drawn from ``generator`` (``nn.Dropout`` in training mode, reproducibly)."""
    if p == 0:
        return x
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p) if p < 1 else x * 0


def _block(in_features: int, out_features: int, dropout: float) -> list[nn.Module]:
    return [nn.Linear(in_features, out_features), nn.LayerNorm(out_features), nn.GELU(), nn.Dropout(dropout)]


def _decode(head: str, logits: Tensor, num_classes: int) -> tuple[Tensor, Tensor]:
    """Class probabilities [..., K] and class index [...] from a head's logits."""
    if head == "coral":
        return class_probs_coral(logits), coral_predict(logits)
    if head == "corn":
        return class_probs_corn(logits), corn_predict(logits)
    if head == "mse":
        return _probs_from_value(logits, num_classes), logits.round().long()
    probs = torch.softmax(logits, dim=-1)
    return probs, probs.argmax(-1)


def _probs_from_value(value: Tensor, num_classes: int) -> Tensor:
    """Split a regressed class index between its two neighbouring classes (linear interpolation)."""
    value = value.clamp(0, num_classes - 1)
    lower = value.floor().clamp_max(num_classes - 2)
    upper_weight = value - lower
    lower_onehot = nn.functional.one_hot(lower.long(), num_classes).to(value.dtype)
    upper_onehot = nn.functional.one_hot(lower.long() + 1, num_classes).to(value.dtype)
    return lower_onehot * (1 - upper_weight).unsqueeze(-1) + upper_onehot * upper_weight.unsqueeze(-1)

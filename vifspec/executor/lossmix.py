"""The weighted loss mix: total = sum over terms of weight x schedule(epoch) x term(inputs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from vifspec.registry import Registry
from vifspec.spec import LossTerm
from vifspec.prepare.bindings import Scope, call_bound, looked_up


def schedule_factor(term: LossTerm, epoch: int) -> float:
    """0 before ``start_epoch`` and after ``stop_epoch``; a linear ramp over ``ramp_epochs``; else 1."""
    if epoch < term.start_epoch or (term.stop_epoch is not None and epoch > term.stop_epoch):
        return 0.0
    if term.ramp_epochs:
        return min(1.0, (epoch - term.start_epoch + 1) / term.ramp_epochs)
    return 1.0


@dataclass
class BoundTerm:
    name: str
    term: LossTerm
    fn: Any
    declared: tuple[str, ...]

    def __call__(self, scope: Scope) -> torch.Tensor:
        return call_bound(self.fn, self.declared, self.term.inputs, self.term.params, scope, ("loss", self.name))


class LossMix:
    """The spec's ``[loss.*]`` terms, loaded once."""

    def __init__(self, terms: dict[str, LossTerm], registry: Registry):
        self.terms = []
        for name, term in terms.items():
            component = registry.get("loss", term.fn)
            self.terms.append(BoundTerm(name, term, component.load(), component.inputs))

    def reads(self) -> set[str]:
        """The names the terms look up (outputs, fields or parameters)."""
        return {name for t in self.terms for name in looked_up(t.fn, t.declared, t.term.inputs).values()}

    def weights(self, epoch: int) -> dict[str, float]:
        """Effective weight of each term in ``epoch`` (weight x schedule)."""
        return {t.name: t.term.weight * schedule_factor(t.term, epoch) for t in self.terms}

    def __call__(self, scope: Scope, weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Total loss and each term's raw value. Terms switched off (weight 0) are still computed
        under no_grad so the record shows their raw value at every epoch."""
        raw: dict[str, torch.Tensor] = {}
        total: torch.Tensor | None = None
        for term in self.terms:
            weight = weights[term.name]
            if weight == 0.0:
                with torch.no_grad():
                    raw[term.name] = term(scope).detach()
                continue
            value = term(scope)
            raw[term.name] = value.detach()
            total = value * weight if total is None else total + value * weight
        if total is None:
            total = torch.zeros((), device=next(iter(raw.values())).device) if raw else torch.zeros(())
        return total, raw

"""The vectorised step behind seeds together: a model's seeds stacked and run as one.

``Vectorised`` holds the seeds' stacked parameters and buffers (``torch.func.stack_module_state``)
and computes every seed's loss in one ``vmap(functional_call(model + loss mix))``; each
``nn.Dropout`` is swapped for a module multiplying by a mask drawn per seed (:mod:`vifspec.executor.masks`
draws the masks). The training loop that uses it is :mod:`vifspec.executor.together`.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator, Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from vifspec.executor.masks import DropoutCall, GivenMask, Masks, draw_masks, dropout_calls, mask_stream
from vifspec.outputs import reading
from vifspec.prepare.bindings import Scope
from vifspec.prepare.data import Fields, num_rows
from vifspec.prepare.prepare import PROBE_ROWS, Prepared


class LossStep(nn.Module):
    """The model and the loss mix on its outputs as one module, so a functional call gives each
    seed's parameters to the loss bindings too (a term bound to a model parameter)."""

    def __init__(self, model: nn.Module, prepared: Prepared) -> None:
        super().__init__()
        self.model = model
        self.loss_mix, self.fields = prepared.loss_mix, prepared.train

    def forward(self, batch: Fields, weights: dict[str, float] | None) -> Any:
        """``(total, raw terms)``; the model's outputs alone when ``weights`` is None."""
        outputs = self.model(batch)
        if weights is None:
            return outputs
        return self.loss_mix(Scope(outputs, batch, SwappedIn(self.model), self.fields), weights)  # type: ignore[arg-type]


class SwappedIn:
    """A module's parameters and buffers by name as a functional call swaps them in (plain tensors,
    which ``nn.Module.get_parameter`` refuses), for the loss bindings."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module

    def get_parameter(self, name: str) -> torch.Tensor:
        return self._get(name, "_parameters")

    def get_buffer(self, name: str) -> torch.Tensor:
        return self._get(name, "_buffers")

    def named_parameters(self) -> Iterator[tuple[str, Any]]:
        return self.module.named_parameters()

    def _get(self, name: str, kind: str) -> torch.Tensor:
        path, _, leaf = name.rpartition(".")
        try:
            owner = self.module.get_submodule(path)
        except AttributeError:
            raise AttributeError(name) from None
        if leaf not in getattr(owner, kind):
            raise AttributeError(name)
        return getattr(owner, leaf)


class SeedParameters:
    """Seed ``i``'s slice of the stacked parameters and buffers, looked up by name as a loss binding does."""

    def __init__(self, vec: "Vectorised", i: int) -> None:
        self.vec, self.i = vec, i

    def get_parameter(self, name: str) -> torch.Tensor:
        return self._get(self.vec.params, name)

    def get_buffer(self, name: str) -> torch.Tensor:
        return self._get(self.vec.buffers, name)

    def named_parameters(self) -> Iterator[tuple[str, torch.Tensor]]:
        return ((name.removeprefix("model."), p[self.i]) for name, p in self.vec.params.items())

    def _get(self, tensors: dict[str, torch.Tensor], name: str) -> torch.Tensor:
        if f"model.{name}" not in tensors:
            raise AttributeError(name)
        return tensors[f"model.{name}"][self.i]


class Vectorised:
    """The seeds' stacked parameters and buffers, their dropout generators, and the vectorised step."""

    def __init__(self, seeds: Sequence[Prepared], generators: Sequence[torch.Generator], loss_per_seed: bool = False,
                 calls: list[DropoutCall] | None = None):
        first = seeds[0]
        self.device, self.generators, self.loss_per_seed = first.device, list(generators), loss_per_seed
        self.loss_mix, self.fields, self.reads = first.loss_mix, first.train, first.loss_mix.reads()
        self.calls = calls if calls is not None else dropout_calls(first.model, probe_rows(first.train))
        template = copy.deepcopy(first.model)
        for name, _, _, p in self.calls:
            parent, _, leaf = name.rpartition(".")
            setattr(template.get_submodule(parent), leaf, GivenMask(p))
        self.module = LossStep(template, first).train()
        params, buffers = stack_module_state([s.model for s in seeds])
        self.names = [f"model.{n}" for n in params]
        self.holder = nn.ParameterList([nn.Parameter(t, requires_grad=t.requires_grad) for t in params.values()])
        self.buffers = {f"model.{n}": t for n, t in buffers.items()}
        self.index = {name: i for i, name in enumerate(self.names)}

    @property
    def params(self) -> dict[str, torch.Tensor]:
        return dict(zip(self.names, self.holder))

    def _call(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], masks: dict[str, torch.Tensor],
              batch: Fields, weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return functional_call(self.module, (params, buffers, masks), (batch, weights))

    def step(self, batch: Fields, masks: dict[str, torch.Tensor], weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Every seed's total loss [S] and raw terms {name: [S]} on its own batch ([S, B, ...] fields)."""
        vectorised = vmap(self._call, in_dims=(0, 0, 0, 0, None), randomness="error")
        with reading(self.reads):
            if not self.loss_per_seed:
                return vectorised(self.params, self.buffers, masks, batch, weights)
            outputs = vectorised(self.params, self.buffers, masks, batch, None)
        per_seed = [
            self.loss_mix(Scope({k: v[i] for k, v in outputs.items()}, {k: v[i] for k, v in batch.items()},
                                SeedParameters(self, i), self.fields), weights)  # type: ignore[arg-type]
            for i in range(len(self.generators))
        ]
        return torch.stack([total for total, _ in per_seed]), {name: torch.stack([raw[name] for _, raw in per_seed]) for name in per_seed[0][1]}

    def step_alone(self, i: int, batch: Fields, masks: dict[str, torch.Tensor], weights: dict[str, float]) -> torch.Tensor:
        """Seed ``i``'s total loss without vmap (what :func:`together_support` compares with)."""
        params = {n: p[i] for n, p in self.params.items()}
        with reading(self.reads):
            return self._call(params, {n: b[i] for n, b in self.buffers.items()}, masks, batch, weights)[0]

    def masks(self, rows: int) -> Masks:
        """One step's dropout masks [S, rows, ...] (:func:`~vifspec.executor.masks.draw_masks`)."""
        return draw_masks(self.calls, self.generators, rows, self.device)

    def mask_stream(self, rows: Sequence[int]) -> Iterator[Masks]:
        """The masks of steps of ``rows`` rows, in order (:func:`~vifspec.executor.masks.mask_stream`)."""
        return mask_stream(self.calls, self.generators, rows, self.device)

    def load_into(self, i: int, model: nn.Module) -> None:
        """Copy seed ``i``'s current parameters into its own model."""
        with torch.no_grad():
            for name, param in model.named_parameters():
                param.copy_(self.holder[self.index[f"model.{name}"]][i])


def probe_rows(fields: Fields) -> Fields:
    return {k: v[: min(PROBE_ROWS, num_rows(fields))] for k, v in fields.items()}

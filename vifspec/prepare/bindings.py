"""Resolve a binding value ("encoder1_logits", "beta_skill", "train:item_id") to a tensor."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import torch

from vifspec.prepare.data import Fields


class BindingError(Exception):
    """A component input is bound to a name that is neither an output, a field nor a parameter."""

    def __init__(self, table: tuple[str, ...], name: str, in_scope: list[str]):
        self.table, self.name, self.in_scope = table, name, in_scope
        super().__init__(f"no model output, batch field or parameter named '{name}'")


class Scope:
    """Where names are looked up: model outputs, then batch fields, then model parameters/buffers."""

    def __init__(self, outputs: dict[str, Any], fields: Fields, model: torch.nn.Module, train: Fields):
        self.outputs, self.fields, self.model, self.train = outputs, fields, model, train

    def get(self, name: str) -> Any:
        """The tensor bound to ``name``; ``KeyError`` (with the names in scope) when there is none."""
        if name.startswith("train:"):
            return self.train[name.split(":", 1)[1]]
        if name in self.outputs:
            return self.outputs[name]
        if name in self.fields:
            return self.fields[name]
        try:
            return self.model.get_parameter(name)
        except AttributeError:
            pass
        try:
            return self.model.get_buffer(name)
        except AttributeError:
            raise KeyError(name) from None

    def names(self) -> list[str]:
        params = [n for n, _ in self.model.named_parameters()]
        return sorted(set(self.outputs) | set(self.fields) | set(params))


def call_bound(
    fn: Any, declared: tuple[str, ...], bindings: dict[str, str], params: dict[str, Any], scope: Scope, table: tuple[str, ...]
) -> Any:
    """Call ``fn`` with each declared input looked up in ``scope`` (by its binding, or its own name).

    A declared input that ``fn`` gives a default (``sample_weight=None``) is optional: it is looked
    up only when bound. ``table`` (e.g. ``("loss", "bce")``) names the spec table, for the error
    when a name is missing.
    """
    return fn(**bound_inputs(fn, declared, bindings, scope, table), **params)


def bound_inputs(fn: Any, declared: tuple[str, ...], bindings: dict[str, str], scope: Scope, table: tuple[str, ...]) -> dict[str, Any]:
    """The keyword inputs :func:`call_bound` passes to ``fn``: each declared input looked up in ``scope``."""
    kwargs = {}
    for arg, bound in looked_up(fn, declared, bindings).items():
        try:
            kwargs[arg] = scope.get(bound)
        except KeyError:
            raise BindingError(table + ("inputs", arg), bound, scope.names()) from None
    return kwargs


def looked_up(fn: Any, declared: tuple[str, ...], bindings: dict[str, str]) -> dict[str, str]:
    """Input -> the name looked up for it: its binding, else its own name (inputs with a default only when bound)."""
    optional = _optional_parameters(fn)
    return {**{name: name for name in declared if name not in optional}, **bindings}


@functools.lru_cache(maxsize=None)
def _optional_parameters(fn: Any) -> frozenset[str]:
    """The parameters of ``fn`` that have a default value (none when it has no signature)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(p.name for p in parameters if p.default is not p.empty)

"""Binding component inputs: an input the function gives a default is read only when bound."""

from __future__ import annotations

import pytest
import torch

from vifspec.prepare.bindings import BindingError, Scope, call_bound


def _weighted(preds, target, sample_weight=None):
    return ("weighted" if sample_weight is not None else "plain", sample_weight)


def _scope(fields: dict[str, torch.Tensor]) -> Scope:
    return Scope({"preds": torch.zeros(3)}, fields, torch.nn.Linear(1, 1), fields)


def test_an_unbound_optional_input_is_not_looked_up_even_when_a_field_has_its_name() -> None:
    declared = ("preds", "target", "sample_weight")
    scope = _scope({"target": torch.ones(3), "sample_weight": torch.full((3,), 2.0)})
    assert call_bound(_weighted, declared, {}, {}, scope, ("loss", "main"))[0] == "plain"
    kind, weight = call_bound(_weighted, declared, {"sample_weight": "sample_weight"}, {}, scope, ("loss", "main"))
    assert kind == "weighted" and weight.tolist() == [2.0, 2.0, 2.0]


def test_a_bound_optional_input_that_is_missing_is_an_error_at_its_key() -> None:
    scope = _scope({"target": torch.ones(3)})
    with pytest.raises(BindingError) as caught:
        call_bound(_weighted, ("preds", "target", "sample_weight"), {"sample_weight": "w"}, {}, scope, ("loss", "main"))
    assert caught.value.table == ("loss", "main", "inputs", "sample_weight") and caught.value.name == "w"

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


SPEC = """
[experiment]
id = "weighted"

[data]
source = "{path}"

[model]
name = "mlp"
params = {{ hidden = [], outputs = 1 }}

[train]
epochs = 2
device = "cpu"

[loss.main]
fn = "mse"
inputs = {{ {binding} }}

[metrics]
test = ["rmse"]
"""


def test_a_spec_binds_sample_weights_to_a_batch_field(write_spec, tmp_path) -> None:
    import json

    import numpy as np
    from click.testing import CliRunner

    from vifspec.cli import main

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", x=rng.normal(size=(60, 2)), target=rng.normal(size=60), w=rng.random(60))
    spec = write_spec(SPEC.format(path=tmp_path / "d.npz", binding='sample_weight = "w"'))
    result = CliRunner().invoke(main, ["run", str(spec), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "runs" / "weighted" / "main" / "record.json").read_text())["metrics"]["test"]["rmse"] > 0
    typo = write_spec(SPEC.format(path=tmp_path / "d.npz", binding='sample_wieght = "w"'), "typo.toml")
    checked = CliRunner().invoke(main, ["check", str(typo)])
    assert checked.exit_code == 2 and "did you mean 'sample_weight'" in checked.output, checked.output

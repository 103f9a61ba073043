"""One registry mechanism: validation at registration, loading on first use, import paths, plugins."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vifspec.errors import SpecError
from vifspec.registry import RegistrationError, Registry, default_registry

PLUGIN_SRC = Path(__file__).resolve().parents[1] / "examples" / "my_plugin" / "src"


def test_declarations_are_validated_when_registered():
    registry = Registry()
    with pytest.raises(RegistrationError, match="higher_is_better"):
        registry.add("metric", "m", "pkg.mod:m", inputs=("x",))
    with pytest.raises(RegistrationError, match="declare its input names"):
        registry.add("loss", "l", "pkg.mod:l")
    with pytest.raises(RegistrationError, match="not of the form"):
        registry.add("loss", "l", "pkg.mod.l", inputs=("x",))
    with pytest.raises(RegistrationError, match="unknown component kind"):
        registry.add("optimizer", "o", "pkg.mod:o")
    registry.add("loss", "l", "pkg.mod:l", inputs=("x",))
    with pytest.raises(RegistrationError, match="twice"):
        registry.add("loss", "l", "pkg.mod:l", inputs=("x",))


def test_declared_inputs_are_checked_against_the_object_when_loaded():
    registry = Registry()
    component = registry.add("loss", "mean_x", "plugin_fixtures:mean_x", inputs=("y",))
    with pytest.raises(RegistrationError, match=r"declared inputs \['y'\]"):
        component.load()


def test_import_path_components_and_suggestions():
    registry = default_registry()
    metric = registry.get("metric", "plugin_fixtures:mean_x")
    assert metric.higher_is_better is True and metric.inputs == ("x",)
    assert metric.load()([1.0, 3.0]) == 2.0
    with pytest.raises(SpecError, match="must declare higher_is_better"):
        registry.get("metric", "plugin_fixtures:no_direction")
    with pytest.raises(SpecError, match="did you mean 'qwk'"):
        registry.get("metric", "qwkk")
    with pytest.raises(SpecError, match="cannot import"):
        registry.get("loss", "no_such_module_xyz:fn")


def test_builtins_register_through_the_plugin_mechanism():
    registry = default_registry()
    assert {"coral", "corn", "bce", "info_nce"} <= set(registry.names("loss"))
    assert {"gain_kt", "ordinal_critic", "embed_mlp", "next_vector", "retriever"} <= set(registry.names("model"))
    for kind in ("loss", "metric", "model", "dataset"):
        for component in registry.components(kind):
            assert isinstance(component.target, str) and component.target.startswith("vifspec.")


def test_example_plugin_registers_and_its_components_work(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN_SRC))
    import my_vifspec_plugin

    registry = Registry()
    my_vifspec_plugin.register(registry)
    huber = registry.get("loss", "huber").load()
    max_error = registry.get("metric", "max_error")
    import torch

    assert float(huber(torch.tensor([0.0, 3.0]), torch.tensor([0.5, 0.0]))) == pytest.approx((0.125 + 2.5) / 2)
    assert max_error.higher_is_better is False and max_error.load()([1, 2], [1, 5]) == 3.0
    sys.modules.pop("my_vifspec_plugin", None)

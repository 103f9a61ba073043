"""The metric package: registration, directions, lazy exports, no torch at import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import vifspec.metrics as metrics
from vifspec.registry import Registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    reg = Registry()
    metrics.register(reg)
    return reg


def test_every_registered_metric_loads_and_declares_its_direction(registry: Registry) -> None:
    components = registry.components("metric")
    assert len(components) >= 29
    for component in components:
        fn = component.load()
        assert isinstance(component.higher_is_better, bool)
        public = getattr(metrics, fn.__name__)  # the public function carries the one declaration's facts
        assert public is fn and public.higher_is_better is component.higher_is_better, component.name
        assert public.unit == component.unit, component.name
        direction = "Higher is better." if component.higher_is_better else "Lower is better."
        assert "Reference:" in fn.__doc__ and direction in " ".join(fn.__doc__.split()), component.name


def test_expected_directions(registry: Registry) -> None:
    lower = {name for name in registry.names("metric") if not registry.get("metric", name).higher_is_better}
    assert lower == {"mae", "mse", "rmse", "log_loss", "hedging", "ece", "percentile", "overlap"}


def test_auc_is_auroc(registry: Registry) -> None:
    assert registry.get("metric", "auc").load() is metrics.auroc


def test_declared_inputs_are_the_parameters_without_defaults(registry: Registry) -> None:
    for component in registry.components("metric"):
        parameters = inspect.signature(component.load()).parameters.values()
        required = tuple(p.name for p in parameters if p.default is p.empty and p.name not in component.inputs)
        assert set(component.inputs) <= {p.name for p in parameters}
        assert required in ((), ("cls",)), component.name


def test_public_api_resolves() -> None:
    for name in metrics.__all__:
        assert callable(getattr(metrics, name)), name
    with pytest.raises(AttributeError):
        getattr(metrics, "no_such_metric")


def test_import_does_not_import_torch() -> None:
    code = (
        "import sys, vifspec.metrics as m; from vifspec.registry import Registry; m.register(Registry()); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

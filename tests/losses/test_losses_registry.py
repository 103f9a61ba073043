"""Every registered loss loads, matches its declaration and returns a 0-d differentiable tensor."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Callable

import pytest
import torch

import vifspec.losses
from vifspec.registry import Registry

N, D = 12, 4
PARAMS_A_SPEC_MUST_GIVE = {"weighted_mse": {"num_classes": 3}}


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def _float(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=_generator(), dtype=torch.float64)


def _binary(*shape: int) -> torch.Tensor:
    return (torch.rand(*shape, generator=_generator()) < 0.3).float()


def _labels(high: int, *shape: int) -> torch.Tensor:
    return torch.randint(0, high, shape, generator=_generator())


SAMPLE_INPUTS: dict[str, Callable[[], dict[str, torch.Tensor]]] = {
    "bce": lambda: {"logits": _float(N), "target": _binary(N)},
    "label_smoothing_bce": lambda: {"logits": _float(N), "target": _binary(N)},
    "focal": lambda: {"logits": _float(N), "target": _binary(N)},
    "asymmetric_focal": lambda: {"logits": _float(N), "target": _binary(N)},
    "calibrated_focal": lambda: {"logits": _float(N), "target": _binary(N)},
    "mse": lambda: {"preds": _float(N, D), "target": _float(N, D)},
    "mae": lambda: {"preds": _float(N, D), "target": _float(N, D), "sample_weight": _float(N).abs()},
    "huber_loss": lambda: {"preds": 3 * _float(N), "target": _float(N)},
    "cross_entropy": lambda: {"logits": _float(N, 5), "target": _labels(5, N), "sample_weight": _float(N).abs()},
    "cosine": lambda: {"preds": _float(N, D), "target": _float(N, D)},
    "weighted_mse": lambda: {"preds": _float(N, D), "target": _labels(3, N, D)},
    "directional": lambda: {"preds": _float(N, D), "target": _float(N, D), "last": _float(N, D)},
    "coral": lambda: {"logits": _float(N, D, 2), "target": _labels(3, N, D)},
    "corn": lambda: {"logits": _float(N, D, 2), "target": _labels(3, N, D)},
    "emd": lambda: {"logits": _float(N, D, 3), "target": _labels(3, N, D)},
    "soft_ordinal": lambda: {"logits": _float(N, D, 3), "target": _labels(3, N, D)},
    "info_nce": lambda: {"query": _float(N, D), "keys": _float(N, D)},
    "entropy_reg": lambda: {"logits": _float(N)},
    "prob_variance_reg": lambda: {"logits": 0.1 * _float(N)},
    "variance_floor": lambda: {"x": 0.01 * _float(N, D)},
    "skill_contrastive": lambda: {"x": 0.01 * _float(N, D), "groups": _labels(5, N, D)},
    "beta_spread": lambda: {"beta": 0.1 * _float(D)},
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    vifspec.losses.register(registry)
    return registry


def test_every_registered_loss_has_a_sample(registry: Registry) -> None:
    assert set(registry.names("loss")) == set(SAMPLE_INPUTS)


@pytest.mark.parametrize("name", sorted(SAMPLE_INPUTS))
def test_declared_inputs_are_the_required_parameters_and_optional_weights(registry: Registry, name: str) -> None:
    component = registry.get("loss", name)
    function = component.load()
    assert component.summary and function.__doc__
    parameters = inspect.signature(function).parameters
    required = [p.name for p in parameters.values() if p.default is p.empty]
    optional = [n for n in component.inputs if parameters[n].default is not parameters[n].empty]
    assert optional in ([], ["sample_weight"]) and all(parameters[n].default is None for n in optional)
    assert required == [*(n for n in component.inputs if n not in optional), *PARAMS_A_SPEC_MUST_GIVE.get(name, {})]


@pytest.mark.parametrize("name", sorted(SAMPLE_INPUTS))
def test_loss_is_a_finite_scalar_with_finite_gradients(registry: Registry, name: str) -> None:
    inputs = SAMPLE_INPUTS[name]()
    differentiable = [value.requires_grad_() for value in inputs.values() if value.is_floating_point()]
    loss = registry.get("loss", name).load()(**inputs, **PARAMS_A_SPEC_MUST_GIVE.get(name, {}))
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    assert all(value.grad is not None and torch.isfinite(value.grad).all() for value in differentiable)


def test_public_api_names_resolve() -> None:
    public = ["coral_loss", "corn_loss", "emd_loss", "soft_ordinal_loss", "focal_loss", "asymmetric_focal_loss",
              "info_nce", "levels_from_labels", "coral_predict", "corn_predict"]
    assert all(callable(getattr(vifspec.losses, name)) for name in public)
    assert set(public) <= set(vifspec.losses.__all__)
    with pytest.raises(AttributeError):
        vifspec.losses.not_a_loss  # noqa: B018


def test_importing_and_registering_does_not_import_torch() -> None:
    code = (
        "import sys, vifspec.losses\n"
        "from vifspec.registry import Registry\n"
        "vifspec.losses.register(Registry())\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

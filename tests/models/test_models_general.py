"""The general MLP and the majority / mean / median baselines, against scikit-learn's references."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss as sk_log_loss

import vifspec.models.general as general
from vifspec.errors import SpecError
from vifspec.losses import cross_entropy
from vifspec.metrics import accuracy, log_loss, r2
from vifspec.models.general import MLP, Majority, Mean, Median
from vifspec.prepare.data import build_model
from vifspec.registry import Registry


def _linear(inputs: int, outputs: int) -> int:
    return inputs * outputs + outputs


@pytest.mark.parametrize(
    ("hidden", "outputs", "expected"),
    [([], 1, _linear(5, 1)), (16, 3, _linear(5, 16) + _linear(16, 3)), ([8, 4], 2, _linear(5, 8) + _linear(8, 4) + _linear(4, 2))],
)
def test_hidden_sizes_and_outputs_shape_the_network(hidden, outputs, expected) -> None:
    model = MLP(5, outputs=outputs, hidden=hidden)
    assert sum(p.numel() for p in model.parameters()) == expected
    out = model({"x": torch.randn(7, 5)})
    shape = (7,) if outputs == 1 else (7, outputs)
    assert out["logits"].shape == shape and out["preds"] is out["logits"]
    expected_probs = torch.sigmoid(out["logits"]) if outputs == 1 else torch.softmax(out["logits"], -1)
    assert torch.allclose(out["probs"], expected_probs)


def test_outputs_default_to_the_datasets_class_count_and_info_fills_the_input_size() -> None:
    model = build_model(MLP, {"hidden": [4]}, {"input_dim": 6, "num_classes": 4, "classes": {"target": list("abcd")}})
    assert model({"x": torch.randn(2, 6)})["logits"].shape == (2, 4)
    assert build_model(MLP, {"outputs": 1}, {"input_dim": 6, "num_classes": 4}).outputs == 1


def test_bad_activation_and_dropout_are_spec_errors() -> None:
    with pytest.raises(SpecError, match="did you mean 'gelu'"):
        MLP(3, activation="gelu2")
    with pytest.raises(SpecError, match="dropout"):
        MLP(3, dropout=1.0)


def test_standardize_fits_train_statistics_into_buffers() -> None:
    rng = np.random.default_rng(0)
    train = {"x": torch.tensor(rng.normal(size=(50, 3)) * [1, 10, 100] + [0, 3, -7], dtype=torch.float32)}
    model = MLP(3, hidden=[], standardize=True)
    model.fit(train)
    assert torch.allclose(model.mean, train["x"].mean(0), atol=1e-4)
    assert torch.allclose(model.scale, train["x"].std(0, correction=0), rtol=1e-4)
    assert set(model.state_dict()) >= {"mean", "scale"}  # kept in the checkpoint
    plain = MLP(3, hidden=[])
    plain.fit(train)
    assert torch.equal(plain.mean, torch.zeros(3))


def test_a_linear_mlp_trained_with_cross_entropy_matches_logistic_regression() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    target = np.argmax(x @ rng.normal(size=(4, 3)) + rng.gumbel(size=(300, 3)), axis=1)
    torch.manual_seed(0)
    model = MLP(4, outputs=3, hidden=[])
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=25, line_search_fn="strong_wolfe")
    batch = {"x": torch.tensor(x, dtype=torch.float32)}
    labels = torch.tensor(target)

    def closure():
        optimizer.zero_grad()
        loss = cross_entropy(model(batch)["logits"], labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    reference = LogisticRegression(C=1e6, max_iter=5000).fit(x, target)  # (almost) unpenalised, like the MLP
    probs = model(batch)["probs"].detach()
    assert log_loss(probs, labels) == pytest.approx(sk_log_loss(target, reference.predict_proba(x)), rel=1e-3)


def test_majority_is_dummy_classifier_prior() -> None:
    rng = np.random.default_rng(2)
    target = rng.choice(4, size=200, p=[0.1, 0.5, 0.3, 0.1])
    model = build_model(Majority, {}, {"input_dim": 3, "num_classes": 5})
    model.fit({"target": torch.tensor(target)})
    out = model({"x": torch.zeros(40, 3)})
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((200, 1)), target)
    assert out["probs"].shape == (40, 5)
    assert np.allclose(out["probs"][0, :4].numpy(), dummy.predict_proba(np.zeros((1, 1)))[0]) and out["probs"][0, 4] == 0
    test_target = rng.choice(4, size=40)
    assert accuracy(out["logits"], test_target) == pytest.approx(dummy.score(np.zeros((40, 1)), test_target))


def test_majority_of_two_classes_speaks_like_a_binary_classifier() -> None:
    model = Majority()
    model.fit({"target": torch.tensor([0.0, 1.0, 1.0, 1.0])})
    out = model({"x": torch.zeros(3, 2)})
    assert out["probs"].tolist() == [0.75] * 3
    assert torch.allclose(torch.sigmoid(out["logits"]), out["probs"])
    assert log_loss(out["probs"], torch.tensor([1, 0, 1])) == pytest.approx(sk_log_loss([1, 0, 1], [0.75] * 3))
    with pytest.raises(SpecError, match="0..C-1"):
        Majority().fit({"target": torch.tensor([-1, 0, 1])})


@pytest.mark.parametrize(("cls", "strategy"), [(Mean, "mean"), (Median, "median")])
@pytest.mark.parametrize("rows", [9, 10])
def test_mean_and_median_are_dummy_regressors(cls, strategy, rows) -> None:
    rng = np.random.default_rng(rows)
    target = rng.exponential(size=(rows, 2))
    model = build_model(cls, {}, {"input_dim": 3})
    model.fit({"target": torch.tensor(target)})
    out = model({"x": torch.zeros(5, 3)})["preds"]
    expected = DummyRegressor(strategy=strategy).fit(np.zeros((rows, 1)), target).predict(np.zeros((5, 1)))
    assert out.shape == (5, 2) and np.allclose(out.numpy(), expected, atol=1e-6)


def test_mean_predictor_has_zero_train_r2_and_unfitted_models_refuse_to_predict() -> None:
    target = torch.tensor([1.0, 2.0, 6.0])
    model = Mean()
    with pytest.raises(RuntimeError, match="fit"):
        model({"x": torch.zeros(3, 1)})
    model.fit({"target": target})
    assert r2(model({"x": torch.zeros(3, 1)})["preds"], target) == pytest.approx(0.0, abs=1e-7)


def test_registered_and_torch_free() -> None:
    registry = Registry()
    general.register(registry)
    assert registry.names("model") == ["majority", "mean", "median", "mlp"]
    assert [registry.get("model", n).trivial for n in registry.names("model")] == [True, True, True, False]
    code = "import sys, vifspec.models.general as g; from vifspec.registry import Registry; g.register(Registry()); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_standardize_target_predicts_in_the_targets_unit_from_its_train_statistics() -> None:
    rng = np.random.default_rng(2)
    x = torch.tensor(rng.normal(size=(200, 3)), dtype=torch.float32)
    target = 150 + 40 * x[:, 0]
    model = MLP(3, hidden=[], standardize_target=True)
    model.fit({"x": x, "target": target})
    assert model.target_mean.item() == pytest.approx(target.mean().item(), rel=1e-5)
    assert model.target_scale.item() == pytest.approx(target.std(correction=0).item(), rel=1e-5)
    with torch.no_grad():
        model.net[-1].weight.zero_()
        model.net[-1].bias.zero_()
        assert torch.allclose(model({"x": x})["preds"], torch.full((200,), target.mean().item()))  # a zero net predicts the train mean
    assert {"target_mean", "target_scale"} <= set(model.state_dict())


def test_standardize_target_refuses_a_class_target_and_a_missing_field() -> None:
    with pytest.raises(SpecError, match="numeric target"):
        MLP(3, num_classes=4, standardize_target=True)
    with pytest.raises(SpecError, match="did you mean 'target'"):
        MLP(3, standardize_target=True, target="targte").fit({"x": torch.zeros(4, 3), "target": torch.zeros(4)})

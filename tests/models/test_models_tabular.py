import pytest
import torch
from sklearn.metrics import roc_auc_score

import vifspec.models.tabular as tabular_pkg
from vifspec.datasets.tabular import tabular_synthetic
from vifspec.errors import SpecError
from vifspec.models.tabular import EmbeddingMLP, Prior
from vifspec.registry import Registry


def linear(inputs, outputs):
    return inputs * outputs + outputs


@pytest.mark.parametrize(
    ("d_embed", "embedding", "expected"),
    [
        (None, "per_feature", linear(20, 64) + linear(64, 1)),
        (8, "per_feature", 2 * 20 * 8 + linear(20 * 8, 64) + linear(64, 1)),
        (8, "linear", linear(20, 8) + linear(8, 64) + linear(64, 1)),
    ],
)
def test_embedding_choices_shape_the_network(d_embed, embedding, expected):
    model = EmbeddingMLP(20, d_embed=d_embed, embedding=embedding)
    assert sum(p.numel() for p in model.parameters()) == expected
    out = model.eval()({"x": torch.randn(5, 20)})
    assert out["logits"].shape == (5,) and torch.allclose(out["probs"], torch.sigmoid(out["logits"]))


def test_per_feature_embedding_is_nonlinear_in_each_feature():
    torch.manual_seed(0)
    embed = EmbeddingMLP(3, d_embed=4).embed
    x = torch.tensor([[1.0, 0.0, 0.0]])
    assert not torch.allclose(embed(-x), 2 * embed(torch.zeros(1, 3)) - embed(x))


def test_short_bce_training_ranks_rare_positives():
    bundle = tabular_synthetic(seed=0, n=8000, tier="a20", positive_rate=0.05)
    x, y = bundle.fields["x"], bundle.fields["target"]
    x = (x - x[:6000].mean(0)) / x[:6000].std(0)
    torch.manual_seed(0)
    model = EmbeddingMLP(**bundle.info, d_embed=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(3):
        for batch in torch.randperm(6000).split(256):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model({"x": x[batch]})["logits"], y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        probs = model.eval()({"x": x[6000:]})["probs"]
    assert roc_auc_score(y[6000:].numpy(), probs.numpy()) > 0.6


def test_unknown_embedding_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown embedding"):
        EmbeddingMLP(4, embedding="periodic")


def test_prior_predicts_the_train_positive_rate():
    model = Prior()
    assert not any(p.requires_grad for p in model.parameters())
    model.fit({"target": torch.tensor([0.0, 1.0, 0.0, 0.0])})
    out = model({"x": torch.zeros(3, 2)})
    assert torch.allclose(out["probs"], torch.full((3,), 0.25))
    assert torch.allclose(out["logits"], torch.full((3,), torch.log(torch.tensor(0.25 / 0.75)).item()))


def test_prior_refuses_to_predict_before_fit():
    with pytest.raises(RuntimeError, match="fit"):
        Prior()({"x": torch.zeros(2, 3)})


def test_registry_entries_load():
    registry = Registry()
    tabular_pkg.register(registry)
    assert registry.get("model", "embed_mlp").load() is EmbeddingMLP
    prior = registry.get("model", "tabular_prior")
    assert prior.load() is Prior and prior.trivial is True

import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import vifspec.datasets.tabular as tabular_pkg
from vifspec.datasets.tabular import tabular_synthetic
from vifspec.errors import SpecError
from vifspec.registry import Registry


def test_same_seed_same_data_other_seed_other_data():
    first, again, other = (tabular_synthetic(seed=s, n=500, tier="a20") for s in (5, 5, 6))
    assert torch.equal(first.fields["x"], again.fields["x"])
    assert torch.equal(first.fields["target"], again.fields["target"])
    assert not torch.equal(first.fields["x"], other.fields["x"])


@pytest.mark.parametrize(("tier", "width"), [("a20", 20), ("a100", 100), ("a200", 200), ("a500", 500)])
def test_tier_sets_the_number_of_features(tier, width):
    bundle = tabular_synthetic(seed=0, n=300, tier=tier)
    assert bundle.fields["x"].shape == (300, width) and bundle.fields["x"].dtype == torch.float32
    assert bundle.fields["target"].shape == (300,) and bundle.fields["target"].dtype == torch.float32
    assert bundle.info == {"input_dim": width}


def test_positives_are_rare_and_exactly_at_the_requested_rate():
    target = tabular_synthetic(seed=0, n=20000, positive_rate=0.03).fields["target"]
    assert set(target.unique().tolist()) == {0.0, 1.0}
    assert int(target.sum()) == 600


def test_only_the_informative_features_carry_signal():
    bundle = tabular_synthetic(seed=3, n=6000, tier="a20", positive_rate=0.1)
    x, y = bundle.fields["x"].numpy(), bundle.fields["target"].numpy()
    informative = bundle.truth["informative_features"]
    signal_columns = set(informative) | set(bundle.truth["redundant_features"])
    noise_columns = [c for c in range(20) if c not in signal_columns]
    assert len(informative) < 10 and len(noise_columns) >= 10

    def held_out_auc(columns):
        model = LogisticRegression(max_iter=2000).fit(x[:4000, columns], y[:4000])
        return roc_auc_score(y[4000:], model.predict_proba(x[4000:, columns])[:, 1])

    assert held_out_auc(informative) > 0.7
    assert held_out_auc(noise_columns) < 0.6


def test_unknown_tier_is_a_spec_error_with_a_hint():
    with pytest.raises(SpecError, match="did you mean 'a200'"):
        tabular_synthetic(seed=0, n=10, tier="a2000")


def test_registry_entry_loads():
    registry = Registry()
    tabular_pkg.register(registry)
    assert registry.get("dataset", "tabular_synthetic").load() is tabular_synthetic

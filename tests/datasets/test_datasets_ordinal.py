import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge
from sklearn.metrics import cohen_kappa_score

import vifspec.datasets.ordinal as ordinal_pkg
from vifspec.datasets.ordinal import ordinal_synthetic
from vifspec.errors import SpecError
from vifspec.registry import Registry


def test_same_seed_same_data_other_seed_other_data():
    first, again, other = (ordinal_synthetic(seed=s, n=200) for s in (3, 3, 4))
    assert torch.equal(first.fields["x"], again.fields["x"])
    assert torch.equal(first.fields["target"], again.fields["target"])
    assert not torch.equal(first.fields["x"], other.fields["x"])


@pytest.mark.parametrize(("encoder_dim", "window", "extra", "width"), [(256, 1, 10, 266), (384, 3, 12, 1164)])
def test_state_width_and_info_follow_the_seed_encoders(encoder_dim, window, extra, width):
    bundle = ordinal_synthetic(seed=0, n=150, encoder_dim=encoder_dim, window=window, extra=extra)
    x, target = bundle.fields["x"], bundle.fields["target"]
    assert x.shape == (150, width) and x.dtype == torch.float32
    assert target.shape == (150, 10) and target.dtype == torch.int64
    assert set(target.unique().tolist()) == {0, 1, 2}
    assert bundle.info == {"input_dim": width, "dims": 10, "num_classes": 3}
    assert bundle.truth["label_values"] == [-1, 0, 1]


def test_minus_one_is_rare_and_zero_dominates_so_hedging_is_tempting():
    target = ordinal_synthetic(seed=1, minority_share=0.1, neutral_share=0.7).fields["target"]
    shares = torch.stack([(target == k).float().mean(0) for k in range(3)], dim=1)  # [dims, 3]
    assert torch.allclose(shares[:, 0], torch.full((10,), 0.1), atol=0.01)
    assert torch.allclose(shares[:, 1], torch.full((10,), 0.7), atol=0.01)
    assert (shares[:, 0] < shares[:, 2]).all()
    hedging_accuracy = (target == 1).float().mean().item()
    assert hedging_accuracy == pytest.approx(0.7, abs=0.01)


def test_labels_are_learnable_from_the_state_but_noisy():
    bundle = ordinal_synthetic(seed=2, n=1300)
    x, target = bundle.fields["x"].numpy(), bundle.fields["target"].numpy()
    predicted = Ridge(alpha=10.0).fit(x[:1000], target[:1000]).predict(x[1000:]).round().clip(0, 2)
    kappas = [cohen_kappa_score(target[1000:, d], predicted[:, d], weights="quadratic") for d in range(10)]
    assert 0.15 < np.mean(kappas) < 0.8


@pytest.mark.parametrize(("minority", "neutral"), [(0.0, 0.7), (0.4, 0.6), (-0.1, 0.5)])
def test_impossible_class_shares_are_rejected(minority, neutral):
    with pytest.raises(SpecError, match="minority_share"):
        ordinal_synthetic(seed=0, n=50, minority_share=minority, neutral_share=neutral)


def test_registry_entry_loads():
    registry = Registry()
    ordinal_pkg.register(registry)
    assert registry.get("dataset", "ordinal_synthetic").load() is ordinal_synthetic

"""Stratified splits and train-only standardisation (no statistic of val/test leaks into training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler

from vifspec.data import DataBundle
from vifspec.errors import SpecError
from vifspec.prepare.data import split_fields
from vifspec.prepare.splits import split_data
from vifspec.spec import Data

FRACTIONS = {"train": 0.6, "val": 0.2, "test": 0.2}


def _bundle(n: int = 500, seed: int = 0) -> DataBundle:
    rng = np.random.default_rng(seed)
    target = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    x = rng.normal(size=(n, 4)) * [1.0, 10.0, 100.0, 0.1] + [0.0, 5.0, -50.0, 1.0]
    return DataBundle(fields={"x": torch.tensor(x, dtype=torch.float32), "target": torch.tensor(target), "row": torch.arange(n)})


def _data(**keys) -> Data:
    return Data(source="memory", splits=FRACTIONS, **keys)


def test_stratified_splits_keep_every_class_in_its_fraction() -> None:
    bundle = _bundle()
    splits = split_data(bundle, _data(stratify=True))
    target = bundle.fields["target"]
    rows = torch.cat([splits[name]["row"] for name in FRACTIONS])
    assert sorted(rows.tolist()) == list(range(500))  # a partition: every row once
    for cls in range(3):
        size = int((target == cls).sum())
        for name, fraction in FRACTIONS.items():
            count = int((splits[name]["target"] == cls).sum())
            assert abs(count - fraction * size) <= 1, (name, cls, count)


def test_stratified_splits_are_seeded_and_not_ordered_by_class() -> None:
    bundle = _bundle()
    first = split_data(bundle, _data(stratify="target", seed=3))
    again = split_data(bundle, _data(stratify="target", seed=3))
    other = split_data(bundle, _data(stratify="target", seed=4))
    assert torch.equal(first["train"]["row"], again["train"]["row"])
    assert not torch.equal(first["train"]["row"], other["train"]["row"])
    labels = first["train"]["target"]
    assert not torch.equal(labels, labels.sort().values)


def test_without_stratify_the_random_partition_is_unchanged() -> None:
    bundle = _bundle()
    plain = split_fields(bundle, FRACTIONS, 0)
    assert torch.equal(split_data(bundle, _data())["test"]["row"], plain["test"]["row"])


def test_stratify_needs_class_labels_of_a_present_field_in_unsplit_data() -> None:
    bundle = _bundle()
    with pytest.raises(SpecError, match="no field 'targte'.*did you mean 'target'"):
        split_data(bundle, _data(stratify="targte"))
    bundle.fields["score"] = torch.rand(500)
    with pytest.raises(SpecError, match="non-integer"):
        split_data(bundle, _data(stratify="score"))
    presplit = DataBundle(splits={"train": {"target": torch.zeros(3)}, "test": {"target": torch.ones(2)}})
    with pytest.raises(SpecError, match="already split"):
        split_data(presplit, _data(stratify=True))


def test_standardize_uses_train_statistics_only_as_sklearn_standard_scaler() -> None:
    splits = split_data(_bundle(), _data(standardize=True))
    raw = split_fields(_bundle(), FRACTIONS, 0)
    scaler = StandardScaler().fit(raw["train"]["x"].double().numpy())
    for name in FRACTIONS:
        expected = scaler.transform(raw[name]["x"].double().numpy())
        assert np.allclose(splits[name]["x"].numpy(), expected, atol=1e-5), name
    assert splits["train"]["target"].dtype == torch.int64  # other fields untouched


def test_no_statistic_of_val_or_test_reaches_the_standardisation() -> None:
    bundle = _bundle()
    reference = split_data(bundle, _data(standardize=["x"]))
    held_out = torch.cat([reference[name]["row"] for name in ("val", "test")])
    poisoned = _bundle()
    poisoned.fields["x"][held_out] = poisoned.fields["x"][held_out] * 1000 + 1e4  # wildly different held-out rows
    changed = split_data(poisoned, _data(standardize=["x"]))
    assert torch.equal(changed["train"]["x"], reference["train"]["x"])
    # the held-out rows themselves are scaled by the (unchanged) train statistics
    train_raw = bundle.fields["x"][reference["train"]["row"]].double()
    mean, std = train_raw.mean(0), train_raw.std(0, correction=0)
    expected = ((bundle.fields["x"][reference["val"]["row"]].double() * 1000 + 1e4) - mean) / std
    assert torch.allclose(changed["val"]["x"].double(), expected, rtol=1e-4)


def test_standardize_refuses_unknown_fields_scales_integer_ones_and_keeps_constant_columns_finite() -> None:
    with pytest.raises(SpecError, match="no field 'z'"):
        split_data(_bundle(), _data(standardize=["z"]))
    counts = split_data(_bundle(), _data(standardize=["row"]))  # integer column: z-scored as float32
    raw = split_fields(_bundle(), FRACTIONS, 0)
    expected = StandardScaler().fit(raw["train"]["row"][:, None].double().numpy()).transform(raw["test"]["row"][:, None].double().numpy())
    assert counts["test"]["row"].dtype == torch.float32 and np.allclose(counts["test"]["row"].numpy(), expected[:, 0], atol=1e-5)
    bundle = _bundle()
    bundle.fields["x"][:, 2] = 7.0
    out = split_data(bundle, _data(standardize=True))
    assert torch.equal(out["test"]["x"][:, 2], torch.zeros(100))

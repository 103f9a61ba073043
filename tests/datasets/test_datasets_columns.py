"""Column selection by name, glob and exclusion; text targets as class ids; missing values refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import LabelEncoder

from vifspec.datasets.files import csv, npz, parquet
from vifspec.errors import SpecError


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "id": np.arange(8),
        "f_a": rng.normal(size=8),
        "f_b": rng.normal(size=8),
        "g_c": rng.normal(size=8),
        "species": ["virginica", "setosa", "setosa", "versicolor", "virginica", "setosa", "versicolor", "setosa"],
    })
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return frame, path


def test_star_selects_every_column_but_the_excluded_and_the_other_fields(table):
    frame, path = table
    bundle = csv(seed=0, path=path, fields={"x": "*", "target": "species"}, exclude=["id"])
    assert np.allclose(bundle.fields["x"].numpy(), frame[["f_a", "f_b", "g_c"]].to_numpy(), atol=1e-6)
    assert bundle.info["input_dim"] == 3


def test_glob_patterns_keep_file_order_and_mix_with_names(table):
    frame, path = table
    bundle = csv(seed=0, path=path, fields={"x": ["g_c", "f_*"], "target": "species"})
    assert np.allclose(bundle.fields["x"].numpy(), frame[["g_c", "f_a", "f_b"]].to_numpy(), atol=1e-6)
    only_f = csv(seed=0, path=path, fields={"x": "*", "target": "species"}, exclude=["id", "g_*"])
    assert only_f.fields["x"].shape == (8, 2)


def test_exclude_without_fields_drops_columns(table):
    _, path = table
    bundle = csv(seed=0, path=path, exclude=["id", "species"])
    assert set(bundle.fields) == {"f_a", "f_b", "g_c"}


def test_a_pattern_matching_nothing_is_a_spec_error_listing_the_columns(table):
    _, path = table
    with pytest.raises(SpecError, match=r"no column .* matches 'h_\*'.*columns: id, f_a"):
        csv(seed=0, path=path, fields={"x": "h_*"})


def test_text_target_becomes_sorted_class_ids_with_the_names_kept(table):
    frame, path = table
    bundle = csv(seed=0, path=path, fields={"x": "f_*", "target": "species"})
    encoder = LabelEncoder().fit(frame["species"])
    assert bundle.fields["target"].tolist() == encoder.transform(frame["species"]).tolist()
    assert bundle.info["classes"] == {"target": list(encoder.classes_)}
    assert bundle.info["num_classes"] == 3


def test_text_labels_in_parquet_and_npz(tmp_path, table):
    frame, _ = table
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    bundle = parquet(seed=0, path=tmp_path / "t.parquet", fields={"x": "f_*", "label": "species"})
    assert bundle.info["classes"] == {"label": ["setosa", "versicolor", "virginica"]} and "num_classes" not in bundle.info
    np.savez(tmp_path / "t.npz", x=frame[["f_a"]].to_numpy(), target=frame["species"].to_numpy().astype(str))
    assert npz(seed=0, path=tmp_path / "t.npz").info["num_classes"] == 3


def test_missing_values_in_selected_columns_are_refused_with_counts(tmp_path):
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, 2.0, 3.0], "y": ["p", None, "q"]}).to_csv(path, index=False)
    with pytest.raises(SpecError, match=r"missing values .*a: 1"):
        csv(seed=0, path=path, fields={"x": ["a", "b"]})
    with pytest.raises(SpecError, match="column 'y' .* missing values"):
        csv(seed=0, path=path, fields={"x": "b", "target": "y"})
    assert csv(seed=0, path=path, fields={"x": "b"}).fields["x"].tolist() == [1.0, 2.0, 3.0]  # gaps elsewhere: fine

import sys

import numpy as np
import pandas as pd
import pytest
import torch

import vifspec.datasets.files as files_pkg
from vifspec.datasets.files import csv, npz, parquet, pt
from vifspec.errors import SpecError
from vifspec.registry import Registry

SPLITS = np.array(["train", "train", "val", "test", "train", "val"])


@pytest.fixture
def arrays():
    generator = np.random.default_rng(0)
    return {"x": generator.standard_normal((6, 3)), "target": np.arange(6) % 2, "weight": np.linspace(0, 1, 6)}


def test_npz_round_trip_every_array_is_a_field(tmp_path, arrays):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    bundle = npz(seed=0, path=str(path))
    assert bundle.splits is None and set(bundle.fields) == {"x", "target", "weight"}
    assert bundle.fields["x"].dtype == torch.float32 and bundle.fields["target"].dtype == torch.int64
    assert np.allclose(bundle.fields["x"].numpy(), arrays["x"])
    assert bundle.fields["target"].tolist() == arrays["target"].tolist()
    assert bundle.info == {"input_dim": 3}


def test_npz_fields_select_rename_and_stack(tmp_path, arrays):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    bundle = npz(seed=0, path=path, fields={"features": ["x", "weight"], "y": "target"}, info={"dims": 1})
    assert set(bundle.fields) == {"features", "y"}
    expected = np.concatenate([arrays["x"], arrays["weight"][:, None]], axis=1)
    assert np.allclose(bundle.fields["features"].numpy(), expected)
    assert bundle.info == {"dims": 1}


def test_npz_split_field_gives_pre_split_data(tmp_path, arrays):
    path = tmp_path / "data.npz"
    np.savez(path, split=SPLITS, **arrays)
    bundle = npz(seed=0, path=path, split_field="split")
    assert bundle.fields is None and list(bundle.splits) == ["train", "val", "test"]
    assert set(bundle.splits["train"]) == {"x", "target", "weight"}
    assert np.allclose(bundle.splits["val"]["x"].numpy(), arrays["x"][SPLITS == "val"])
    assert bundle.splits["train"]["target"].tolist() == arrays["target"][SPLITS == "train"].tolist()


def test_npz_refuses_pickled_objects(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(SpecError, match="pickle"):
        npz(seed=0, path=path)


def test_pt_round_trip_with_split_labels_as_strings(tmp_path, arrays):
    path = tmp_path / "data.pt"
    tensors = {name: torch.as_tensor(value) for name, value in arrays.items()}
    torch.save({**tensors, "split": SPLITS.tolist()}, path)
    bundle = pt(seed=0, path=path, split_field="split", fields={"x": "x", "target": "target"})
    assert list(bundle.splits) == ["train", "val", "test"]
    assert torch.equal(bundle.splits["test"]["x"], tensors["x"][3:4].float())
    assert bundle.info == {"input_dim": 3}


def test_pt_must_hold_a_dict(tmp_path):
    path = tmp_path / "tensor.pt"
    torch.save(torch.zeros(3), path)
    with pytest.raises(SpecError, match="expected a dict of tensors"):
        pt(seed=0, path=path)


@pytest.mark.parametrize(("loader", "writer"), [(csv, "to_csv"), (parquet, "to_parquet")])
def test_tables_round_trip_with_stacked_columns_and_splits(tmp_path, arrays, loader, writer):
    frame = pd.DataFrame({"a": arrays["x"][:, 0], "b": arrays["x"][:, 1], "label": arrays["target"], "split": SPLITS})
    path = tmp_path / f"table.{loader.__name__}"
    getattr(frame, writer)(path, index=False)
    bundle = loader(seed=0, path=path, fields={"x": ["a", "b"], "target": "label"}, split_field="split")
    assert list(bundle.splits) == ["train", "val", "test"]
    train = SPLITS == "train"
    assert np.allclose(bundle.splits["train"]["x"].numpy(), arrays["x"][train, :2], atol=1e-6)
    assert bundle.splits["train"]["target"].tolist() == arrays["target"][train].tolist()
    assert bundle.info == {"input_dim": 2}


def test_table_without_fields_makes_every_numeric_column_a_field(tmp_path):
    path = tmp_path / "table.csv"
    pd.DataFrame({"u": [1.5, 2.5], "v": [3, 4]}).to_csv(path, index=False)
    bundle = csv(seed=0, path=path)
    assert bundle.fields["u"].tolist() == [1.5, 2.5] and bundle.fields["v"].tolist() == [3, 4]


def test_text_column_stacked_with_others_is_a_spec_error(tmp_path):
    path = tmp_path / "table.csv"
    pd.DataFrame({"u": [1.5, 2.5], "name": ["a", "b"]}).to_csv(path, index=False)
    with pytest.raises(SpecError, match="column 'name'.*holds text; exclude it"):
        csv(seed=0, path=path, fields={"x": ["u", "name"]})


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.npz"
    with pytest.raises(SpecError, match="nowhere.npz"):
        npz(seed=0, path=missing)


def test_missing_column_suggests_a_close_name(tmp_path, arrays):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    with pytest.raises(SpecError, match="did you mean 'target'"):
        npz(seed=0, path=path, fields={"y": "targte"})


def test_fields_of_different_lengths_are_a_spec_error(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros((4, 2)), target=np.zeros(3))
    with pytest.raises(SpecError, match="different numbers of rows"):
        npz(seed=0, path=path)


def test_tables_without_pandas_give_an_install_hint(tmp_path, monkeypatch):
    path = tmp_path / "table.csv"
    path.write_text("u\n1\n")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(SpecError, match=r"pip install 'vifspec\[tables\]'"):
        csv(seed=0, path=path)


def test_registry_entries_load():
    registry = Registry()
    files_pkg.register(registry)
    assert [registry.get("dataset", name).load() for name in ("npz", "pt", "csv", "parquet")] == [npz, pt, csv, parquet]

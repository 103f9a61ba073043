"""examples/real_data: scikit-learn's wine, breast_cancer and diabetes exported to CSV and run through
the CLI from their specs alone (short epochs), checked against scikit-learn on the same splits."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn import datasets
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

import vifspec
from vifspec.cli import main
from vifspec.prepare.data import load_bundle
from vifspec.records import read_record
from vifspec.prepare.splits import split_data
from vifspec.registry import default_registry

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "real_data"
SHORT_EPOCHS = {"wine": 25, "breast_cancer": 15, "diabetes": 60}


def _export_module():
    spec = importlib.util.spec_from_file_location("export_sklearn", EXAMPLES / "export_sklearn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder holding data/*.csv (exported) and the three specs with short epochs."""
    folder = tmp_path_factory.mktemp("real_data")
    _export_module().export(folder / "data")
    for name, epochs in SHORT_EPOCHS.items():
        text = (EXAMPLES / f"{name}.toml").read_text()
        (folder / f"{name}.toml").write_text(re.sub(r"(?m)^epochs = \d+", f"epochs = {epochs}", text))
    return folder


def test_export_writes_the_sets_as_people_have_them(workdir) -> None:
    import pandas as pd

    wine = pd.read_csv(workdir / "data" / "wine.csv")
    assert list(wine.columns[:2]) == ["id", "alcohol"] and wine.shape == (178, 15)
    assert sorted(wine["cultivar"].unique()) == ["class_0", "class_1", "class_2"]
    cancer = pd.read_csv(workdir / "data" / "breast_cancer.csv")
    original = datasets.load_breast_cancer()
    assert (cancer["diagnosis"] == "malignant").sum() == (original.target == 0).sum()
    diabetes = pd.read_csv(workdir / "data" / "diabetes.csv")
    assert np.allclose(diabetes["progression"], datasets.load_diabetes().target)


def test_the_shipped_specs_compile(workdir, monkeypatch) -> None:
    monkeypatch.chdir(workdir)
    result = CliRunner().invoke(main, ["check", *(f"{name}.toml" for name in SHORT_EPOCHS)])
    assert result.exit_code == 0, result.output


def _run(workdir: Path, name: str, monkeypatch) -> dict:
    monkeypatch.chdir(workdir)
    result = CliRunner().invoke(main, ["run", f"{name}.toml", "--out", "runs", "--device", "cpu"])
    assert result.exit_code in (0, 1, 4), result.output
    (record,) = (workdir / "runs").glob(f"{name.replace('_', '-')}/main/record.json")
    return read_record(record).model_dump()


def _splits(workdir: Path, name: str, monkeypatch) -> dict:
    """The run's splits, rebuilt through the spec's [data], with the file's ids alongside."""
    monkeypatch.chdir(workdir)
    path = workdir / f"{name}.toml"
    data = vifspec.compile(path)[0].spec.data
    params = {**data.params, "fields": {**data.params["fields"], "row": "id"}}
    bundle = load_bundle(data.model_copy(update={"params": params}), str(path), default_registry())
    return {split: {k: v.numpy() for k, v in fields.items()} for split, fields in split_data(bundle, data).items()}


def test_wine_multiclass_against_logistic_regression(workdir, monkeypatch) -> None:
    record = _run(workdir, "wine", monkeypatch)
    splits = _splits(workdir, "wine", monkeypatch)
    train, test = splits["train"], splits["test"]
    assert record["model"]["n_train"] == len(train["row"]) == 107  # 60% of each cultivar: round(35.4) + round(42.6) + round(28.8)
    assert record["classes"] == {"target": ["class_0", "class_1", "class_2"]}  # the mapping kept with the run
    report = next((workdir / "runs").glob("wine/main/report.md")).read_text(encoding="utf-8")
    assert "**Classes**: target: 0 = class_0, 1 = class_1, 2 = class_2" in report
    reference = LogisticRegression(max_iter=1000).fit(train["x"], train["target"])
    expected = accuracy_score(test["target"], reference.predict(test["x"]))
    assert record["metrics"]["test"]["accuracy"] >= expected - 0.10
    dummy = DummyClassifier(strategy="prior").fit(train["x"], train["target"])
    majority = record["trivial"]["majority"]["test"]
    assert majority["accuracy"] == pytest.approx(dummy.score(test["x"], test["target"]))
    assert record["metrics"]["test"]["accuracy"] > majority["accuracy"] + 0.3


def test_breast_cancer_binary_against_logistic_regression(workdir, monkeypatch) -> None:
    record = _run(workdir, "breast_cancer", monkeypatch)
    splits = _splits(workdir, "breast_cancer", monkeypatch)
    train, test = splits["train"], splits["test"]
    ids = {row: label for split in splits.values() for row, label in zip(split["row"], split["target"])}
    original = datasets.load_breast_cancer().target  # 0 = malignant there; sorted names make malignant 1 here
    assert all(label == 1 - original[row] for row, label in ids.items())
    reference = LogisticRegression(max_iter=1000).fit(train["x"], train["target"])
    auc = roc_auc_score(test["target"], reference.decision_function(test["x"]))
    assert record["metrics"]["test"]["auc"] >= auc - 0.05
    assert record["trivial"]["majority"]["test"]["auc"] == pytest.approx(0.5)
    assert record["trivial"]["majority"]["test"]["accuracy"] == pytest.approx(1 - test["target"].mean())


def test_diabetes_regression_against_ridge(workdir, monkeypatch) -> None:
    record = _run(workdir, "diabetes", monkeypatch)
    splits = _splits(workdir, "diabetes", monkeypatch)
    train, test = splits["train"], splits["test"]
    reference = Ridge(alpha=1.0).fit(train["x"], train["target"])
    assert record["metrics"]["test"]["r2"] >= r2_score(test["target"], reference.predict(test["x"])) - 0.15
    for name, strategy in (("mean", "mean"), ("median", "median")):
        dummy = DummyRegressor(strategy=strategy).fit(train["x"], train["target"])
        expected = r2_score(test["target"], dummy.predict(test["x"]))
        assert record["trivial"][name]["test"]["r2"] == pytest.approx(expected, abs=1e-5)


def test_examples_folder_ignores_exported_data() -> None:
    assert "data/" in (EXAMPLES / ".gitignore").read_text().split()

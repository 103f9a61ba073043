"""k-fold cross-validation: each row is tested exactly once, classes stay in proportion, folds are judged like seeds."""

from __future__ import annotations

import textwrap

import pytest
import torch
from click.testing import CliRunner

from spec_parts import BCE_AND_AUC
from vifspec.cli import main
from vifspec.data import DataBundle
from vifspec.prepare.splits import split_data
from vifspec.records import scan_records
from vifspec.spec.schema import Data


def _bundle(n: int = 103) -> DataBundle:
    labels = (torch.arange(n) % 5 == 0).long()  # 21 positives of 103: a minority class
    return DataBundle(fields={"row": torch.arange(n), "x": torch.randn(n, 3), "target": labels})


@pytest.mark.parametrize("stratify", [False, True])
def test_every_row_is_in_exactly_one_test_fold_and_splits_are_disjoint(stratify: bool) -> None:
    data = Data(source="any", folds=4, stratify=stratify, splits={"train": 0.6, "val": 0.2, "test": 0.2})
    tested = []
    for fold in range(4):
        splits = split_data(_bundle(), data, fold)
        rows = {name: set(split["row"].tolist()) for name, split in splits.items()}
        assert not (rows["train"] & rows["val"]) and not (rows["test"] & (rows["train"] | rows["val"]))
        assert len(rows["train"]) + len(rows["val"]) + len(rows["test"]) == 103
        assert len(rows["train"]) / (len(rows["train"]) + len(rows["val"])) == pytest.approx(0.75, abs=0.03)  # 0.6 : 0.2
        tested += sorted(rows["test"])
        if stratify:  # each fold holds the minority class in proportion (21 positives over 4 folds)
            assert int(splits["test"]["target"].sum()) in (5, 6)
    assert sorted(tested) == list(range(103))


def test_folds_are_judged_like_seeds(write_spec, tmp_path, monkeypatch) -> None:
    path = write_spec(textwrap.dedent("""
        [experiment]
        id = "cv"
        [data]
        source = "tabular_synthetic"
        params = { n = 300 }
        folds = 3
        stratify = true
        [model]
        name = "embed_mlp"
        [train]
        epochs = 1
        device = "cpu"
    """) + BCE_AND_AUC + textwrap.dedent("""
        [metrics]
        test = ["auc"]
        [criteria]
        "AUC" = "test.auc > 0.0"
    """))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(path), "--out", "runs"])
    assert result.exit_code == 0, result.output
    records = scan_records("runs").records
    assert sorted(r.run_label for r in records) == ["0/fold0", "0/fold1", "0/fold2"]
    report = (tmp_path / "runs" / "cv" / "main" / "report.md").read_text(encoding="utf-8")
    assert "| seed 0/fold0 | seed 0/fold1 | seed 0/fold2 |" in report

"""A single-seed run's interval comes from resampling its test examples: checked against a bootstrap
computed independently (scikit-learn's AUC, numpy quantiles) from the same predictions and draws."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

import vifspec
from vifspec.executor.evaluate import predict
from vifspec.executor.resample import resample_indices
from vifspec.prepare.prepare import prepare
from vifspec.registry import default_registry
from vifspec.verdict import judge_records


def test_the_verdict_interval_is_the_bootstrap_of_the_test_predictions(tiny_kt, tmp_path) -> None:
    (plan,) = vifspec.compile(tiny_kt, overrides={"verdict.resamples": 300})
    record = vifspec.run(plan, out=tmp_path, progress=False)
    auc = judge_records([record]).criteria[0]
    assert auc.name == "AUC" and auc.interval.kind == "test resampling" and auc.interval.label == "test resampling, 1 seed"

    prepared = prepare(plan, default_registry(), "cpu")  # the same data and model, rebuilt
    prepared.model.load_state_dict(torch.load(plan.run_dir(tmp_path) / "checkpoint.pt", weights_only=True))
    test = prepared.splits["test"]
    scores = predict(prepared.model, test, 1024)["encoder1_logits"].numpy()  # [students, steps]
    labels = test["correct"].numpy()
    assert roc_auc_score(labels.ravel(), scores.ravel()) == pytest.approx(record.metrics["test"]["encoder1_auc"], abs=1e-9)

    # the unit resampled is a row of the split (a student with all their steps), as the split's examples are
    draws = torch.cat(list(resample_indices(len(scores), 300, seed=plan.spec.data.seed))).numpy()
    resampled = [roc_auc_score(labels[rows].ravel(), scores[rows].ravel()) for rows in draws]
    low, high = np.nanquantile(resampled, [0.025, 0.975])
    assert (auc.low, auc.high) == pytest.approx((low, high), rel=1e-5)  # resamples are stored to 6 digits

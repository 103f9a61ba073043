"""Test resampling: the interval equals an independent numpy/scikit-learn bootstrap over the same index sets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, cohen_kappa_score, precision_score, roc_auc_score

import vifspec.metrics as metrics
from vifspec.executor import resample as resampling
from vifspec.executor.resample import resample_indices, resample_metric
from vifspec.metrics import accuracy, auroc, mae, precision, qwk, qwk_per_dim, recall_at_k
from vifspec.metrics._common import tensor_results


def data(n: int = 300, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(n, generator=g)
    queries = torch.randn(n, 8, generator=g)
    return {
        "scores": scores,
        "binary": (torch.rand(n, generator=g) < scores).float(),
        "preds": torch.randint(0, 3, (n,), generator=g),
        "labels": torch.randint(0, 3, (n,), generator=g),
        "queries": queries,
        "items": queries + 0.8 * torch.randn(n, 8, generator=g),
    }


def index_matrix(n: int, resamples: int, seed: int) -> np.ndarray:
    return torch.cat(list(resample_indices(n, resamples, seed))).numpy()


def cosine_matrix(queries: torch.Tensor, items: torch.Tensor) -> np.ndarray:
    q, c = queries.numpy().astype(np.float64), items.numpy().astype(np.float64)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (c / np.linalg.norm(c, axis=1, keepdims=True)).T


def pool_resampled_recall_at_k(sims: np.ndarray, rows: np.ndarray, k: int) -> float:
    """R@k of the resampled split ``rows`` with the candidate pool drawn with the queries (what
    resampling the inputs together would do): a drawn duplicate of a query's own item ties with it."""
    resampled = sims[np.ix_(rows, rows)]
    return float(np.mean((resampled > np.diag(resampled)[:, None]).sum(axis=1) < k))


def check_against(result, reference: np.ndarray, confidence: float = 0.95) -> None:
    """``result`` holds the reference's values and its percentile interval (numpy, linear)."""
    assert np.allclose(result.values.numpy(), reference, rtol=0, atol=1e-6)
    low, high = np.quantile(reference, [(1 - confidence) / 2, (1 + confidence) / 2])
    assert result.interval.low == pytest.approx(low, abs=1e-6) and result.interval.high == pytest.approx(high, abs=1e-6)


def test_auc_interval_matches_a_scikit_learn_bootstrap_over_the_same_indices():
    d = data()
    result = resample_metric(auroc, {"scores": d["scores"], "target": d["binary"]}, resamples=200, seed=3)
    s, y = d["scores"].numpy(), d["binary"].numpy()
    reference = np.array([roc_auc_score(y[i], s[i]) for i in index_matrix(300, 200, 3)])
    assert np.allclose(result.values.numpy(), reference, rtol=0, atol=1e-12)
    low, high = np.quantile(reference, [0.025, 0.975])
    assert result.interval.low == pytest.approx(low, abs=1e-12) and result.interval.high == pytest.approx(high, abs=1e-12)
    assert result.interval.value == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert (result.interval.kind, result.interval.n, result.interval.resamples) == ("test resampling", 300, 200)
    assert result.interval.method == "bootstrap percentile" and result.vectorised  # ranks without torch.unique batch


def test_a_cpu_batches_small_splits_and_loops_over_large_ones_with_the_same_values(monkeypatch):
    d = data()
    inputs = {"scores": d["scores"], "target": d["binary"]}
    small = resample_metric(auroc, inputs, resamples=40, seed=5)
    monkeypatch.setattr(resampling, "CPU_VMAP_ELEMENTS", 2 * 300 - 1)  # this split's 300 rows x 2 inputs: "large"
    large = resample_metric(auroc, inputs, resamples=40, seed=5)
    assert small.vectorised and not large.vectorised
    assert torch.allclose(small.values, large.values, rtol=0, atol=1e-12)


def test_label_metrics_match_numpy_and_scikit_learn_and_are_vectorised():
    d = data()
    p, t = d["preds"].numpy(), d["labels"].numpy()
    index = index_matrix(300, 150, 0)
    result = resample_metric(accuracy, {"preds": d["preds"], "target": d["labels"]}, resamples=150, confidence=0.9,
                             vectorise=True)
    check_against(result, np.array([accuracy_score(t[i], p[i]) for i in index]), confidence=0.9)
    assert result.vectorised
    result = resample_metric(mae, {"preds": d["scores"] * 2, "target": d["labels"]}, resamples=150)
    check_against(result, np.abs(2 * d["scores"].numpy()[index] - t[index]).mean(axis=1))
    result = resample_metric(qwk, {"preds": d["preds"], "target": d["labels"]}, resamples=150)
    check_against(result, np.array([cohen_kappa_score(t[i], p[i], weights="quadratic") for i in index]))


def test_parameters_pass_through_unresampled():
    d = data()
    s, y = d["scores"].numpy(), d["binary"].numpy()
    result = resample_metric(precision, {"scores": d["scores"], "target": d["binary"]}, {"threshold": 0.7},
                             resamples=100, seed=1)
    check_against(result, np.array([precision_score(y[i], s[i] >= 0.7) for i in index_matrix(300, 100, 1)]))


@pytest.mark.parametrize("k", [1, 5])
def test_recall_at_k_resamples_each_querys_hit_against_the_whole_pool(k: int):
    d = data(n=120)
    result = resample_metric(recall_at_k, {"preds": d["queries"], "target": d["items"]}, {"k": k}, resamples=400)
    sims = cosine_matrix(d["queries"], d["items"])
    hits = ((sims > np.diag(sims)[:, None]).sum(axis=1) < k).astype(float)  # numpy, on the full pool
    index = index_matrix(120, 400, 0)
    check_against(result, hits[index].mean(axis=1))
    assert result.interval.value == pytest.approx(hits.mean())
    # the draws centre on the estimate; drawing the pool with the queries would shift them (k = 1:
    # fewer distinct distractors, easier; k = 5: a distractor drawn twice takes two of the five places)
    assert abs(result.values.mean().item() - hits.mean()) < 0.01
    pooled = np.array([pool_resampled_recall_at_k(sims, i, k) for i in index])
    assert abs(pooled.mean() - hits.mean()) > 0.005


def test_cosine_metrics_draw_whole_examples_of_their_per_sample_cosines():
    g = torch.Generator().manual_seed(4)
    preds, target = torch.randn(90, 3, 16, generator=g), torch.randn(90, 3, 16, generator=g)  # 3 steps per example
    result = resample_metric(metrics.mean_cosine, {"preds": preds, "target": target}, resamples=300, seed=5)
    p, t = preds.numpy().astype(np.float64), target.numpy().astype(np.float64)
    cos = (p * t).sum(-1) / (np.linalg.norm(p, axis=-1) * np.linalg.norm(t, axis=-1))  # [90, 3], numpy
    check_against(result, np.array([cos[i].mean() for i in index_matrix(90, 300, 5)]))
    assert result.interval.value == pytest.approx(cos.mean())


def _bins_delta_numpy(forward: np.ndarray, copy: np.ndarray, n_bins: int) -> float:
    order = np.argsort(1 - copy, kind="stable")
    bins = np.empty(len(order), dtype=int)
    bins[order] = np.arange(len(order)) * n_bins // len(order)
    return min((forward - copy)[bins == b].mean() for b in range(n_bins) if (bins == b).any())


def test_the_bins_delta_draws_whole_examples_of_their_cosines():
    """Its per-sample cosines are computed once and each draw bins them again: the values of binning
    each drawn set of examples (3 steps each) from scratch, in numpy."""
    g = torch.Generator().manual_seed(6)
    preds, target, last = (torch.randn(80, 3, 16, generator=g) for _ in range(3))
    result = resample_metric(metrics.bins_delta, {"preds": preds, "target": target, "last": last}, {"n_bins": 4},
                             resamples=200, seed=2)

    def cos(a, b):
        a, b = a.numpy().astype(np.float64), b.numpy().astype(np.float64)
        return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))

    forward, copy = cos(preds, target), cos(last, target)  # [80, 3]
    reference = [_bins_delta_numpy(forward[i].reshape(-1), copy[i].reshape(-1), 4) for i in index_matrix(80, 200, 2)]
    check_against(result, np.array(reference))
    assert result.vectorised


@pytest.mark.parametrize("metric, names", [(accuracy, ("preds", "labels")), (qwk, ("preds", "labels"))])
def test_vmap_loop_and_chunk_size_give_the_same_values(metric, names):
    d = data(n=100)
    inputs = {"preds": d[names[0]], "target": d[names[1]]}
    batched = resample_metric(metric, inputs, resamples=20, seed=2, vectorise=True)
    looped = resample_metric(metric, inputs, resamples=20, seed=2, vectorise=False)
    chunked = resample_metric(metric, inputs, resamples=20, seed=2, chunk=7, vectorise=True)
    assert batched.vectorised and not looped.vectorised
    assert torch.allclose(batched.values, looped.values, rtol=0, atol=1e-12)
    assert torch.equal(batched.values, chunked.values)


def every_per_example_metric() -> list[tuple[str, dict, dict]]:
    """(function name, inputs, params) for each built-in metric registered per_example."""
    d = data(n=80)
    pair = {"preds": d["preds"], "target": d["labels"]}
    scored = {"scores": d["scores"], "target": d["binary"]}
    vectors = {"preds": d["queries"], "target": d["items"]}
    probs = {"probs": torch.softmax(d["queries"][:, :3], dim=1), "target": d["labels"]}
    x = {"x": d["scores"]}
    regression = {"preds": 2 * d["scores"], "target": d["labels"].double()}
    groups = d["labels"]
    return [
        ("accuracy", pair, {}), ("macro_f1", pair, {}), ("mae", pair, {}), ("mse", pair, {}), ("qwk", pair, {}),
        ("class_recall", pair, {"cls": 1}), ("minority_recall", pair, {}), ("hedging", {"preds": d["preds"]}, {}),
        ("pearson", {"preds": d["scores"], "target": d["binary"]}, {}),
        ("spearman", {"preds": d["scores"], "target": d["binary"]}, {}),
        ("auroc", scored, {}), ("precision", scored, {}), ("recall", scored, {}),
        ("r2", regression, {}), ("rmse", regression, {}),
        ("score_spread", {"scores": d["scores"]}, {}), ("calibration", probs, {}), ("ece", probs, {}),
        ("error_uncertainty", {"uncertainty": d["scores"].flip(0)} | regression, {}),
        ("log_loss", probs, {}),
        ("mean_value", x, {}), ("dispersion_std", x, {}), ("dispersion_cv", x, {}),
        ("group_cv", {"x": d["scores"], "groups": groups}, {}),
        ("conditional_ratio", {"x": d["scores"], "condition": d["binary"]}, {}), ("percentile", x, {}),
        ("mean_cosine", vectors, {}), ("offset_margin", vectors | {"last": d["queries"].flip(0)}, {}),
        ("cosine_drop", {"preds": d["queries"], "preds_ablated": d["items"].flip(0), "target": d["items"]}, {}),
        ("bins_delta", vectors | {"last": d["queries"].flip(0)}, {}),
        ("recall_at_k", vectors, {"k": 5}), ("contain_at_k", vectors | {"groups": groups}, {"k": 5}),
    ]


@pytest.mark.parametrize("name, inputs, params", every_per_example_metric(),
                         ids=[case[0] for case in every_per_example_metric()])
def test_every_per_example_metric_resamples_alike_batched_or_looped(name, inputs, params):
    metric = getattr(metrics, name)
    batched = resample_metric(metric, inputs, params, resamples=12, seed=1, vectorise=True)
    looped = resample_metric(metric, inputs, params, resamples=12, seed=1, vectorise=False)
    assert torch.allclose(batched.values, looped.values, rtol=0, atol=1e-9, equal_nan=True)
    assert batched.interval.value == pytest.approx(metric(**inputs, **params), nan_ok=True)


def test_the_table_covers_every_per_example_metric():
    from vifspec.metrics import _ENTRIES

    registered = {entry.function.split(":")[1] for entry in _ENTRIES if entry.per_example and entry.name != "qwk_per_dim"}
    assert registered == {name for name, _, _ in every_per_example_metric()}


def test_resampling_is_deterministic_for_a_seed():
    d = data()
    inputs = {"scores": d["scores"], "target": d["binary"]}
    first, again = (resample_metric(auroc, inputs, resamples=50, seed=5) for _ in range(2))
    assert torch.equal(first.values, again.values) and first.interval == again.interval
    assert not torch.equal(first.values, resample_metric(auroc, inputs, resamples=50, seed=6).values)
    assert torch.equal(torch.cat(list(resample_indices(50, 30, 1))), torch.cat(list(resample_indices(50, 30, 1))))


def test_undefined_resamples_are_counted_and_left_out():
    target = torch.zeros(30)
    target[:2] = 1  # two positives: some resamples draw none, and AUC is undefined there
    scores = torch.linspace(0, 1, 30)
    result = resample_metric(auroc, {"scores": scores, "target": target}, resamples=200, seed=0)
    index = index_matrix(30, 200, 0)
    no_positive = ~(index < 2).any(axis=1)
    assert result.interval.undefined == int(no_positive.sum()) > 0
    assert torch.isnan(result.values).numpy().tolist() == no_positive.tolist()
    y, s = target.numpy(), scores.numpy()
    defined = np.array([roc_auc_score(y[i], s[i]) for i in index[~no_positive]])
    low, high = np.quantile(defined, [0.025, 0.975])
    assert result.interval.low == pytest.approx(low) and result.interval.high == pytest.approx(high)


def test_a_plugin_metric_returning_a_float_is_looped():
    d = data()

    def mean_error(preds, target):
        return float((preds - target).abs().mean().item())

    result = resample_metric(mean_error, {"preds": d["scores"], "target": d["binary"]}, resamples=60, vectorise=True)
    index = index_matrix(300, 60, 0)
    check_against(result, np.abs(d["scores"].numpy()[index] - d["binary"].numpy()[index]).mean(axis=1))
    assert not result.vectorised


def test_array_likes_are_accepted():
    result = resample_metric(mae, {"preds": [0.0, 1.0, 2.0, 3.0], "target": [0, 1, 1, 3]}, resamples=20)
    index = index_matrix(4, 20, 0)
    check_against(result, np.abs(np.array([0.0, 1, 2, 3])[index] - np.array([0, 1, 1, 3])[index]).mean(axis=1))


def test_bad_inputs_are_errors():
    d = data()
    with pytest.raises(ValueError, match="first dimension"):
        resample_metric(accuracy, {"preds": d["preds"], "target": d["labels"][:10]})
    with pytest.raises(ValueError, match="first dimension"):
        resample_metric(precision, {"scores": d["scores"], "target": d["binary"], "threshold": torch.tensor(0.5)})
    with pytest.raises(ValueError, match="one number"):
        resample_metric(qwk_per_dim, {"preds": d["preds"].reshape(-1, 3), "target": d["labels"].reshape(-1, 3)},
                        resamples=5)


def test_tensor_results_skips_the_host_sync_only_inside_the_block():
    d = data()
    with tensor_results():
        inside = auroc(d["scores"], d["binary"])
    assert isinstance(inside, torch.Tensor) and inside.ndim == 0
    assert isinstance(auroc(d["scores"], d["binary"]), float)

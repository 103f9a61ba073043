"""Time the test-resampling bootstrap (vifspec.executor.resample) against a naive loop, side by side.

    .venv/bin/python benchmarks/resample_speed.py [--n 10000 100000] [--resamples 1000]
        [--retrieval-resamples 20] [--device cpu|cuda] [--chunk C] [--repeats 3] [--threads T]
        [--metrics auc accuracy mae recall_at_k]

For each metric and size, three ways to get the same B values from the same index sets:
  vmap       resample_metric(vectorise=True): chunks of resamples batched by torch.func.vmap where
             the metric allows it (else it falls back to the loop; the "path" column says which)
  loop       resample_metric(vectorise=False): one call per resample, results kept on the device
  naive      a Python loop calling the public metric on x[idx], one .item() host sync per resample
             (the same index sets, drawn inside the timing as the other two draw them)
resample_metric's default is vmap on an accelerator and the loop on the CPU. Prints seconds per
1000 resamples (the best of --repeats timings, after a warm-up) and the speed-ups over naive.
recall_at_k is resampled through its per-query hits (computed once against the whole candidate
pool, O(N^2 D); each draw is then a mean of N hits), so vmap and loop take the same path and their
time is mostly that one call. The naive loop scores each draw's own pool (O(N^2 D) per draw, and a
different, biased statistic: see vifspec.executor.resample), so it gets --retrieval-resamples
(scaled to 1000 in the table); at N = 10^5 one R@5 call takes minutes on one CPU thread.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Callable

import torch

from vifspec.executor import resample as resampling
from vifspec.metrics import accuracy, auroc, mae, recall_at_k


def synced_seconds(fn: Callable[[], Any], device: torch.device, repeats: int) -> float:
    """The best of ``repeats`` wall times of ``fn()``, synchronising a CUDA device around each."""
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def cases(n: int) -> dict[str, tuple[Callable[..., float], dict, dict]]:
    g = torch.Generator().manual_seed(0)
    scores = torch.rand(n, generator=g)
    labels = torch.randint(0, 3, (n,), generator=g)
    queries = torch.randn(n, 32, generator=g)
    return {
        "auc": (auroc, {"scores": scores, "target": (torch.rand(n, generator=g) < scores).float()}, {}),
        "accuracy": (accuracy, {"preds": torch.randint(0, 3, (n,), generator=g), "target": labels}, {}),
        "mae": (mae, {"preds": scores * 2, "target": labels.float()}, {}),
        "recall_at_k": (recall_at_k, {"preds": queries, "target": queries + torch.randn(n, 32, generator=g)},
                        {"k": 5}),
    }


def naive(metric: Callable[..., float], inputs: dict, params: dict, n: int, resamples: int,
          device: torch.device) -> list[float]:
    index = torch.cat(list(resampling.resample_indices(n, resamples, 0, device)))
    return [metric(**{k: v[rows] for k, v in inputs.items()}, **params) for rows in index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--retrieval-resamples", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--chunk", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (1 on a shared machine)")
    parser.add_argument("--metrics", nargs="+", default=["auc", "accuracy", "mae", "recall_at_k"])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f"{device} (torch {torch.__version__}, {torch.get_num_threads()} threads); seconds per 1000 resamples")
    print(f"  {'metric':<12} {'N':>7} {'B':>5} {'path':>5} {'vmap':>9} {'loop':>9} {'naive':>9} "
          f"{'naive/vmap':>11} {'naive/loop':>11}")
    for n in args.n:
        for name, (metric, inputs, params) in cases(n).items():
            if name not in args.metrics:
                continue
            inputs = {k: v.to(device) for k, v in inputs.items()}
            b = args.retrieval_resamples if name == "recall_at_k" else args.resamples
            resampling.resample_metric(metric, inputs, params, resamples=1, chunk=args.chunk)  # warm-up
            result: list[Any] = []
            t_vmap = synced_seconds(lambda: result.append(resampling.resample_metric(
                metric, inputs, params, resamples=b, chunk=args.chunk, vectorise=True)), device, args.repeats)
            t_loop = synced_seconds(lambda: resampling.resample_metric(
                metric, inputs, params, resamples=b, vectorise=False), device, args.repeats)
            t_naive = synced_seconds(lambda: naive(metric, inputs, params, n, b, device), device, args.repeats)
            path = "vmap" if result[0].vectorised else "loop"
            scale = 1000 / b
            print(f"  {name:<12} {n:>7} {b:>5} {path:>5} {t_vmap * scale:>9.3f} {t_loop * scale:>9.3f} "
                  f"{t_naive * scale:>9.3f} {t_naive / t_vmap:>10.1f}x {t_naive / t_loop:>10.1f}x")

if __name__ == "__main__":
    main()

"""Time the built-in metrics on 10^6 predictions (budget: milliseconds on the device).

    .venv/bin/python benchmarks/metric_speed.py [--n 1000000] [--device cpu|cuda]

Prints the median of 5 calls per metric (after one warm-up call).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from vifspec.metrics import accuracy, auroc, dispersion_std, ece, group_cv, mae, pearson, qwk, spearman


def median_ms(fn, *args, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        if args and args[0].is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    g = torch.Generator().manual_seed(0)
    scores = torch.rand(args.n, generator=g).to(args.device)
    binary = (torch.rand(args.n, generator=g).to(args.device) < scores).float()
    labels = torch.randint(0, 3, (args.n,), generator=g).to(args.device)
    preds = torch.randint(0, 3, (args.n,), generator=g).to(args.device)
    probs = torch.softmax(torch.randn(args.n, 3, generator=g), dim=1).to(args.device)
    groups = torch.randint(0, 100, (args.n,), generator=g).to(args.device)
    cases = {
        "auc": (auroc, scores, binary),
        "accuracy": (accuracy, preds, labels),
        "mae": (mae, preds.float(), labels.float()),
        "qwk": (qwk, preds, labels),
        "spearman": (spearman, scores, binary),
        "pearson": (pearson, scores, binary),
        "ece (3 classes)": (ece, probs, labels),
        "dispersion_std": (dispersion_std, scores),
        "group_cv (100 groups)": (group_cv, scores, groups),
    }
    print(f"{args.n:,} predictions on {args.device} (torch {torch.__version__}, {torch.get_num_threads()} threads)")
    for name, (fn, *inputs) in cases.items():
        fn(*inputs)  # warm-up
        print(f"  {name:<22} {median_ms(fn, *inputs):8.1f} ms")


if __name__ == "__main__":
    main()

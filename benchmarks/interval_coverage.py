"""Coverage of the seed intervals at small n: how often a nominal 95% interval contains the true value.

    .venv/bin/python benchmarks/interval_coverage.py [--reps 2000] [--resamples 2000] [--confidence 0.95]

Draws n "seeds" from a population many times and counts how often each interval of
vifspec.verdict.stats contains the population's mean (for the mean intervals) or median (for the
median). An honest 95% interval covers 95% of the time; below that, a verdict says PASS or FAIL on
noise more often than it claims. The populations: normal, and a skewed one (a metric near its
ceiling: 1 - Gamma(2) / 50). The figures are quoted in docs/uncertainty.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from vifspec.verdict.stats import bootstrap_interval, t_interval

POPULATIONS = {
    "normal": (lambda rng, size: rng.normal(0.7, 0.02, size), 0.7, 0.7),
    "skewed": (lambda rng, size: 1 - rng.gamma(2.0, 1.0, size) / 50, 1 - 2.0 / 50, None),
}


def population_median(draw, rng) -> float:
    return float(np.median(draw(rng, 2_000_000)))


def coverage(draw, mean: float, median: float, n: int, args, rng) -> dict[str, float]:
    methods = {
        "t (mean)": (lambda v: t_interval(v, args.confidence), mean),
        "bootstrap percentile (mean)": (lambda v: bootstrap_interval(v, args.confidence, "mean", "percentile",
                                                                     args.resamples, seed), mean),
        "bootstrap bca (mean)": (lambda v: bootstrap_interval(v, args.confidence, "mean", "bca",
                                                              args.resamples, seed), mean),
        "bootstrap percentile (median)": (lambda v: bootstrap_interval(v, args.confidence, "median", "percentile",
                                                                       args.resamples, seed), median),
    }
    hits = dict.fromkeys(methods, 0)
    for seed in range(args.reps):
        values = draw(rng, n)
        for name, (interval_of, truth) in methods.items():
            interval = interval_of(values)
            hits[name] += interval.has_interval and interval.low <= truth <= interval.high
    return {name: count / args.reps for name, count in hits.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--n", type=int, nargs="+", default=[3, 5, 10])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"coverage of nominal {args.confidence:.0%} intervals, {args.reps} draws each")
    for population, (draw, mean, median) in POPULATIONS.items():
        median = median if median is not None else population_median(draw, rng)
        for n in args.n:
            for name, share in coverage(draw, mean, median, n, args, rng).items():
                print(f"  {population:<7} n = {n:<3} {name:<30} {share:6.1%}")


if __name__ == "__main__":
    main()

"""Seeds together: N seeds of one variant trained as one vectorised model vs 1 seed alone.

By default the workload is the first variant of specs/vif_critic.toml (the ordinal critic: an MLP
with LayerNorm, GELU and dropout, the CORAL loss, 1300 rows); ``--spec``, ``--only`` and ``--set``
choose another. Every run has a fixed epoch count (early stopping never fires) and no checkpoint.
After a warm-up run (not counted: the first optimizer of a process imports torch._dynamo, about
a second), each round trains N seeds with ``run_together`` (one by one where ``together_support`` says so) and then 1 seed alone (``run_plan``), in one
process, so machine load hits both alike; the script prints the median wall seconds of each
(prepare, training, per-epoch validation and records, final evaluation) and of their epochs alone
(the records' epoch seconds), and the ratios together / alone (goal: <= 2.0 on CPU).
Torch runs on ``--threads`` threads (default 1; it sets ``[train] threads``) on both sides.

Then, unless ``--no-whole-runs``, it times what a user waits for: whole ``vifspec run SPEC --only
VARIANT --seeds N`` and ``--seeds 1`` commands (start-up, compile, training, judging, reports), one
after the other in alternation, and prints their ratio too. A one-seed run also draws its test
resamples (the verdict's interval), which a run of N seeds does not need.

On a CPU the ratio cannot fall below the ratio of the arithmetic itself: N seeds do N times the
floating-point work, so only a model whose one-seed step is dominated by per-operation overhead
(small layers, small batches) comes close to 1. ``--only`` (a larger sweep point) or ``--set`` (a
key no variant sets) can show that: a larger model or batch moves the ratio towards N.

    .venv/bin/python benchmarks/seeds_together.py [--seeds 8] [--epochs 10] [--rounds 3] [--threads 1]
        [--spec specs/vif_critic.toml] [--only VARIANT] [--set KEY=VALUE ...] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import vifspec
from vifspec.cli import _settings
from vifspec.compiler.plan import Plan
from vifspec.executor.run import run_plan
from vifspec.executor.together import run_together, together_support
from vifspec.prepare.prepare import prepare
from vifspec.registry import default_registry

SPECS = Path(__file__).resolve().parents[1] / "specs"
DEFAULT_SETTINGS = ("data.params.n=1300",)  # the critic's default workload


def bench_plan(args: argparse.Namespace) -> Plan:
    """The variant's first plan with a fixed epoch count, no checkpoint, early stopping that never fires."""
    overrides = {**_settings(tuple(args.set)), "train.epochs": args.epochs, "train.checkpoint": False, "train.threads": args.threads,
                 "train.device": args.device}
    (first, *_) = vifspec.compile(args.spec, overrides=overrides, only=[args.only] if args.only else ())
    if first.spec.train.early_stopping is not None:
        overrides["train.early_stopping.patience"] = args.epochs + 1
    return vifspec.compile(args.spec, overrides=overrides, only=[first.variant])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--spec", default=str(SPECS / "vif_critic.toml"))
    parser.add_argument("--only", help="The variant to train (default: the spec's first).")
    parser.add_argument("--no-whole-runs", action="store_true", help="Skip the whole 'vifspec run' commands.")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help=f"A dotted key of the spec (repeatable; default for the critic: {' '.join(DEFAULT_SETTINGS)}).")
    args = parser.parse_args()
    if args.set is None:
        args.set = list(DEFAULT_SETTINGS) if Path(args.spec).name == "vif_critic.toml" else []
    torch.set_num_threads(args.threads)
    plan = bench_plan(args)
    plans = [dataclasses.replace(plan, seed=s, seeds_in_variant=args.seeds) for s in range(args.seeds)]
    support = together_support(prepare(plans[0], default_registry(), args.device))
    print(f"{Path(args.spec).name} {plan.variant} ({' '.join(args.set) or 'as written'}), seeds: {support}")
    epochs_of = max if support.together else sum  # seeds together share their epochs' wall time; one by one they add up
    out = Path(tempfile.mkdtemp())
    run_plan(plans[0], out=out / "warm-up", device=args.device, progress=False)  # not counted: the first optimizer imports torch._dynamo
    timings: dict[str, list[float]] = {"together": [], "alone": [], "together epochs": [], "alone epochs": []}
    for round_ in range(args.rounds):
        started = time.perf_counter()
        records = run_together(plans, out=str(out / f"t{round_}"), device=args.device, progress=False)
        timings["together"].append(time.perf_counter() - started)
        timings["together epochs"].append(epochs_of(sum(e.seconds for e in r.history) for r in records))
        started = time.perf_counter()
        record = run_plan(plans[0], out=out / f"a{round_}", device=args.device, progress=False)
        timings["alone"].append(time.perf_counter() - started)
        timings["alone epochs"].append(sum(e.seconds for e in record.history))
        trained = [len(r.history) for r in [*records, record]]  # every epoch (a guard may flag a run, not stop it)
        assert trained == [args.epochs] * len(trained), [(r.status, r.stop_reason) for r in [*records, record]]
    median = {name: statistics.median(values) for name, values in timings.items()}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"device {args.device}, {args.threads} torch thread(s), {args.epochs} epochs, load average {load}")
    print(f"{args.seeds} seeds together: {median['together']:.2f} s (epochs {median['together epochs']:.2f} s)")
    print(f"1 seed alone:      {median['alone']:.2f} s (epochs {median['alone epochs']:.2f} s)")
    print(f"ratio together / alone: {median['together'] / median['alone']:.2f} "
          f"(epochs only: {median['together epochs'] / median['alone epochs']:.2f}); goal <= 2.0 on CPU; "
          f"{args.seeds} seeds one after another would be about {args.seeds:.1f}")
    if not args.no_whole_runs:
        whole_runs(args, plan.variant)


def whole_runs(args: argparse.Namespace, variant: str) -> None:
    """Median seconds of whole ``vifspec run`` commands with N seeds and with 1, alternating."""
    seconds: dict[int, list[float]] = {args.seeds: [], 1: []}
    settings = [item for key, value in {"train.epochs": args.epochs, "train.checkpoint": "false", "train.threads": args.threads,
                                        "train.device": f'"{args.device}"'}.items() for item in ("--set", f"{key}={value}")]
    for item in args.set:
        settings += ["--set", item]
    for _ in range(args.rounds):
        for seeds in seconds:
            command = [sys.executable, "-m", "vifspec", "run", args.spec, "--only", variant, "--seeds", str(seeds), "--quiet",
                       "--out", tempfile.mkdtemp(), *settings]
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            seconds[seeds].append(time.perf_counter() - started)
            assert done.returncode in (0, 1, 4), done.stderr[-2000:]  # a verdict, not a crash
    many, one = (statistics.median(seconds[n]) for n in (args.seeds, 1))
    print(f"whole 'vifspec run' commands: {args.seeds} seeds {many:.2f} s, 1 seed {one:.2f} s, ratio {many / one:.2f}")


if __name__ == "__main__":
    main()

"""Seeds together: 8 seeds of one variant trained as one vectorised model vs 1 seed alone.

The workload is the ordinal critic of specs/vif_critic.toml (an MLP with LayerNorm, GELU and
dropout, the CORAL loss) on its synthetic data, with a fixed epoch count (no early stopping) and no
checkpoint. Each round trains 8 seeds together (``run_together``) and then 1 seed alone
(``run_plan``), in one process, so machine load hits both alike; the script prints the median wall
seconds of each (prepare, training, per-epoch validation and records, final evaluation) and of their
epochs alone (the records' epoch seconds), and the ratios together / alone (goal: <= 2.0 on CPU).
Torch runs on ``--threads`` threads (default 1) on both sides.

    .venv/bin/python benchmarks/seeds_together.py [--seeds 8] [--epochs 10] [--rounds 3] [--rows 1300] [--device cpu]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import torch

import vifspec
from vifspec.executor.run import run_plan
from vifspec.executor.together import run_together, together_support
from vifspec.prepare.prepare import prepare
from vifspec.registry import default_registry

SPEC = Path(__file__).resolve().parents[1] / "specs" / "vif_critic.toml"


def bench_spec(epochs: int, rows: int, device: str) -> Path:
    """specs/vif_critic.toml without its sweep, with a fixed epoch count, no early stopping or checkpoint."""
    text = SPEC.read_text().split("[sweep]")[0]
    text = text.replace("epochs = 30", f"epochs = {epochs}").replace('device = "auto"', f'device = "{device}"')
    text = re.sub(r"early_stopping = \{[^}]*\}", "checkpoint = false", text)
    text = re.sub(r"\bn = \d+", f"n = {rows}", text, count=1)
    path = Path(tempfile.mkdtemp()) / "bench.toml"
    path.write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    (plan,) = vifspec.compile(bench_spec(args.epochs, args.rows, args.device))
    plans = [dataclasses.replace(plan, seed=s, seeds_in_variant=args.seeds) for s in range(args.seeds)]
    print(f"seeds: {together_support(prepare(plans[0], default_registry(), args.device))}")
    out = Path(tempfile.mkdtemp())
    timings: dict[str, list[float]] = {"together": [], "alone": [], "together epochs": [], "alone epochs": []}
    for round_ in range(args.rounds):
        started = time.perf_counter()
        records = run_together(plans, out=str(out / f"t{round_}"), device=args.device, progress=False)
        timings["together"].append(time.perf_counter() - started)
        timings["together epochs"].append(max(sum(e.seconds for e in r.history) for r in records))
        started = time.perf_counter()
        record = run_plan(plans[0], out=out / f"a{round_}", device=args.device, progress=False)
        timings["alone"].append(time.perf_counter() - started)
        timings["alone epochs"].append(sum(e.seconds for e in record.history))
        assert all(r.status == "completed" for r in [*records, record]), [r.status for r in [*records, record]]
    median = {name: statistics.median(values) for name, values in timings.items()}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"device {args.device}, {args.threads} torch thread(s), {args.epochs} epochs, {args.rows} rows, load average {load}")
    print(f"{args.seeds} seeds together: {median['together']:.2f} s (epochs {median['together epochs']:.2f} s)")
    print(f"1 seed alone:      {median['alone']:.2f} s (epochs {median['alone epochs']:.2f} s)")
    print(f"ratio together / alone: {median['together'] / median['alone']:.2f} "
          f"(epochs only: {median['together epochs'] / median['alone epochs']:.2f}); goal <= 2.0 on CPU; "
          f"{args.seeds} seeds one after another would be about {args.seeds:.1f}")


if __name__ == "__main__":
    main()

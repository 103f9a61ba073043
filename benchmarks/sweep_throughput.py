"""Sweep throughput on Ray: a real sweep run with 1 worker and with N workers, side by side.

The sweep is specs/vif_critic.toml (20 variants: 5 losses x 2 hidden sizes x 2 encoders) with a
fixed epoch count and no early stopping, on the CPU; with ``--gpus G`` each task trains on CUDA and
reserves G of the machine's GPU (``[train] resources = { cpus = 1, gpus = G }``), so 1/G tasks
share one GPU. One local Ray cluster with N CPUs serves both runs, so its start-up is not counted; each run is a whole ``vifspec run`` (preflight of every variant, training,
records shipped back and written, reports), timed from start to end, into its own output folder.
A warm-up run (not counted) first lets every worker import torch; then rounds alternate
(1 worker, N workers, 1 worker, ...) so machine load hits both alike. The script
prints plans per second for each, the CPU seconds the driver itself spent in the N-worker run (the
records it writes, the reports it renders), and the scaling efficiency (throughput with N / throughput with 1)
/ N (goal: >= 0.8), with the load average, since a busy machine makes the figure meaningless:
Ray runs its workers at niceness 15, so any other busy process (even one under `nice -n 10`)
takes their CPU first.

    .venv/bin/python benchmarks/sweep_throughput.py [--workers 2] [--epochs 5] [--variants 8] [--rounds 1] [--gpus G]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import ray

from vifspec.runner import RunOptions, compile_run, run_spec
from vifspec.registry import default_registry

SPEC = Path(__file__).resolve().parents[1] / "specs" / "vif_critic.toml"


def bench_spec(epochs: int, gpus: float) -> Path:
    """specs/vif_critic.toml with a fixed epoch count and no early stopping, on the CPU (``gpus`` 0) or
    on CUDA with ``gpus`` of a GPU reserved per task."""
    device = f'device = "cuda"\nresources = {{ cpus = 1, gpus = {gpus} }}' if gpus else 'device = "cpu"'
    text = SPEC.read_text().replace("epochs = 30", f"epochs = {epochs}").replace('device = "auto"', device)
    text = re.sub(r"early_stopping = \{[^}]*\}", "checkpoint = true", text)
    path = Path(tempfile.mkdtemp()) / "vif_critic_bench.toml"
    path.write_text(text)
    return path


def timed_run(spec: Path, workers: int, only: tuple[str, ...]) -> tuple[float, float]:
    """Wall seconds of one whole run of the sweep with ``workers`` tasks at once, into a fresh folder,
    and the CPU seconds the driver process spent in it (all its threads)."""
    options = RunOptions(only=only, out=tempfile.mkdtemp(), workers=workers, progress=False)
    started, cpu = time.perf_counter(), time.process_time()
    summary = run_spec(str(spec), options, say=lambda _: None)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert not summary.crashed and len(summary.records) == len(only), summary.crashed
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--variants", type=int, default=8, help="How many of the sweep's 20 variants to run.")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--gpus", type=float, default=0.0, help="Train on CUDA, each task reserving this share of a GPU.")
    args = parser.parse_args()
    spec = bench_spec(args.epochs, args.gpus)
    _, _, variants, _ = compile_run(str(spec), RunOptions(), default_registry())
    only = tuple(v.id for v in variants[: args.variants])
    ray.init(num_cpus=args.workers, include_dashboard=False, logging_level="ERROR")
    seconds: dict[int, list[float]] = {1: [], args.workers: []}
    driver: list[float] = []  # the driver's CPU seconds in the runs with N workers
    loads = []
    try:
        timed_run(spec, args.workers, only[: args.workers])  # warm-up, not counted: each worker imports torch once
        for _ in range(args.rounds):
            for workers in (1, args.workers):
                loads.append(os.getloadavg()[0])
                wall, cpu = timed_run(spec, workers, only)
                seconds[workers].append(wall)
                if workers == args.workers:
                    driver.append(cpu)
    finally:
        ray.shutdown()
    one, many = statistics.median(seconds[1]), statistics.median(seconds[args.workers])
    where = f"on CUDA, {args.gpus:g} GPU per task" if args.gpus else "on the CPU"
    print(f"{len(only)} plans of {SPEC.name}, {args.epochs} epochs each {where}; load average during the runs "
          f"{min(loads):.2f}-{max(loads):.2f} on {os.cpu_count()} CPUs")
    print(f"1 worker:  {one:.1f} s ({len(only) / one:.3f} plans/s)")
    print(f"{args.workers} workers: {many:.1f} s ({len(only) / many:.3f} plans/s); the driver busy "
          f"{statistics.median(driver):.1f} CPU s of them (near the wall time, it would set the pace)")
    print(f"scaling efficiency (throughput ratio / {args.workers}): {one / many / args.workers:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()

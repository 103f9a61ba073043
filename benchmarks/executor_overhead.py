"""Executor overhead: vifspec's loop vs a hand-written PyTorch loop, same model, data and loss mix.

Both train the knowledge-tracing gain model of specs/v3_phase1.toml on the same data with the same
five-term loss mix, batch size, optimizer and per-epoch validation metrics and loss. They run alternately in one
process (A B A B ...) so machine load hits both alike; the script prints the median seconds per epoch
of each and their ratio (budget: vifspec / hand-written <= 1.02, "within 2%"), with the range of
the rounds' own ratios: on a shared machine they spread by several percent, so read the budget
against that spread and use more ``--rounds`` to narrow it.

    .venv/bin/python benchmarks/executor_overhead.py [--epochs 8] [--rounds 3] [--device cpu] [--watch plain|mlflow|tensorboard]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

import vifspec
from vifspec.datasets.kt.synthetic import kt_synthetic
from vifspec.executor.optim import build_optimizer
from vifspec.losses import beta_spread, bce, skill_contrastive, variance_floor
from vifspec.metrics import auroc, dispersion_std
from vifspec.models.kt.gain import GainKT
from vifspec.prepare.data import split_fields, to_device
from vifspec.progress import PlainLines, Watchers
from vifspec.tracking import tracker_for

SPEC = Path(__file__).resolve().parents[1] / "specs" / "v3_phase1.toml"


def bench_spec(epochs: int, device: str) -> Path:
    """specs/v3_phase1.toml (its base: the text before [track], so no variants) with a fixed epoch
    count, no early stopping, tracking or checkpoint."""
    text = SPEC.read_text()
    text = text.replace("epochs = 30", f"epochs = {epochs}").replace('device = "auto"', f'device = "{device}"')
    text = text.replace('early_stopping = { monitor = "val.encoder1_auc", patience = 10 }', "checkpoint = false")
    text = text.split("[track]")[0]
    path = Path(tempfile.mkdtemp()) / "bench.toml"
    path.write_text(text)
    return path


def vifspec_epochs(epochs: int, device: str, out: str, watch: str = "quiet") -> list[float]:
    (plan,) = vifspec.compile(bench_spec(epochs, device))
    record = vifspec.run(plan, out=out, progress=watcher(watch, out))
    return [h.seconds for h in record.history]


def watcher(watch: str, out: str) -> Any:
    """What watches the epochs: nothing, plain progress lines (to a null stream), or a tracking exporter too."""
    if watch == "quiet":
        return False
    display = PlainLines(open(os.devnull, "w"), every=0.0)  # a line every epoch: the most the display does
    if watch == "plain":
        return display
    tracker = tracker_for(watch, out, lambda line: None)
    tracker.experiment_started({"id": "bench"}, "bench.toml")
    return Watchers([display, tracker])


def hand_epochs(epochs: int, device: str) -> list[float]:
    """The loop a researcher would write by hand for the same experiment."""
    spec = vifspec.compile(SPEC)[0].spec
    torch.manual_seed(0)
    bundle = kt_synthetic(seed=spec.data.seed, **spec.data.params)
    splits = to_device(split_fields(bundle, spec.data.splits, spec.data.seed), torch.device(device))
    train, val = splits["train"], splits["val"]
    model = GainKT(n_skills=bundle.info["n_skills"], n_students=bundle.info["n_students"], **spec.model.params).to(device)
    opt = build_optimizer(model, spec.train.optimizer)  # vifspec's own choice (fused where torch has it): the same work on both sides
    gen = torch.Generator().manual_seed(0)
    n = train["correct"].shape[0]
    bs = spec.train.batch_size
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=gen).to(device)
        total = torch.zeros((), device=device)
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            batch = {k: v.index_select(0, idx) for k, v in train.items()}
            out = model(batch)
            loss = loss_mix(model, out, batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        total.item()
        model.eval()
        with torch.no_grad():
            out = model(val)  # the validation split fits in one evaluation batch
            auroc(out["encoder1_logits"], val["correct"])
            auroc(out["encoder2_logits"], val["correct"])
            dispersion_std(out["gains"])
            loss_mix(model, out, val).item()  # the validation loss, as the executor records it
        times.append(time.perf_counter() - start)
    return times


def loss_mix(model: GainKT, out: dict, batch: dict) -> torch.Tensor:
    return (
        0.5 * bce(out["encoder1_logits"], batch["correct"])
        + 0.5 * bce(out["encoder2_logits"], batch["correct"])
        + 2.0 * variance_floor(out["gains"], floor=0.1)
        + 1.0 * skill_contrastive(out["gains"], batch["skills"], floor=0.1, num_groups=100)
        + 1.0 * beta_spread(model.beta_skill, min_std=0.3)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--watch", choices=["quiet", "plain", "mlflow", "tensorboard"], default="quiet",
                        help="progress lines and a tracking exporter on the vifspec side (default: none)")
    args = parser.parse_args()
    ours: list[float] = []
    hand: list[float] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            hand_round = hand_epochs(args.epochs, args.device)[1:]  # first epoch: warm-up
            ours_round = vifspec_epochs(args.epochs, args.device, out, args.watch)[1:]
            ratios.append(statistics.median(ours_round) / statistics.median(hand_round))
            hand += hand_round
            ours += ours_round
    h, v = statistics.median(hand), statistics.median(ours)
    print(f"device: {args.device}, torch {torch.__version__}, threads {torch.get_num_threads()}, watch {args.watch}")
    print(f"hand-written loop : {h * 1000:8.1f} ms/epoch (median of {len(hand)})")
    print(f"vifspec executor  : {v * 1000:8.1f} ms/epoch (median of {len(ours)})")
    print(f"ratio vifspec/hand: {v / h:.3f}  (budget <= 1.02); per round {min(ratios):.3f}-{max(ratios):.3f}, "
          f"median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()

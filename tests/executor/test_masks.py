"""Seeds-together dropout masks are, draw for draw, the ones each seed's own ``F.dropout`` draws."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from vifspec.executor import masks
from vifspec.executor.masks import draw_masks, mask_stream

CPU = torch.device("cpu")
CALLS = [("a", (5,), torch.float32, 0.3), ("off", (4,), torch.float32, 0.0), ("b", (2, 3), torch.float32, 0.5),
         ("all", (2,), torch.float32, 1.0)]
ROWS = [7, 7, 7, 3]
SEEDS = (11, 12, 13)


def _dropout_alone(seed: int) -> list[dict[str, torch.Tensor]]:
    """What one seed's forward passes draw: F.dropout on ones, call by call, from the global RNG seeded ``seed``."""
    steps = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for n in ROWS:
            steps.append({f"model.{name}.mask": F.dropout(torch.ones(n, *shape), p, training=True)
                          for name, shape, _, p in CALLS if 0 < p < 1})
    return steps


def _generators() -> list[torch.Generator]:
    return [torch.Generator().manual_seed(s) for s in SEEDS]


def _assert_each_seed_alone(drawn: list[dict[str, torch.Tensor]]) -> None:
    assert len(drawn) == len(ROWS)
    for i, seed in enumerate(SEEDS):
        for step, alone in zip(drawn, _dropout_alone(seed)):
            assert step.keys() == alone.keys() == {"model.a.mask", "model.b.mask"}
            for key, mask in alone.items():
                assert torch.equal(step[key][i], mask), (seed, key)


def test_per_call_masks_are_what_each_seeds_dropout_draws() -> None:
    generators = _generators()
    _assert_each_seed_alone([draw_masks(CALLS, generators, n, CPU) for n in ROWS])


@pytest.mark.parametrize("run_elements", [1, 600, 1 << 20])  # one step per run, two runs of two steps, all in one
def test_the_stream_of_masks_is_what_each_seeds_dropout_draws(monkeypatch, run_elements: int) -> None:
    monkeypatch.setattr(masks, "RUN_ELEMENTS", run_elements)
    _assert_each_seed_alone(list(mask_stream(CALLS, _generators(), ROWS, CPU)))


def test_the_stream_draws_per_call_where_uniform_draws_differ_from_dropout(monkeypatch) -> None:
    monkeypatch.setattr(masks, "uniform_draws_match_dropout", lambda: False)
    monkeypatch.setattr(masks, "_draw_run", None)  # the per-run path must not be taken
    _assert_each_seed_alone(list(mask_stream(CALLS, _generators(), ROWS, CPU)))

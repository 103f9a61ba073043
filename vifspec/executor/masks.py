"""Dropout masks for seeds together: each seed's masks are the ones its own ``nn.Dropout`` would draw.

A seed trained alone draws, at every ``nn.Dropout`` call of a training forward pass,
``bernoulli_(1 - p)`` over the input's shape from the global RNG, then divides by ``1 - p``
(``torch.nn.functional.dropout`` on a CPU). The vectorised step replaces each ``nn.Dropout`` by
:class:`GivenMask` and hands it masks drawn per seed, in the same order, from a generator holding
the state that seed's global RNG would have (:func:`dropout_calls` finds the calls).

On a CPU torch's default ``bernoulli_`` draws one double per element, ``u < 1 - p`` with ``u`` as
``torch.rand(dtype=float64)`` draws it. Where that holds (:func:`uniform_draws_match_dropout`
checks it against ``F.dropout`` itself, once per process; builds whose ``bernoulli_`` calls MKL
do not), :func:`mask_stream` draws a run of steps' masks per seed with one ``torch.rand`` call:
about half the time of per-call draws (3 ns against 7 ns an element on a 2-core AMD EPYC). A
helper thread drawing one run ahead was tried and was slower than drawing in line: the training
thread's Python and the helper's contend for the GIL. Elsewhere (CUDA, or the check failing) each
step's masks are drawn per call (:func:`draw_masks`).
"""

from __future__ import annotations

import copy
import functools
from math import prod
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from vifspec.prepare.data import Fields, num_rows

DropoutCall = tuple[str, tuple[int, ...], torch.dtype, float]
"""One ``nn.Dropout`` call of a forward pass: module name, input shape after the batch, dtype, p."""

Masks = dict[str, torch.Tensor]
"""Each dropout call's masks [S, rows, ...] by the name of its :class:`GivenMask` buffer."""

RUN_ELEMENTS = 1 << 22
"""At most this many mask elements, all seeds together, are drawn in one run (32 MiB of doubles), at least one step."""


def dropout_calls(model: nn.Module, batch: Fields) -> list[DropoutCall] | str:
    """The ``nn.Dropout`` calls of one training forward pass in call order, or why they cannot be replayed.

    Run on a copy under a forked RNG, so neither the model nor the global RNG changes; a forward
    pass that updates a buffer (batch-norm statistics) cannot be vectorised either.
    """
    model = copy.deepcopy(model).train()
    names = {module: name for name, module in model.named_modules() if type(module) is nn.Dropout}
    calls: list[DropoutCall] = []
    hooks = [m.register_forward_pre_hook(lambda m, args: calls.append((names[m], tuple(args[0].shape), args[0].dtype, m.p)))
             for m in names]
    before = {k: v.clone() for k, v in model.named_buffers()}
    rows = num_rows(batch)
    try:
        with torch.no_grad(), _forked_rng(next(iter(batch.values())).device):
            model(batch)
    finally:
        for hook in hooks:
            hook.remove()
    if any(not torch.equal(before[k], v) for k, v in model.named_buffers()):
        return "the forward pass updates buffers (e.g. batch-norm statistics)"
    if len({name for name, *_ in calls}) < len(calls):
        return "a dropout module is called more than once per forward pass"
    if any(not shape or shape[0] != rows for _, shape, _, _ in calls):
        return "a dropout input does not have the batch first"
    return [(name, shape[1:], dtype, p) for name, shape, dtype, p in calls]


class GivenMask(nn.Module):
    """Stands for an ``nn.Dropout`` in the vectorised step: ``x * mask`` with the mask drawn for its seed."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p
        self.register_buffer("mask", torch.ones(()) if p < 1 else torch.zeros(()), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.p == 0 else x * self.mask


def draw_masks(calls: Sequence[DropoutCall], generators: Sequence[torch.Generator], rows: int, device: torch.device) -> Masks:
    """One step's masks [S, rows, ...], drawn per seed and per call as ``F.dropout`` draws them."""
    out = {}
    for name, shape, dtype, p in _random(calls):
        per_seed = [torch.empty((rows, *shape), dtype=dtype, device=g.device).bernoulli_(1 - p, generator=g).div_(1 - p)
                    for g in generators]
        out[_key(name)] = torch.stack(per_seed).to(device)
    return out


def mask_stream(calls: Sequence[DropoutCall], generators: Sequence[torch.Generator], rows: Sequence[int],
                device: torch.device) -> Iterator[Masks]:
    """Each step's :func:`draw_masks` for batches of ``rows`` rows, in order (see the module docstring)."""
    random = _random(calls)
    if device.type != "cpu" or not random or not uniform_draws_match_dropout():
        yield from (draw_masks(calls, generators, n, device) for n in rows)
        return
    for run in _runs(random, rows, len(generators)):
        yield from _draw_run(random, generators, run)


def _runs(calls: Sequence[DropoutCall], rows: Sequence[int], seeds: int) -> list[list[int]]:
    """``rows`` cut into runs of consecutive steps of at most :data:`RUN_ELEMENTS` mask elements over
    all ``seeds`` (one step at least)."""
    per_row = seeds * sum(prod(shape) for _, shape, _, _ in calls)
    runs: list[list[int]] = [[]]
    for n in rows:
        if runs[-1] and (sum(runs[-1]) + n) * per_row > RUN_ELEMENTS:
            runs.append([])
        runs[-1].append(n)
    return runs


def _draw_run(calls: Sequence[DropoutCall], generators: Sequence[torch.Generator], rows: Sequence[int]) -> list[Masks]:
    """The masks of consecutive steps of ``rows`` rows: one float64 draw per seed, cut step by step and call by call."""
    sizes = [n * prod(shape) for n in rows for _, shape, _, _ in calls]
    uniforms = torch.stack([torch.rand(sum(sizes), dtype=torch.float64, generator=g) for g in generators])
    pieces = iter(uniforms.split(sizes, dim=1))
    steps = []
    for n in rows:
        steps.append({_key(name): (next(pieces) < 1 - p).to(dtype).div_(1 - p).view(len(generators), n, *shape)
                      for name, shape, dtype, p in calls})
    return steps


@functools.cache
def uniform_draws_match_dropout() -> bool:
    """Whether ``torch.rand(float64) < 1 - p`` gives, draw for draw, the masks ``F.dropout`` draws on this CPU."""
    size, p = 4096, 0.3
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        dropped = torch.cat([torch.nn.functional.dropout(torch.ones(size), p, training=True) for _ in range(2)])
        drawn = (torch.rand(2 * size, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) < 1 - p)
    return torch.equal(dropped, drawn.float().div_(1 - p))


def _random(calls: Sequence[DropoutCall]) -> list[DropoutCall]:
    """The calls that draw random numbers (``0 < p < 1``; dropout with p 0 or 1 draws none)."""
    return [call for call in calls if 0 < call[3] < 1]


def _key(name: str) -> str:
    return f"model.{name}.mask"


def _forked_rng(device: torch.device) -> Any:
    return torch.random.fork_rng(devices=[device] if device.type == "cuda" else [])

"""Which model outputs an evaluation reads, so a model can skip an expensive output that nobody reads.

While it evaluates a split, the executor names everything the split's metrics, the loss mix and
``[track] outputs`` look up (outputs, fields and parameters alike). A model asks :func:`wanted`
before it computes an optional output, such as the ordinal critic's Monte-Carlo dropout passes::

    from vifspec.outputs import wanted

    if not self.training and self.mc_samples and wanted("mc_mean", "mc_std"):
        outputs.update(self.mc_dropout(x))

Outside an evaluation (in training, or a model called by hand) every output is wanted. A model
that never asks returns what it always did: skipping is an optimisation, never a requirement.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterable, Iterator

_READ: ContextVar[frozenset[str] | None] = ContextVar("vifspec_read_outputs", default=None)


def wanted(*names: str) -> bool:
    """Whether the evaluation under way reads any of ``names`` (True outside an evaluation)."""
    read = _READ.get()
    return read is None or any(name in read for name in names)


@contextmanager
def reading(names: Iterable[str] | None) -> Iterator[None]:
    """Within the block, :func:`wanted` answers for ``names`` (``None``: every output is wanted)."""
    token = _READ.set(None if names is None else frozenset(names))
    try:
        yield
    finally:
        _READ.reset(token)

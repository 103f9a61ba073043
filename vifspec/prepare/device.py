"""The torch device a plan runs on (``auto`` picks cuda, then mps, then cpu) and its CPU threads."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch

from vifspec.errors import SpecError


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def resolve_device(requested: str) -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; an unavailable device is a spec error."""
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if _mps_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise SpecError("device 'cuda' requested but CUDA is not available (use 'auto' or 'cpu')")
    if requested == "mps" and not _mps_available():
        raise SpecError("device 'mps' requested but MPS is not available (use 'auto' or 'cpu')")
    return torch.device(requested)


@contextmanager
def cpu_threads(threads: int | None) -> Iterator[None]:
    """Torch on ``threads`` CPU threads when given (``[train] threads``; kept after the block), and
    numpy's BLAS (OpenBLAS, MKL: a data load's matrix products) on as many as torch, for the block.

    A BLAS library starts a thread per core, which spin after each call: on a 16-core machine a driver
    preparing 16 variants spent 8-10 CPU seconds in 0.6 s, and each Ray worker loading data competed
    with the others for every core (``threadpoolctl`` sets the limit on the library as loaded).
    """
    from threadpoolctl import threadpool_limits

    if threads:
        torch.set_num_threads(threads)
    with threadpool_limits(limits=torch.get_num_threads(), user_api="blas"):
        yield

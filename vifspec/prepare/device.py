"""The torch device a plan runs on: ``auto`` picks cuda, then mps, then cpu."""

from __future__ import annotations

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

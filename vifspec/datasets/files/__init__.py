"""Loaders for user data on disk: ``npz``, ``pt``, ``csv`` and ``parquet`` datasets.

Torch-free: the loaders live in :mod:`vifspec.datasets.files.loaders`; pandas (for csv/parquet) is
imported only when a table is read (``pip install 'vifspec[tables]'``).
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

FORMATS = ("npz", "pt", "csv", "parquet")

__all__ = [*FORMATS, "register"]
__getattr__ = lazy_exports(__name__, {name: "loaders" for name in FORMATS})

_SUMMARIES = {
    "npz": "NumPy .npz archive: every array a field (no pickles).",
    "pt": "PyTorch file holding a dict of tensors (torch.load with weights_only=True).",
    "csv": "CSV table via pandas; fields map names to columns, globs ('*') or lists, minus exclude; text targets -> class ids.",
    "parquet": "Parquet table via pandas/pyarrow; fields, globs and exclude as for csv.",
}


def register(registry: Registry) -> None:
    for name in FORMATS:
        registry.add("dataset", name, f"vifspec.datasets.files.loaders:{name}", summary=_SUMMARIES[name], suffixes=(f".{name}",))

"""Built-in models, one torch-free subpackage per program; each defines `register(registry)`.

Registered through the entry point `models = "vifspec.models:register"`, the same mechanism a
third-party plugin uses. Importing this package does not import torch.
"""

from __future__ import annotations

import importlib

from vifspec.registry import Registry

PROGRAMS = ("kt", "ordinal", "tabular", "vectors", "retrieval", "general")


def register(registry: Registry) -> None:
    for program in PROGRAMS:
        importlib.import_module(f"{__name__}.{program}").register(registry)

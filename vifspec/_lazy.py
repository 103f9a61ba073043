"""PEP 562 lazy exports: a package names its public objects without importing their modules.

The built-in component packages use this so that ``import vifspec.losses`` (and so the registry,
``vifspec check`` and ``vifspec judge``) never imports torch; ``from vifspec.losses import coral_loss``
imports the one module that defines it.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` resolving ``name`` to ``exports[name]`` (a submodule name)."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    return __getattr__

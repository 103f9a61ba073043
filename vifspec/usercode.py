"""Where a spec's own code is found: an import path such as ``"mymod:Net"`` (a model, loss, metric or
dataset loader in the researcher's own file) resolves against the spec's folder, then the working
directory, then the installed packages -- without ``PYTHONPATH``.

While a spec is compiled, prepared or run, :func:`spec_code_path` puts those two folders at the front
of ``sys.path`` (as Python does for a script's folder) and takes them away afterwards. ``vifspec check``
looks for the module on the same search path without importing it (see
:func:`vifspec.registry.module_exists`); ``run`` and ``check --import`` import it.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def code_folders(spec_path: str | os.PathLike[str]) -> list[str]:
    """The folders a spec's import paths resolve against, in order: the spec's own, the working directory."""
    try:
        folders = [str(Path(spec_path).resolve().parent), os.getcwd()]
    except (OSError, ValueError):  # a name the filesystem cannot hold, a working directory removed
        return []
    return list(dict.fromkeys(folders))


@contextmanager
def spec_code_path(spec_path: str | os.PathLike[str]) -> Iterator[None]:
    """``sys.path`` with :func:`code_folders` in front for the duration (nested uses add nothing twice)."""
    added = [folder for folder in code_folders(spec_path) if folder not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for folder in added:
            if folder in sys.path:
                sys.path.remove(folder)

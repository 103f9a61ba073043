"""Where vifspec may write: every path it builds from a name lies under its output root.

Names from a spec (experiment, variant and arm ids) are safe names by the schema's rule; these
helpers are the second line: :func:`under_root` resolves symlinks and refuses a path that ends up
outside its root (a ``runs/<experiment>`` that is a link to elsewhere), and :func:`output_folder`
turns a missing, unwritable or blocked folder into one :class:`~vifspec.errors.EnvironmentFault`
line instead of a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, TypeVar

from vifspec.errors import EnvironmentFault, SpecError

T = TypeVar("T")


def under_root(root: str | os.PathLike[str], *parts: str | os.PathLike[str]) -> Path:
    """``root / parts...``, checked to lie under ``root`` once symlinks are resolved (``..``, an absolute
    part or a link out of the root raise :class:`EnvironmentFault`). The path is returned as joined, not
    resolved, so that messages show it as the user wrote its root."""
    joined = Path(root).joinpath(*parts)
    real_root = Path(root).resolve()
    real = joined.resolve()
    if not real.is_relative_to(real_root):
        raise EnvironmentFault(joined, f"refusing to write outside the output root {root} (it resolves to {real})")
    return joined


def writable_folder(folder: str | os.PathLike[str]) -> None:
    """Raise :class:`EnvironmentFault` unless ``folder`` is, or could be created as, a folder this process
    can write in (checked before work that would be lost: the run store ``--out``). Creates nothing."""
    folder = Path(folder)
    try:
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not existing.is_dir():
            raise EnvironmentFault(folder, f"cannot write: {existing} is a file, not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise EnvironmentFault(folder, f"cannot write: Permission denied ({existing})")
    except OSError as exc:
        raise EnvironmentFault.from_os_error(folder, exc, "cannot write") from None


def output_folder(path: str | os.PathLike[str], create: bool = True) -> None:
    """Make sure the folder that will hold the file ``path`` exists: created when ``create`` (a run folder),
    else it must already exist (a file the user named with ``--out``). Raises :class:`EnvironmentFault`."""
    folder = Path(path).parent
    try:
        if folder.is_dir():
            return
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise EnvironmentFault(path, f"cannot write: {blocker} is a file, not a folder")
        if not create:
            raise EnvironmentFault(path, f"cannot write: folder {folder} does not exist")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a name too long, a permission denied on the way
        raise EnvironmentFault.from_os_error(path, exc, f"cannot create folder {folder}" if create else "cannot write") from None


def experiment_folders(root: str | os.PathLike[str], found: Iterable[tuple[Path, str, T]]) -> dict[Path, list[T]]:
    """Records found below ``root``, given as ``(path of record.json, experiment id, record)``, grouped by
    experiment folder: the folder named after the record's experiment id (``runs/<id>/``), or ``root``
    itself when every record is of one experiment and none lies in such a folder. Raises
    :class:`SpecError` when ``root`` mixes experiments outside folders named after them."""
    root = Path(root)
    groups: dict[Path | None, list[T]] = {}
    ids: dict[Path | None, set[str]] = {}
    for path, eid, record in found:
        folder = next((p for p in Path(path).parents if p.name == eid and (p == root or root in p.parents)), None)
        groups.setdefault(folder, []).append(record)
        ids.setdefault(folder, set()).add(eid)
    if None in groups and (len(groups) > 1 or len(ids[None]) > 1):
        every = sorted(set().union(*ids.values()))
        raise SpecError(
            f"{root}: holds records of {len(every)} experiments ({', '.join(every)}), not all in a folder named after "
            "their experiment id: give the folder of one experiment"
        )
    return {root if folder is None else folder: records for folder, records in groups.items()}

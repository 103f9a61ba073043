"""The one reader of JSON inputs (results files, run records): every failure is a :class:`SpecError`
naming the file and the cause, never a traceback.

What it refuses, besides a missing or unreadable file and invalid JSON: text that is not UTF-8, an
integer of more digits than Python converts (``sys.get_int_max_str_digits()``, 4300 by default), a
lone surrogate escape (``"\\ud800"``, which no file can be written back with), and nesting deeper
than :data:`MAX_DEPTH` (a results file or a record is a few levels deep; a deeper document would
only exhaust the recursion of what reads it next). ``NaN`` and ``Infinity`` literals are accepted:
Python's ``json.dump`` writes them, and the verdict treats a non-finite value as missing.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from typing import Any

from vifspec.errors import Problem, SpecError
from vifspec.limits import MAX_DEPTH, MAX_JSON_BYTES


def read_json(path: str | os.PathLike[str], what: str = "results file") -> Any:
    """The parsed content of the JSON file ``path``; raises :class:`SpecError` ``<path>: <cause>``."""
    try:
        data = read_bounded(path, MAX_JSON_BYTES)
    except FileNotFoundError:
        raise SpecError(Problem(f"no such {what}", str(path))) from None
    except IsADirectoryError:
        raise SpecError(Problem(f"is a folder, not a {what}", str(path))) from None
    except OSError as exc:
        raise SpecError(Problem(f"cannot read the {what}: {exc.strerror or exc}", str(path))) from None
    except ValueError as exc:
        raise SpecError(Problem(f"not a readable {what}: {exc}", str(path))) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(Problem(f"not a readable {what}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", str(path))) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(Problem(f"not a readable {what}: invalid JSON: {exc.msg}", str(path), exc.lineno, exc.colno)) from None
    except RecursionError:
        raise SpecError(Problem(f"not a readable {what}: nested deeper than {MAX_DEPTH} levels", str(path))) from None
    except ValueError:  # an integer beyond Python's digit limit
        limit = getattr(sys, "get_int_max_str_digits", lambda: "Python's limit")()
        raise SpecError(Problem(f"not a readable {what}: an integer has more than {limit} digits", str(path))) from None
    problem = structure_problem(value)
    if problem:
        raise SpecError(Problem(f"not a readable {what}: {problem}", str(path)))
    return value


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``: :class:`ValueError` for a FIFO or a device (``/dev/zero``
    would be read forever; a FIFO is refused before it is opened) or a file larger than ``limit`` bytes;
    :class:`OSError` as the operating system raises it (``IsADirectoryError`` for a folder)."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(mode):
        raise ValueError("not a regular file (a pipe or a device)")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit // 2**20} MiB")
    return data


def structure_problem(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """Why a parsed document (JSON or TOML) is unsafe to process further, or None: nested deeper than
    ``max_depth``, or holding a string with a lone surrogate. Iterative: no recursion on hostile input."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str) and not _encodable(item):
                return f"the string {item[:40]!r} holds a lone surrogate (an invalid \\ud800-\\udfff escape)"
            continue
        if depth > max_depth:
            return f"nested deeper than {max_depth} levels"
        stack.extend((child, depth + 1) for child in children)
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

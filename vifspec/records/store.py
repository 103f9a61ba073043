"""The ``runs/`` store: atomic writes, the one record writer and the one record reader (torch-free)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from dataclasses import dataclass, field
from typing import Iterator

from pydantic import ValidationError

from vifspec.errors import EnvironmentFault, Problem, SpecError
from vifspec.jsonfile import read_json
from vifspec.paths import output_folder
from vifspec.records.record import FORMAT, PREVIOUS_FORMATS, RECORD_FILE, RecordError, RunRecord, upgrade


def atomic_write_text(path: str | Path, text: str, *, parents: bool = True) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically: :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"), parents=parents)


def atomic_write_bytes(path: str | Path, data: bytes, *, parents: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never a half-written file, and no
    temporary file left behind on any failure. ``parents``: create missing folders (a run folder); with
    False the folder must exist (a file the user named). Raises :class:`EnvironmentFault` (exit 5) naming
    the path and the cause when it cannot be written (read-only or full disk, a file in the way)."""
    path = Path(path)
    output_folder(path, create=parents)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual permissions
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise EnvironmentFault(path, f"cannot write: {exc.strerror or type(exc).__name__}") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_record(record: RunRecord, run_dir: str | Path) -> Path:
    """Write ``record`` to ``run_dir/record.json`` atomically (the one writer of records); NaN and
    infinities are written as null (pydantic's JSON serializer, fast enough to run every epoch)."""
    path = Path(run_dir) / RECORD_FILE
    atomic_write_text(path, record.model_dump_json(indent=2) + "\n")
    return path


def read_record(path: str | Path) -> RunRecord:
    """Read and validate a record (a file, or a run directory holding ``record.json``).

    Raises :class:`RecordError` naming the file for anything that is not a valid record.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_FILE
    try:
        data = read_json(path, "record")
    except SpecError as exc:
        raise RecordError(exc.problems) from None
    if not isinstance(data, dict) or data.get("format") not in (FORMAT, *PREVIOUS_FORMATS):
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise RecordError(Problem(f"not a vifspec record (format {found!r}; expected '{FORMAT}')", str(path)))
    try:
        return RunRecord.model_validate(upgrade(data))
    except (ValidationError, RecursionError, ValueError) as exc:
        raise RecordError(Problem(f"not a valid record: {_first_error(exc)}", str(path))) from None


def _short(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _first_error(exc: BaseException) -> str:
    if not isinstance(exc, ValidationError):
        return _short(exc)
    errors = exc.errors()
    err = errors[0]
    where = ".".join(str(p) for p in err["loc"]) or "record"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{where}: {err['msg']}{more}"


def find_records(root: str | Path) -> Iterator[Path]:
    """Every ``record.json`` below ``root`` (sorted, stable)."""
    root = Path(root)
    if root.is_file():
        yield root
        return
    yield from sorted(root.rglob(RECORD_FILE))


@dataclass
class Scan:
    """The records found below a folder, and a problem for each file that could not be read."""

    records: list[RunRecord] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


Stamp = tuple[int, int, int]
"""A record file's inode, size and modification time: a record is only ever replaced whole (a rename),
so an unchanged stamp is an unchanged record."""


def scan_records(root: str | Path, cache: dict[Path, tuple[Stamp, RunRecord]] | None = None) -> Scan:
    """Read every record below ``root``; an unreadable one is a problem (a warning), not an error.

    ``cache``, kept by the caller from one scan to the next (a run rewriting its reports as plans
    finish), saves parsing the records whose file has the same :data:`Stamp` as last time; the
    records it returns are shared with that earlier scan, so treat them as read-only.
    """
    scan = Scan()
    for path in find_records(root):
        try:
            record = _cached(path, cache) if cache is not None else read_record(path)
        except RecordError as exc:
            scan.problems.extend(exc.problems)
            continue
        scan.records.append(record)
        scan.paths.append(path)
    return scan


def _cached(path: Path, cache: dict[Path, tuple[Stamp, RunRecord]]) -> RunRecord:
    try:
        info = path.stat()
    except OSError:
        return read_record(path)  # gone or unreadable: the reader says how
    stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
    if path in cache and cache[path][0] == stamp:
        return cache[path][1]
    record = read_record(path)
    cache[path] = (stamp, record)
    return record

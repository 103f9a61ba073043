"""Run records: the JSON format, atomic writes and the ``runs/`` store (torch-free)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

from vifspec.errors import SpecError

FORMAT = "vifspec.record/1"
RECORD_FILE = "record.json"
FINISHED = ("completed", "early_stopped", "diverged", "collapsed")
FAILED_STATUSES = ("diverged", "collapsed", "crashed")


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual permissions
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def clean(value: Any) -> Any:
    """JSON-safe copy: NaN and Inf become None, tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def write_record(record: dict[str, Any], run_dir: str | Path) -> Path:
    path = Path(run_dir) / RECORD_FILE
    atomic_write_text(path, json.dumps(clean(record), indent=2, sort_keys=False) + "\n")
    return path


def load_record(path: str | Path) -> dict[str, Any]:
    """Load a record (a file, or a run directory holding ``record.json``)."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such record") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise SpecError(f"{path}: not a readable record: {exc}") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SpecError(f"{path}: not a vifspec record (expected format '{FORMAT}')")
    return record


def find_records(root: str | Path) -> Iterator[Path]:
    """Every ``record.json`` below ``root`` (sorted, stable)."""
    root = Path(root)
    if root.is_file():
        yield root
        return
    yield from sorted(root.rglob(RECORD_FILE))


def results_of(record: dict[str, Any]) -> dict[str, Any]:
    """A record's metrics in the judge's results shape."""
    out: dict[str, Any] = {"metrics": record.get("metrics", {})}
    baseline = record.get("baseline") or {}
    if baseline.get("metrics"):
        out["baseline"] = baseline["metrics"]
    return out

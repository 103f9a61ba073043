"""A spec file as read: its text, the parsed TOML document and where each key is written.

A TOML syntax error becomes a :class:`SpecError` at its line and column; a document nested deeper
than :data:`~vifspec.limits.MAX_DEPTH` (which would exhaust the recursion of the parser or of what
reads it next) a :class:`SpecError` at the file.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

from vifspec.errors import Problem, SpecError
from vifspec.jsonfile import read_bounded, structure_problem
from vifspec.limits import MAX_SPEC_BYTES
from vifspec.spec.positions import Positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_AT_END = re.compile(r"\(at end of document\)")


@dataclass(frozen=True)
class Source:
    """A spec file as read: its text, the parsed document and where each key is written."""

    path: str
    text: str
    doc: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)  # dotted keys set on top of the file (``--set``)

    @cached_property
    def positions(self) -> Positions:
        """Key positions, scanned only when a problem needs placing (a valid spec never pays for it)."""
        return Positions(self.text)

    def problem(self, key_path: Iterable[str | int], message: str) -> Problem:
        key_path = tuple(key_path)
        line, col = self.positions.find(key_path)
        key = ".".join(str(k) for k in key_path) or None
        return Problem(message, self.path, line, col, key)

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def read_source(path: str | Path, text: str | None = None) -> Source:
    """Read and parse a spec file; a syntax error becomes a SpecError at its line and column."""
    path = str(path)
    if text is None:
        try:
            text = read_bounded(path, MAX_SPEC_BYTES).decode("utf-8")
        except FileNotFoundError:
            raise SpecError(Problem("no such file", path)) from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SpecError(Problem(f"cannot read: {exc}", path)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_ERROR_AT.search(message)
        line, col = (int(at.group(1)), int(at.group(2))) if at else _end_of(text)
        message = _TOML_ERROR_AT.sub("", _TOML_AT_END.sub("at end of file", message)).strip()
        raise SpecError(Problem(f"TOML syntax error: {message}", path, line, col)) from None
    except RecursionError:
        doc = None
    problem = "arrays or tables nested too deeply" if doc is None else structure_problem(doc)
    if problem:
        raise SpecError(Problem(f"not a spec: {problem}", path))
    return Source(path, text, doc)


def _end_of(text: str) -> tuple[int, int]:
    """Line and column just after the last character of ``text`` (where "end of document" errors are)."""
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1



def resolve_path(value: str, spec_path: str) -> Path:
    """A path written in a spec (a data file, a baseline record or spec): relative to the spec's
    folder, or failing that to the working directory; absolute paths stay as they are."""
    candidate = Path(value).expanduser()
    if candidate.is_absolute():
        return candidate
    beside_spec = Path(spec_path).parent / candidate
    return beside_spec if beside_spec.exists() or not candidate.exists() else candidate

"""Where each key of a TOML document is written (line and column), for error messages.

``tomllib`` parses values but forgets positions; this scanner walks the text once and records the
position of every table header and key (dotted keys, quoted keys, inline tables, arrays of tables).
It never raises on text tomllib accepted; positions of keys it cannot place fall back to the
nearest enclosing key.
"""

from __future__ import annotations

import re
import sys
from typing import Iterable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Path = tuple[str | int, ...]
_BARE = re.compile(r"[A-Za-z0-9_\-]+")


class Positions:
    """Key path -> (line, column), both 1-based."""

    def __init__(self, text: str):
        self._at: dict[Path, tuple[int, int]] = {}
        self._array_counts: dict[Path, int] = {}
        self._scan(text.splitlines())

    def find(self, path: Iterable[str | int]) -> tuple[int | None, int | None]:
        """Position of ``path``, or of its longest known prefix."""
        path = tuple(path)
        while path:
            if path in self._at:
                return self._at[path]
            path = path[:-1]
        return None, None

    def exact(self, path: Iterable[str | int]) -> bool:
        return tuple(path) in self._at

    # -- scanning ---------------------------------------------------------------------------
    def _scan(self, lines: list[str]) -> None:
        table: Path = ()
        i = 0
        while i < len(lines):
            raw = lines[i]
            stripped = raw.lstrip()
            indent = len(raw) - len(stripped)
            if not stripped or stripped.startswith("#"):
                i += 1
                continue
            if stripped.startswith("["):
                table = self._header(stripped, i + 1, indent + 1)
                i += 1
                continue
            keys, pos = _read_key(stripped, 0)
            if keys is None:
                i += 1
                continue
            path = table + tuple(keys)
            self._mark(path, i + 1, indent + 1)
            eq = raw.find("=", indent + pos)
            if eq < 0:
                i += 1
                continue
            start = eq + 1
            while start < len(raw) and raw[start] in " \t":
                start += 1
            if raw.startswith("{", start):
                self._inline(raw, start + 1, path, i + 1)
            i = _value_end(lines, i, start)

    def _header(self, stripped: str, line: int, col: int) -> Path:
        is_array = stripped.startswith("[[")
        keys, _ = _read_key(stripped, 2 if is_array else 1)
        path: Path = tuple(keys or ())
        if is_array:
            index = self._array_counts.get(path, 0)
            self._array_counts[path] = index + 1
            self._mark(path, line, col)
            path = path + (index,)
        self._mark(path, line, col)
        return path

    def _inline(self, raw: str, pos: int, path: Path, line: int) -> None:
        """Record the keys of an inline table whose '{' is at ``raw[pos - 1]`` (one line)."""
        while pos < len(raw):
            while pos < len(raw) and raw[pos] in " \t,":
                pos += 1
            if pos >= len(raw) or raw[pos] == "}":
                return
            keys, end = _read_key(raw, pos)
            if keys is None:
                return
            sub = path + tuple(keys)
            self._mark(sub, line, pos + 1)
            eq = raw.find("=", end)
            if eq < 0:
                return
            pos = eq + 1
            while pos < len(raw) and raw[pos] in " \t":
                pos += 1
            if pos < len(raw) and raw[pos] == "{":
                self._inline(raw, pos + 1, sub, line)
            pos = _skip_value(raw, pos)

    def _mark(self, path: Path, line: int, col: int) -> None:
        """Record ``path`` and each of its prefixes not yet seen (``[a.b]`` is where ``a`` first appears)."""
        for end in range(1, len(path) + 1):
            self._at.setdefault(path[:end], (line, col))


def _read_key(text: str, pos: int) -> tuple[list[str] | None, int]:
    """Read a (dotted, possibly quoted) key at ``pos``; return its parts and the end position."""
    parts: list[str] = []
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text):
            return (parts or None), pos
        ch = text[pos]
        if ch in "\"'":
            end = _string_end(text, pos)
            if end > len(text) or text[end - 1] != ch or end - pos < 2:
                return None, pos
            parts.append(_key_text(text[pos:end]))
            pos = end
        else:
            match = _BARE.match(text, pos)
            if not match:
                return (parts or None), pos
            parts.append(match.group())
            pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return parts, pos


def _key_text(quoted: str) -> str:
    """The key a quoted key denotes: a basic string's escapes (``"a\\u0041"`` is ``aA``) decoded as TOML does."""
    if quoted.startswith("'") or "\\" not in quoted:
        return quoted[1:-1]
    try:
        return str(tomllib.loads(f"k = {quoted}")["k"])
    except tomllib.TOMLDecodeError:
        return quoted[1:-1]


def _string_end(text: str, pos: int) -> int:
    """Position just after the string starting at ``text[pos]`` (a quote) on this line; ``len(text) + 1``
    when it does not close on this line. Basic strings honour backslash escapes; literal ones have none."""
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        end = _triple_end(text, pos + 3, quote)
        return len(text) + 1 if end < 0 else end
    if quote == "'":
        end = text.find("'", pos + 1)
        return len(text) + 1 if end < 0 else end + 1
    i = pos + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return len(text) + 1


def _triple_end(text: str, pos: int, quote: str) -> int:
    """Position after the closing triple quote of a multi-line string whose body starts at ``pos`` (a run
    of four or five quotes closes it too: the first one or two belong to the body), or -1 if not on this line."""
    i = pos
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text.startswith(quote * 3, i):
            end = i + 3
            while end < len(text) and end < i + 5 and text[end] == quote:
                end += 1
            return end
        i += 1
    return -1


def _skip_value(text: str, pos: int) -> int:
    """Position just after the value starting at ``pos`` (strings, arrays and inline tables nest)."""
    depth = 0
    while pos < len(text):
        ch = text[pos]
        if ch in "\"'":
            pos = min(_string_end(text, pos), len(text))
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth == 0:
                return pos
            depth -= 1
        elif ch == "," and depth == 0:
            return pos
        pos += 1
    return pos


def _value_end(lines: list[str], i: int, pos: int) -> int:
    """Index of the line after the value that starts at ``lines[i][pos]``: strings (multi-line ones
    included, whatever quotes they hold), arrays and inline tables across lines, comments skipped."""
    depth = 0
    while i < len(lines):
        line = lines[i]
        while pos < len(line):
            ch = line[pos]
            if ch == "#":
                break
            if line.startswith(ch * 3, pos) and ch in "\"'":
                i, pos = _multiline_end(lines, i, pos + 3, ch)
                if i >= len(lines):
                    return i
                line = lines[i]
                continue
            if ch in "\"'":
                pos = _string_end(line, pos)
                continue
            depth += ch in "[{"
            depth -= ch in "]}"
            pos += 1
        if depth <= 0:
            return i + 1
        i, pos = i + 1, 0
    return i


def _multiline_end(lines: list[str], i: int, pos: int, quote: str) -> tuple[int, int]:
    """Line and position after the close of a multi-line string whose body starts at ``lines[i][pos]``.
    A basic string's line-ending backslash continues it; ``(len(lines), 0)`` when it never closes."""
    while i < len(lines):
        end = _triple_end(lines[i], pos, quote)
        if end >= 0:
            return i, end
        i, pos = i + 1, 0
    return len(lines), 0

"""Which columns of a file make each field, and text columns as class ids.

A field's source is a column name, a glob pattern (``"*"``, ``"pixel_*"``, ``"f[0-9]"``) or a list
of both; pattern matches keep the file's column order and skip the columns in ``exclude`` (names or
patterns), the split column and every column another field names explicitly (so ``x = "*"`` next
to ``target = "label"`` never feeds the label to the model).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

import numpy as np

from vifspec.errors import SpecError

FieldMap = Mapping[str, Union[str, Sequence[str]]]
Source = Union[str, list[str]]


def is_text(values: Any) -> bool:
    """True for string (or mixed object) columns: they hold category names, not numbers."""
    return isinstance(values, np.ndarray) and values.dtype.kind in "OUS"


def select_columns(
    columns: Sequence[str], fields: FieldMap | None, exclude: Sequence[str], split_field: str | None, file: Path
) -> dict[str, Source]:
    """Field name -> one column name, or the list of columns stacked into it."""
    excluded = [*exclude, *([split_field] if split_field else [])]
    if fields is None:
        return {name: name for name in columns if not _matches_any(name, excluded)}
    sources = {name: [source] if isinstance(source, str) else list(source) for name, source in fields.items()}
    named = {part for parts in sources.values() for part in parts if not _is_pattern(part, columns)}
    out: dict[str, Source] = {}
    for name, parts in sources.items():
        if isinstance(fields[name], str) and not _is_pattern(fields[name], columns):
            out[name] = fields[name]
            continue
        selected: list[str] = []
        for part in parts:
            found = [part] if not _is_pattern(part, columns) else _glob(part, columns, [*excluded, *named], file)
            selected += [column for column in found if column not in selected]
        out[name] = selected
    return out


def _is_pattern(text: str, columns: Sequence[str]) -> bool:
    return text not in columns and any(char in text for char in "*?[")


def _matches_any(column: str, patterns: Sequence[str]) -> bool:
    return any(column == pattern or fnmatchcase(column, pattern) for pattern in patterns)


def _glob(pattern: str, columns: Sequence[str], skipped: Sequence[str], file: Path) -> list[str]:
    matches = [column for column in columns if fnmatchcase(column, pattern) and not _matches_any(column, skipped)]
    if not matches:
        raise SpecError(f"no column of {file} matches '{pattern}' (after exclusions); columns: {', '.join(columns)}")
    return matches


def encode_classes(values: np.ndarray, name: str, file: Path) -> tuple[np.ndarray, list[str]]:
    """Text labels as class ids ``0..K-1`` in sorted order of the names (scikit-learn ``LabelEncoder``)."""
    if any(value is None or (isinstance(value, float) and value != value) for value in values.tolist()):
        raise SpecError(f"column '{name}' of {file} has missing values; drop or fill those rows first")
    names, ids = np.unique(values.astype(str), return_inverse=True)
    return ids.reshape(values.shape).astype(np.int64), names.tolist()

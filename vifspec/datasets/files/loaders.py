"""Datasets read from files: ``(*, seed, path, fields=None, info=None, split_field=None) -> DataBundle``.

A file is read into named *columns* (an npz array, a pt tensor, a table column). Then:

- ``fields`` (optional) maps a field name to one column, or to a list of columns stacked side by
  side into [N, k] (each column flattened to [N, -1] first); without it every column is a field.
- ``split_field`` (optional) names a column of split labels (``"train"``, ``"val"``, ``"test"``,
  ``"ood"``...): the rows are grouped by label into ``DataBundle.splits``; otherwise the bundle has
  ``fields`` and the spec splits it.
- ``info`` is passed to the model factory; ``input_dim`` is filled in from a 2-d field ``x`` if absent.

Floating-point columns become float32 tensors, integers int64, booleans bool. ``seed`` is accepted
for the dataset protocol; reading a file is deterministic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from vifspec.data import DataBundle
from vifspec.errors import SpecError, did_you_mean

FieldMap = Mapping[str, Union[str, Sequence[str]]]
TABLES_HINT = "install pandas and pyarrow: pip install 'vifspec[tables]'"


def npz(
    *, seed: int, path: str | Path, fields: FieldMap | None = None, info: dict | None = None, split_field: str | None = None
) -> DataBundle:
    """Every array of a NumPy ``.npz`` archive is a column (``allow_pickle=False``)."""
    file = _existing(path)
    try:
        with np.load(file, allow_pickle=False) as archive:
            columns = {name: archive[name] for name in archive.files}
    except ValueError as exc:
        raise SpecError(f"cannot read {file} as an .npz archive without pickles: {exc}") from None
    return _bundle(columns, fields, info, split_field, file)


def pt(
    *, seed: int, path: str | Path, fields: FieldMap | None = None, info: dict | None = None, split_field: str | None = None
) -> DataBundle:
    """A ``torch.save``-d dict of tensors (split labels may be a list of strings), loaded with ``weights_only=True``."""
    file = _existing(path)
    try:
        content = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types (UnpicklingError, RuntimeError...) for a bad file
        raise SpecError(f"cannot load {file} with torch.load(weights_only=True): {exc}") from None
    if not isinstance(content, Mapping):
        raise SpecError(f"{file} holds a {type(content).__name__}; expected a dict of tensors")
    return _bundle(dict(content), fields, info, split_field, file)


def csv(
    *, seed: int, path: str | Path, fields: FieldMap | None = None, info: dict | None = None, split_field: str | None = None
) -> DataBundle:
    """A CSV table read with ``pandas.read_csv``; every column is a column of that name."""
    file = _existing(path)
    table = _pandas(file).read_csv(file)
    return _bundle(_table_columns(table), fields, info, split_field, file)


def parquet(
    *, seed: int, path: str | Path, fields: FieldMap | None = None, info: dict | None = None, split_field: str | None = None
) -> DataBundle:
    """A Parquet table read with ``pandas.read_parquet`` (pyarrow engine)."""
    file = _existing(path)
    try:
        table = _pandas(file).read_parquet(file)
    except ImportError as exc:
        raise SpecError(f"cannot read {file}: {exc}; {TABLES_HINT}") from None
    return _bundle(_table_columns(table), fields, info, split_field, file)


def _existing(path: str | Path) -> Path:
    file = Path(path).expanduser()
    if not file.is_file():
        raise SpecError(f"data file not found: {file}")
    return file


def _pandas(file: Path) -> Any:
    try:
        import pandas
    except ImportError:
        raise SpecError(f"reading {file} needs pandas; {TABLES_HINT}") from None
    return pandas


def _table_columns(table: Any) -> dict[str, np.ndarray]:
    return {str(name): table[name].to_numpy() for name in table.columns}


def _bundle(
    columns: dict[str, Any], fields: FieldMap | None, info: dict | None, split_field: str | None, file: Path
) -> DataBundle:
    labels = _split_labels(columns, split_field, file) if split_field else None
    mapping = dict(fields) if fields is not None else {name: name for name in columns if name != split_field}
    tensors = {name: _field(columns, source, name, file) for name, source in mapping.items()}
    _check_lengths(tensors, labels, file)
    info = dict(info or {})
    x = tensors.get("x")
    if "input_dim" not in info and x is not None and x.ndim == 2:
        info["input_dim"] = int(x.shape[1])
    if labels is None:
        return DataBundle(fields=tensors, info=info)
    return DataBundle(splits=_group_by_label(tensors, labels), info=info)


def _column(columns: dict[str, Any], name: str, file: Path) -> Any:
    if name not in columns:
        raise SpecError(f"{file} has no column '{name}'{did_you_mean(name, columns)}; columns: {', '.join(columns)}")
    return columns[name]


def _field(columns: dict[str, Any], source: str | Sequence[str], field: str, file: Path) -> Tensor:
    """One column as a tensor, or several columns flattened to [N, -1] and stacked side by side."""
    if isinstance(source, str):
        return _as_tensor(_column(columns, source, file), source, file)
    parts = [_as_tensor(_column(columns, name, file), name, file) for name in source]
    if not parts:
        raise SpecError(f"field '{field}' of {file} lists no columns")
    return torch.cat([part.reshape(part.shape[0], -1) for part in parts], dim=1)


def _as_tensor(value: Any, name: str, file: Path) -> Tensor:
    try:
        tensor = value if isinstance(value, Tensor) else torch.as_tensor(_writable(np.asarray(value)))
    except (TypeError, ValueError):
        raise SpecError(f"column '{name}' of {file} is not numeric; map fields to numeric columns only") from None
    return tensor.float() if tensor.is_floating_point() and tensor.dtype != torch.float32 else tensor


def _writable(array: np.ndarray) -> np.ndarray:
    """pandas may hand out read-only views; torch must not share memory it cannot write."""
    return array if array.flags.writeable else array.copy()


def _split_labels(columns: dict[str, Any], split_field: str, file: Path) -> np.ndarray:
    value = _column(columns, split_field, file)
    labels = np.asarray(value.cpu() if isinstance(value, Tensor) else value).astype(str)
    if labels.ndim != 1:
        raise SpecError(f"split column '{split_field}' of {file} must be one label per row, got shape {labels.shape}")
    return labels


def _check_lengths(tensors: dict[str, Tensor], labels: np.ndarray | None, file: Path) -> None:
    lengths = {name: int(t.shape[0]) if t.ndim else 0 for name, t in tensors.items()}
    if labels is not None:
        lengths["<split labels>"] = len(labels)
    if len(set(lengths.values())) > 1:
        raise SpecError(f"fields of {file} have different numbers of rows: {lengths}")


def _group_by_label(tensors: dict[str, Tensor], labels: np.ndarray) -> dict[str, dict[str, Tensor]]:
    """Rows grouped by split label, splits in order of first appearance, row order kept."""
    order = dict.fromkeys(labels.tolist())
    return {label: {name: t[torch.from_numpy(labels == label)] for name, t in tensors.items()} for label in order}

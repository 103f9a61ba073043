"""Datasets read from files: ``(*, seed, path, fields=None, exclude=(), info=None, split_field=None) -> DataBundle``.

A file is read into named *columns* (an npz array, a pt tensor, a table column). Then:

- ``fields`` (optional) maps a field name to a column, a glob pattern (``x = "*"``) or a list of
  both; several columns are stacked side by side into [N, k] (each flattened to [N, -1] first).
  Without it every column is a field. See :mod:`vifspec.datasets.files.columns` for the rules.
- ``exclude`` (optional) lists columns (names or patterns) that no pattern selects, e.g. ``["id"]``.
- ``split_field`` (optional) names a column of split labels (``"train"``, ``"val"``, ``"test"``,
  ``"ood"``...): the rows are grouped by label into ``DataBundle.splits``; otherwise the bundle has
  ``fields`` and the spec splits it.
- ``info`` is passed to the model factory; ``input_dim`` is filled in from a 2-d field ``x`` if absent.

Floating-point columns become float32 tensors, integers int64, booleans bool. A one-column field
of text (category names, e.g. ``"setosa"``) becomes class ids ``0..K-1`` in sorted order of the
names; ``info["classes"]`` keeps ``{field: [name of id 0, name of id 1, ...]}`` and, for the field
``target``, ``info["num_classes"] = K``. Tables (csv, parquet) refuse missing values in the selected
columns. ``seed`` is accepted for the dataset protocol; reading a file is deterministic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from vifspec.data import DataBundle
from vifspec.datasets.files.columns import FieldMap, Source, encode_classes, is_text, select_columns
from vifspec.errors import Problem, SpecError, did_you_mean

TABLES_HINT = "install pandas and pyarrow: pip install 'vifspec[tables]'"


def _read_npz(file: Path) -> dict[str, Any]:
    try:
        with np.load(file, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except ValueError as exc:
        raise SpecError(f"cannot read {file} as an .npz archive without pickles: {exc}") from None


def _read_pt(file: Path) -> dict[str, Any]:
    try:
        content = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types (UnpicklingError, RuntimeError...) for a bad file
        raise SpecError(f"cannot load {file} with torch.load(weights_only=True): {exc}") from None
    if not isinstance(content, Mapping):
        raise SpecError(f"{file} holds a {type(content).__name__}; expected a dict of tensors")
    return dict(content)


def _read_csv(file: Path) -> dict[str, Any]:
    return _table_columns(_pandas(file).read_csv(file))


def _read_parquet(file: Path) -> dict[str, Any]:
    try:
        return _table_columns(_pandas(file).read_parquet(file))
    except ImportError as exc:
        raise SpecError(f"cannot read {file}: {exc}; {TABLES_HINT}") from None


def _loader(name: str, read: Callable[[Path], dict[str, Any]], table: bool, summary: str) -> Callable[..., DataBundle]:
    """A dataset factory reading columns with ``read``; ``table``: refuse missing values (NaN cells)."""

    def load(
        *,
        seed: int,
        path: str | Path,
        fields: FieldMap | None = None,
        exclude: Sequence[str] = (),
        info: dict | None = None,
        split_field: str | None = None,
    ) -> DataBundle:
        file = _existing(path)
        excluded = [exclude] if isinstance(exclude, str) else list(exclude)
        return _bundle(read(file), fields, excluded, split_field, info, file, table)

    load.__name__ = load.__qualname__ = name
    load.__doc__ = f"{summary} See the module docstring for ``fields``, ``exclude``, ``split_field`` and ``info``."
    return load


npz = _loader("npz", _read_npz, False, "Every array of a NumPy ``.npz`` archive is a column (``allow_pickle=False``).")
pt = _loader("pt", _read_pt, False, "A ``torch.save``-d dict of tensors (split labels may be a list of strings), "
             "loaded with ``weights_only=True``.")
csv = _loader("csv", _read_csv, True, "A CSV table read with ``pandas.read_csv``; every column is a column of that name.")
parquet = _loader("parquet", _read_parquet, True, "A Parquet table read with ``pandas.read_parquet`` (pyarrow engine).")


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
    columns: dict[str, Any],
    fields: FieldMap | None,
    exclude: list[str],
    split_field: str | None,
    info: dict | None,
    file: Path,
    table: bool,
) -> DataBundle:
    labels = _split_labels(columns, split_field, file) if split_field else None
    mapping = select_columns(list(columns), fields, exclude, split_field, file)
    info = dict(info or {})
    classes: dict[str, list[str]] = {}
    if table:
        _refuse_missing(columns, mapping, file)
    tensors = {name: _field(columns, source, name, file, classes) for name, source in mapping.items()}
    _check_lengths(tensors, labels, file)
    if classes:
        info.setdefault("classes", classes)
        if "target" in classes:
            info.setdefault("num_classes", len(classes["target"]))
    x = tensors.get("x")
    if "input_dim" not in info and x is not None and x.ndim == 2:
        info["input_dim"] = int(x.shape[1])
    if labels is None:
        return DataBundle(fields=tensors, info=info)
    return DataBundle(splits=_group_by_label(tensors, labels), info=info)


def _refuse_missing(columns: dict[str, Any], mapping: dict[str, Source], file: Path) -> None:
    """A table's empty cells (NaN in a numeric column) would only surface as a diverged loss: refuse them."""
    names = dict.fromkeys(name for source in mapping.values() for name in ([source] if isinstance(source, str) else source))
    counts = {
        name: int(np.isnan(columns[name]).sum())
        for name in names
        if name in columns and isinstance(columns[name], np.ndarray) and columns[name].dtype.kind == "f"
    }
    missing = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
    if missing:
        raise SpecError(f"{file} has missing values in the selected columns ({missing} cells); drop or fill them first")


def _column(columns: dict[str, Any], name: str, file: Path, key: str) -> Any:
    """Column ``name``; a missing one is a problem at the loader parameter ``key`` that names it."""
    if name not in columns:
        message = f"{file} has no column '{name}'{did_you_mean(name, columns)}; columns: {', '.join(columns)}"
        raise SpecError(Problem(message, key=key))
    return columns[name]


def _field(columns: dict[str, Any], source: Source, field: str, file: Path, classes: dict[str, list[str]]) -> Tensor:
    """One column as a tensor (text as class ids, names kept in ``classes``), or several columns
    flattened to [N, -1] and stacked side by side."""
    if isinstance(source, str):
        value = _column(columns, source, file, f"fields.{field}")
        if is_text(value):
            ids, classes[field] = encode_classes(value, source, file)
            return torch.from_numpy(ids)
        return _as_tensor(value, source, file)
    parts = [_as_tensor(_column(columns, name, file, f"fields.{field}"), name, file) for name in source]
    if not parts:
        raise SpecError(f"field '{field}' of {file} lists no columns")
    return torch.cat([part.reshape(part.shape[0], -1) for part in parts], dim=1)


def _as_tensor(value: Any, name: str, file: Path) -> Tensor:
    try:
        tensor = value if isinstance(value, Tensor) else torch.as_tensor(_writable(np.asarray(value)))
    except (TypeError, ValueError):
        raise SpecError(
            f"column '{name}' of {file} holds text; exclude it (exclude = [\"{name}\"]) or give it a field of its own"
            " (a one-column text field becomes class ids)"
        ) from None
    return tensor.float() if tensor.is_floating_point() and tensor.dtype != torch.float32 else tensor


def _writable(array: np.ndarray) -> np.ndarray:
    """pandas may hand out read-only views; torch must not share memory it cannot write."""
    return array if array.flags.writeable else array.copy()


def _split_labels(columns: dict[str, Any], split_field: str, file: Path) -> np.ndarray:
    value = _column(columns, split_field, file, "split_field")
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

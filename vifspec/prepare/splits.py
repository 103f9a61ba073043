"""The splits a run uses: the dataset's own, or a seeded partition (random or stratified by a label
field), then fields standardised with statistics of the train split only.

``[data] stratify`` names the label field whose classes are each split in the declared fractions;
``[data] standardize`` names fields z-scored per column (integer columns become float32), ``(x - mean_train) / std_train``,
so that no statistic of the validation or test rows reaches training.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from vifspec.data import DataBundle
from vifspec.errors import SpecError, did_you_mean
from vifspec.prepare.data import Fields, as_fields, num_rows, random_split, split_fields

DEFAULT_FEATURES = "x"
DEFAULT_LABELS = "target"


def split_data(bundle: DataBundle, data: Any, fold: int | None = None) -> dict[str, Fields]:
    """Split ``bundle`` as ``data`` (the spec's ``[data]`` table) declares -- for cross-validation, as
    fold ``fold`` of ``data.folds`` -- then standardise."""
    stratify = field_names(data.stratify, DEFAULT_LABELS)
    if fold is not None:
        if bundle.splits is not None:
            raise SpecError("[data] folds: this dataset comes already split; cross-validation needs one table of rows")
        splits = fold_split(as_fields(bundle.fields or {}), data, fold, stratify[0] if stratify else None)
    elif not stratify:
        splits = split_fields(bundle, data.splits, data.seed)
    elif bundle.splits is not None:
        raise SpecError("[data] stratify: this dataset comes already split; remove stratify (or its split_field)")
    else:
        splits = stratified_split(as_fields(bundle.fields or {}), stratify[0], data.splits, data.seed)
    return standardize(splits, field_names(data.standardize, DEFAULT_FEATURES))


def fold_split(fields: Fields, data: Any, fold: int, stratify: str | None) -> dict[str, Fields]:
    """Fold ``fold`` of ``data.folds``: its rows are the test split; the other rows are divided among the
    other splits in proportion to their fractions (stratified when asked).

    Rows are assigned to folds as scikit-learn's ``KFold(shuffle=True)`` does (a seeded permutation cut
    into k nearly equal parts) or, with ``stratify``, ``StratifiedKFold`` (each class's shuffled rows
    dealt to the folds in turn), so every fold holds every class in proportion.
    """
    assignment = fold_ids(fields, data.folds, data.seed, stratify)
    test = assignment == fold
    rest = {key: value[~test] for key, value in fields.items()}
    others = {name: f for name, f in data.splits.items() if name != "test"}
    total = sum(others.values())
    fractions = {name: f / total for name, f in others.items()}
    splits = stratified_split(rest, stratify, fractions, data.seed) if stratify else random_split(rest, fractions, data.seed)
    return {**splits, "test": {key: value[test] for key, value in fields.items()}}


def fold_ids(fields: Fields, folds: int, seed: int, stratify: str | None) -> torch.Tensor:
    """Each row's fold, 0..folds-1 (see :func:`fold_split`)."""
    n = num_rows(fields)
    generator = torch.Generator().manual_seed(seed)
    assignment = torch.empty(n, dtype=torch.long)
    if stratify is None:
        order = torch.randperm(n, generator=generator)
        assignment[order] = torch.arange(n) * folds // n
        return assignment
    labels = _labels(fields, stratify)
    dealt = 0
    for cls in torch.unique(labels):
        members = torch.nonzero(labels == cls).squeeze(1)
        members = members[torch.randperm(members.numel(), generator=generator)]
        assignment[members] = (torch.arange(members.numel()) + dealt) % folds
        dealt += members.numel()
    return assignment


def field_names(value: bool | str | Sequence[str], default: str) -> list[str]:
    """A ``[data]`` field option as a list: ``true`` is ``[default]``, ``false`` none, a name one."""
    if value is True:
        return [default]
    if value is False:
        return []
    return [value] if isinstance(value, str) else list(value)


def stratified_split(fields: Fields, label_field: str, fractions: dict[str, float], seed: int) -> dict[str, Fields]:
    """Partition the rows so that every class of ``fields[label_field]`` is split in ``fractions``.

    Each class's rows are shuffled (seeded) and cut at ``round(cumulative fraction x class size)``;
    within a split the rows are shuffled again, so no split is ordered by class.
    Reference: scikit-learn ``train_test_split(stratify=...)``.
    """
    labels = _labels(fields, label_field)
    generator = torch.Generator().manual_seed(seed)
    chunks: dict[str, list[torch.Tensor]] = {name: [] for name in fractions}
    for cls in torch.unique(labels):
        members = torch.nonzero(labels == cls).squeeze(1)
        members = members[torch.randperm(members.numel(), generator=generator)]
        for name, part in zip(fractions, _cut(members, list(fractions.values()))):
            chunks[name].append(part)
    out = {}
    for name, parts in chunks.items():
        index = torch.cat(parts)
        index = index[torch.randperm(index.numel(), generator=generator)]
        out[name] = {key: value[index] for key, value in fields.items()}
    return out


def _labels(fields: Fields, name: str) -> torch.Tensor:
    if name not in fields:
        raise SpecError(f"[data] stratify: no field '{name}'{did_you_mean(name, fields)}; fields: {', '.join(fields)}")
    num_rows(fields)
    labels = fields[name]
    if labels.dim() > 1 and labels[0].numel() == 1:
        labels = labels.reshape(-1)
    if labels.dim() != 1:
        raise SpecError(f"[data] stratify: field '{name}' must hold one label per row, got shape {tuple(labels.shape)}")
    if labels.is_floating_point() and not bool((labels == labels.round()).all()):
        raise SpecError(f"[data] stratify: field '{name}' holds non-integer values; stratify needs class labels")
    return labels


def _cut(members: torch.Tensor, fractions: Sequence[float]) -> list[torch.Tensor]:
    """``members`` cut into consecutive parts of the given fractions (cumulative rounding)."""
    n = members.numel()
    bounds = [0]
    total = 0.0
    for fraction in fractions:
        total += fraction
        bounds.append(min(n, int(round(total * n))))
    bounds[-1] = n
    return [members[start:stop] for start, stop in zip(bounds, bounds[1:])]


def standard_scale(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-column mean and population standard deviation of ``x`` [N, ...] (a zero spread scales by 1).

    Computed in float64 and returned in the dtype of ``x``. Reference: scikit-learn ``StandardScaler``.
    """
    values = x.to(torch.float64)
    mean = values.mean(0)
    std = values.std(0, correction=0)
    std = torch.where(std < 10 * torch.finfo(torch.float64).eps, torch.ones_like(std), std)
    return mean.to(x.dtype), std.to(x.dtype)


def _floating(values: torch.Tensor) -> torch.Tensor:
    """Integer or boolean columns (counts, flags) as float32: their z-scores are real numbers."""
    return values if values.is_floating_point() else values.to(torch.float32)


def standardize(splits: dict[str, Fields], names: list[str]) -> dict[str, Fields]:
    """Every split with ``names`` z-scored by the train split's statistics (other splits never consulted)."""
    if not names:
        return splits
    train = splits["train"]
    out = {split: dict(fields) for split, fields in splits.items()}
    for name in names:
        if name not in train:
            raise SpecError(f"[data] standardize: no field '{name}'{did_you_mean(name, train)}; fields: {', '.join(train)}")
        mean, std = standard_scale(_floating(train[name]))
        for fields in out.values():
            if name in fields:
                fields[name] = (_floating(fields[name]) - mean) / std
    return out

"""Read values out of run records and results: ``split.metric`` keys, split order, directions."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from vifspec.report.markdown import is_number

Metrics = Mapping[str, Mapping[str, Any]]

_SPLIT_ORDER = ("train", "val", "test")
_SPLIT_LABELS = {"train": "Train", "val": "Validation", "test": "Test"}
DEFAULT_SPLITS = ("test", "val", "train")


def split_key(key: str) -> tuple[str, str]:
    """``"val.r@5" -> ("val", "r@5")``; a metric name may itself contain dots (``test.loss.bce``)."""
    split, dot, metric = key.partition(".")
    if not dot or not metric:
        raise ValueError(f"metric key {key!r} is not of the form 'split.metric'")
    return split, metric


def lookup(metrics: Metrics | None, key: str) -> Any:
    """The value of ``split.metric`` in ``{split: {metric: value}}``, or ``None``."""
    split, metric = split_key(key)
    return ((metrics or {}).get(split) or {}).get(metric)


def resolve_key(key: str, metrics: Metrics | None) -> str:
    """A bare metric name becomes ``test.m`` (or ``val.m``, ``train.m`` when test lacks it)."""
    if "." in key and key.split(".", 1)[0] in (metrics or {}):
        return key
    for split in DEFAULT_SPLITS:
        if key in ((metrics or {}).get(split) or {}):
            return f"{split}.{key}"
    return key if "." in key else f"test.{key}"


def ordered_splits(splits: Iterable[str]) -> list[str]:
    """Train, validation, test first, then any other split in its given order."""
    names = list(dict.fromkeys(splits))
    return [s for s in _SPLIT_ORDER if s in names] + [s for s in names if s not in _SPLIT_ORDER]


def split_label(split: str) -> str:
    """Column heading of a split: ``Validation`` for ``val``, ``OOD`` for ``ood``."""
    return _SPLIT_LABELS.get(split, split.upper())


def is_better(candidate: Any, reference: Any, higher_is_better: bool | None) -> bool:
    """Whether ``candidate`` strictly beats ``reference`` (higher is better when unknown)."""
    if not (is_number(candidate) and is_number(reference)):
        return False
    return candidate < reference if higher_is_better is False else candidate > reference


def best_of(values: Iterable[Any], higher_is_better: bool | None) -> Any:
    """The best finite value per direction (max when unknown), or ``None``."""
    numbers = [v for v in values if is_number(v)]
    if not numbers:
        return None
    return min(numbers) if higher_is_better is False else max(numbers)


def sort_by(items: list[Any], value_of: Any, higher_is_better: bool | None) -> list[Any]:
    """Stable sort, best first per direction, missing values last."""
    present = [i for i in items if is_number(value_of(i))]
    missing = [i for i in items if not is_number(value_of(i))]
    present.sort(key=value_of, reverse=higher_is_better is not False)
    return present + missing


def common_keys(metric_sets: Iterable[Metrics], split: str) -> list[str]:
    """``split.metric`` keys present in every one of the metric sets, in first-seen order."""
    sets = list(metric_sets)
    if not sets:
        return []
    first = list((sets[0].get(split) or {}).keys())
    shared = [m for m in first if all(m in (s.get(split) or {}) for s in sets[1:])]
    return [f"{split}.{m}" for m in shared]

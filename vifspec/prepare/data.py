"""Load a dataset component, split it, and hold every split on the device as a dict of tensors."""

from __future__ import annotations

import inspect
from typing import Any, Iterator

import torch

from vifspec.data import DataBundle
from vifspec.errors import SpecError, did_you_mean
from vifspec.registry import Registry
from vifspec.spec.schema import Data
from vifspec.spec.source import resolve_path

Fields = dict[str, torch.Tensor]


def load_bundle(data: Data, spec_path: str, registry: Registry) -> DataBundle:
    """Call the dataset factory named by ``[data].source`` (a file path goes to its loader, resolved
    against the spec's folder, then the working directory)."""
    name = registry.dataset_name(data.source)
    factory = registry.get("dataset", name).load()
    kwargs = dict(data.params)
    if name != data.source:
        kwargs.setdefault("path", str(resolve_path(data.source, spec_path)))
    check_call(("data", "params"), factory, seed=data.seed, **kwargs)
    bundle = factory(seed=data.seed, **kwargs)
    if not isinstance(bundle, DataBundle):
        raise SpecError(f"dataset '{data.source}' returned {type(bundle).__name__}, not a vifspec.data.DataBundle")
    return bundle


def split_fields(bundle: DataBundle, fractions: dict[str, float], seed: int) -> dict[str, Fields]:
    """The bundle's own splits, or a seeded random partition of its fields by ``fractions``."""
    if bundle.splits is not None:
        return {name: as_fields(fields) for name, fields in bundle.splits.items()}
    return random_split(as_fields(bundle.fields or {}), fractions, seed)


def random_split(fields: Fields, fractions: dict[str, float], seed: int) -> dict[str, Fields]:
    """A seeded random partition of the rows of ``fields`` by ``fractions`` (the last split takes the rest)."""
    n = num_rows(fields)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    out: dict[str, Fields] = {}
    start = 0
    names = list(fractions)
    for i, name in enumerate(names):
        stop = n if i == len(names) - 1 else start + int(round(fractions[name] * n))
        index = order[start:stop]
        out[name] = {key: value[index] for key, value in fields.items()}
        start = stop
    return out


def to_device(splits: dict[str, Fields], device: torch.device) -> dict[str, Fields]:
    return {name: {k: v.to(device) for k, v in fields.items()} for name, fields in splits.items()}


def batches(fields: Fields, batch_size: int, generator: torch.Generator | None = None) -> Iterator[Fields]:
    """Index batches over in-memory fields (shuffled when a generator is given); no host sync."""
    n = num_rows(fields)
    device = next(iter(fields.values())).device
    if generator is None:
        order = None
    else:
        order = torch.randperm(n, generator=generator).to(device)
    for start in range(0, n, batch_size):
        if order is None:
            yield {k: v[start : start + batch_size] for k, v in fields.items()}
        else:
            index = order[start : start + batch_size]
            yield {k: v.index_select(0, index) for k, v in fields.items()}


def build_model(factory: Any, params: dict[str, Any], info: dict[str, Any]) -> torch.nn.Module:
    """Call the model factory with the spec's params plus the dataset ``info`` keys it names as parameters."""
    try:
        accepted = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        accepted = {}
    extra = {k: v for k, v in info.items() if k not in params and k in accepted}
    check_call(("model", "params"), factory, **params, **extra)
    return factory(**params, **extra)


class ParamsError(Exception):
    """The spec's params for a factory do not fit its signature: ``(key path, message)`` per problem."""

    def __init__(self, problems: list[tuple[tuple[str, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def check_call(table: tuple[str, ...], factory: Any, **kwargs: Any) -> None:
    """Raise :class:`ParamsError` (a spec error, not a crash) when ``kwargs`` do not fit ``factory``:
    each unknown parameter at its own key with a did-you-mean, each missing one at ``table``."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # no signature to check (a builtin): let the call decide
        return
    params = signature.parameters
    accepted = [n for n in params if n not in ("self", "seed")]
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    problems = [
        (table + (key,), f"unknown parameter '{key}'{did_you_mean(key, accepted)}; accepted: {', '.join(accepted) or 'none'}")
        for key in kwargs if key not in params and not takes_any
    ]
    problems += [
        (table, f"required parameter '{name}' is missing")
        for name, p in params.items()
        if name not in kwargs and p.default is p.empty and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "self"
    ]
    if problems:
        raise ParamsError(problems)


def as_fields(fields: dict[str, Any]) -> Fields:
    return {k: v if isinstance(v, torch.Tensor) else torch.as_tensor(v) for k, v in fields.items()}


def num_rows(fields: Fields) -> int:
    lengths = {k: v.shape[0] for k, v in fields.items() if v.dim() > 0}
    if not lengths:
        raise SpecError("the dataset has no fields")
    if len(set(lengths.values())) != 1:
        raise SpecError(f"dataset fields differ in length: {lengths}")
    return next(iter(lengths.values()))

"""Dotted-key overrides of a spec document (``"loss.bce.weight" = 0.5``): flatten, apply, enumerate.

Arms, sweep points and variants are all overrides of the base document; :func:`override_keys` is
the one enumerator of every override a document declares, with the key path where it is written.
"""

from __future__ import annotations

from typing import Any, Iterator

from vifspec.spec.schema import Spec, schema_child

EXPANSION_TABLES = ("arms", "sweep", "variants")
RESERVED_VARIANT_KEYS = ("group", "description")


def apply_overrides(doc: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` without its expansion tables, with each dotted key set (one variant's document)."""
    return set_keys({key: value for key, value in doc.items() if key not in EXPANSION_TABLES}, overrides)


def set_keys(doc: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` with each dotted key set; ``doc`` is not changed.

    Only the tables on an override's path are copied (copy-on-write), so expanding many variants stays cheap.
    """
    out = dict(doc)
    for dotted, value in overrides.items():
        node = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            child = node.get(part)
            node[part] = dict(child) if isinstance(child, dict) else {}
            node = node[part]
        node[leaf] = value
    return out


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"loss": {"bce": {"weight": 1}}}`` -> ``{"loss.bce.weight": 1}`` (params tables stay whole)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value and not dotted.endswith(("params", "inputs")):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out



def override_keys(doc: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every override the document declares: ``(key path where it is written, dotted key)``."""
    for name, table in _tables(doc, "arms"):
        yield from ((("arms", name, k), k) for k in flatten(table))
    for name, table in _tables(doc, "variants"):
        yield from ((("variants", name, k), k) for k in flatten(table) if k not in RESERVED_VARIANT_KEYS)
    for axis, values in _tables(doc, "sweep"):
        linked = [k for v in values if isinstance(v, dict) for k in flatten(v) if k != "label"] if isinstance(values, list) else []
        yield from ((("sweep", axis), k) for k in (linked or [axis]))


def _tables(doc: dict[str, Any], name: str) -> list[tuple[str, Any]]:
    table = doc.get(name)
    return [(k, v) for k, v in table.items() if isinstance(v, (dict, list))] if isinstance(table, dict) else []


def settable(key: str) -> bool:
    """A dotted key may be overridden when the schema has it (a new loss term, any params/inputs key)."""
    annotation: Any = Spec
    for part in key.split("."):
        annotation = schema_child(annotation, part)
        if annotation is None:
            return False
    return True


def leaf_paths(doc: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Every dotted key with a value in the base document (the expansion tables left out)."""
    for key, value in doc.items():
        if key in EXPANSION_TABLES and not prefix:
            continue
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaf_paths(value, dotted + ".")
        else:
            yield dotted


def origin_paths(key: str, at: tuple[str, ...], doc: dict[str, Any], rest: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """Candidate key paths where override ``key`` of the variant declared at ``at`` is written, most
    precise first (``rest``: the part of a longer key path inside the override's value)."""
    if at[:1] == ("sweep",):
        sweep = doc.get("sweep") if isinstance(doc.get("sweep"), dict) else {}
        axes = [a for a, values in sweep.items() if a == key or (isinstance(values, list) and any(
            isinstance(v, dict) and key in flatten(v) for v in values))]
        return [("sweep", a) for a in axes] + [at]
    return [at + (key,) + rest, at + (key,), at + tuple(key.split(".")) + rest, at + tuple(key.split(".")), at]

"""Report every problem of a file at once: after schema errors, check what is still sound.

When a spec fails the schema, the compiler still wants to report its cross-reference problems
(an unknown loss, a criterion naming a missing metric...). :func:`salvage` removes the keys the
schema rejected (each falls back to its default; a table missing a required key is dropped) and
returns a spec the cross-checks can run on, or ``None`` when too little is left.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from vifspec.spec.schema import Spec, schema_child, schema_model

ROUNDS = 4
TRAINING_TABLES = ("data", "model", "train")
PLACEHOLDER_EXPERIMENT = {"id": "salvaged"}


def salvage(doc: dict[str, Any]) -> tuple[Spec, dict[str, Any]] | None:
    """A valid spec made from ``doc`` by dropping what the schema rejects (and that document), or None.

    Best effort by design: whatever goes wrong while salvaging only means fewer extra problems.
    """
    try:
        return _salvage(copy.deepcopy(doc))
    except Exception:  # noqa: BLE001 - salvage must never turn a spec error into a traceback
        return None


def _salvage(doc: dict[str, Any]) -> tuple[Spec, dict[str, Any]] | None:
    for _ in range(ROUNDS):
        try:
            return Spec.model_validate(doc, strict=True), doc
        except ValidationError as exc:
            for err in exc.errors():
                loc = _location(err)
                if err["type"] != "missing" and _placeholder(doc, loc):
                    continue
                if not _drop(doc, loc):
                    return None
    return None


def _location(err: dict[str, Any]) -> tuple[Any, ...]:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("literal[", "function-", "int", "str"))))
    return loc[:-1] if err["type"] == "missing" and loc != ("experiment",) else loc


def _placeholder(doc: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Put 1 in place of a bad value of a required number (epochs, patience): the table stays checkable."""
    annotation: Any = Spec
    parent: Any = None
    for part in loc:
        parent, annotation = annotation, schema_child(annotation, part)
    model = schema_model(parent) if loc else None
    field = model.model_fields.get(loc[-1]) if model is not None else None
    if field is None or not field.is_required() or annotation not in (int, float):
        return False
    node: Any = doc
    for part in loc[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if not isinstance(node, dict):
        return False
    node[loc[-1]] = annotation(1)
    return True


def _drop(doc: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """Remove the value at ``loc``; False when nothing sensible can be removed."""
    if not loc:  # a whole-spec rule (data/model/train all or none): make it verdict-only
        for table in TRAINING_TABLES:
            doc.pop(table, None)
        return True
    if loc[0] == "experiment":
        doc["experiment"] = dict(PLACEHOLDER_EXPERIMENT)
        return True
    node: Any = doc
    for part in loc[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return True  # already removed with its parent
    if isinstance(node, dict):
        node.pop(loc[-1], None)
    elif isinstance(node, list) and isinstance(loc[-1], int) and loc[-1] < len(node):
        node.pop(loc[-1])
    return True

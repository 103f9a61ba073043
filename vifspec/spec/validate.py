"""The schema check of a parsed spec, with pydantic's errors translated into placed problems.

Every error names the file, line and column of the key that caused it; an error caused by an
override (an arm, a sweep point, a variant) is placed at the override.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from vifspec.errors import Problem, SpecError, did_you_mean
from vifspec.limits import ID_MAX_LENGTH
from vifspec.spec.overrides import apply_overrides, origin_paths
from vifspec.spec.fields import ID_PATTERN, ID_RULE
from vifspec.spec.schema import Spec, schema_child, schema_model
from vifspec.spec.source import Source


def validate(source: Source, overrides: dict[str, Any] | None = None, at: tuple[str, ...] = ()) -> Spec:
    """Validate the document (with ``overrides`` applied, declared at ``at``) against the schema."""
    doc = source.doc if overrides is None else apply_overrides(source.doc, overrides)
    try:
        return Spec.model_validate(doc, strict=True)
    except ValidationError as exc:
        raise SpecError([_pydantic_problem(source, err, overrides, at) for err in exc.errors()]) from None



_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "missing": "required key is missing",
}


def _pydantic_problem(source: Source, err: dict[str, Any], overrides: dict[str, Any] | None, at: tuple[str, ...]) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("literal[", "function-", "[key]"))))
    kind = err["type"]
    ctx = {name: _bound(value) for name, value in (err.get("ctx") or {}).items()}
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        message = f"{err.get('input')!r} is not a safe id (it names a folder): use {ID_RULE}"
    elif kind == "string_too_long" and ctx.get("max_length") == ID_MAX_LENGTH:
        message = f"an id of {len(str(err.get('input')))} characters is too long (it names a folder): use {ID_RULE}"
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        message = f"unknown key '{loc[-1]}'{did_you_mean(str(loc[-1]), allowed)}"
        if allowed:
            message += f"; allowed: {', '.join(allowed)}"
    else:
        template = _MESSAGES.get(kind)
        message = template.format(**ctx) if template else _lower_first(err["msg"])
        if kind != "missing":
            message += f", got {err.get('input')!r}"
    if overrides is None:
        return source.problem(loc, message)
    dotted = ".".join(str(p) for p in loc)
    for key in overrides:
        if dotted.startswith(key) or key.startswith(dotted):
            path = next((p for p in origin_paths(key, at, source.doc) if source.positions.exact(p)), at)
            problem = source.problem(path, f"{message} (in {'.'.join(at)})")
            return Problem(problem.message, problem.file, problem.line, problem.col, dotted)
    return source.problem(at, f"{dotted}: {message}")


def _bound(value: Any) -> Any:
    """A bound as people write it: ``2**63`` rather than 9223372036854775808."""
    if isinstance(value, int) and value >= 2**16 and value & (value - 1) == 0:
        return f"2**{value.bit_length() - 1}"
    return value


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    annotation: Any = Spec
    for part in loc:
        annotation = schema_child(annotation, part)
        if annotation is None:
            return []
    model = schema_model(annotation)
    return sorted(model.model_fields) if model else []


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


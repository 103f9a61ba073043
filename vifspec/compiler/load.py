"""Load one spec: read and parse it, validate it against the schema, cross-check its references.

Every problem of a file is collected and raised at once as one :class:`SpecError`; after schema
errors the spec is salvaged so that the cross-reference checks report their problems too.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from vifspec.compiler.checks import check_spec
from vifspec.errors import Problem, SpecError
from vifspec.registry import Registry, default_registry
from vifspec.spec.salvage import salvage
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source, read_source
from vifspec.spec.validate import validate


def load_spec(path: str | Path, registry: Registry | None = None, text: str | None = None) -> tuple[Source, Spec]:
    """Read (or take ``text`` as the content of ``path``), validate and cross-check one spec (no expansion)."""
    source = read_source(path, text)
    registry = registry or default_registry()
    try:
        spec = validate(source)
    except SpecError as exc:
        salvaged = salvage(source.doc)
        more = check_spec(salvaged[0], replace(source, doc=salvaged[1]), registry) if salvaged is not None else []
        raise SpecError(_unique([*exc.problems, *more])) from None
    problems = check_spec(spec, source, registry)
    if problems:
        raise SpecError(problems)
    return source, spec


def _unique(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, each once (a salvaged check may repeat a schema problem's place)."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for problem in problems:
        key = (problem.line, problem.col, problem.key)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return sorted(out, key=lambda p: (p.line or 0, p.col or 0))


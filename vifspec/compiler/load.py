"""Load one spec: read and parse it, validate it against the schema, cross-check its references.

Every problem of a file is collected and raised at once as one :class:`SpecError`; after schema
errors the spec is salvaged so that the cross-reference checks report their problems too.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from vifspec.compiler.checks import check_spec
from vifspec.errors import Problem, SpecError, did_you_mean
from vifspec.spec.overrides import leaf_paths, set_keys, settable
from vifspec.registry import Registry, default_registry
from vifspec.spec.salvage import salvage
from vifspec.spec.schema import Spec
from vifspec.spec.source import Source, read_source
from vifspec.spec.validate import validate
from vifspec.usercode import spec_code_path


def load_spec(path: str | Path, registry: Registry | None = None, text: str | None = None,
              overrides: Mapping[str, Any] | None = None, imports: bool = True) -> tuple[Source, Spec]:
    """Read (or take ``text`` as the content of ``path``), set the dotted-key ``overrides``
    (``{"train.epochs": 2}``, as ``vifspec run --set`` does), validate and cross-check one spec (no expansion).

    ``imports=False``: objects named by import path are not imported (their form and module are checked
    without executing anything), as ``vifspec check`` and ``judge`` need. Either way an import path
    resolves against the spec's folder and the working directory (:mod:`vifspec.usercode`)."""
    with spec_code_path(path):
        return _load(read_source(path, text), registry or default_registry(), overrides, imports)


def _load(source: Source, registry: Registry, overrides: Mapping[str, Any] | None, imports: bool) -> tuple[Source, Spec]:
    if overrides:
        unknown = [key for key in overrides if not settable(key)]
        if unknown:
            leaves = list(leaf_paths(source.doc))
            raise SpecError([Problem(f"override '{k}' does not exist in the spec language{did_you_mean(k, leaves)}", source.path)
                             for k in unknown])
        source = replace(source, doc=set_keys(source.doc, dict(overrides)), overrides=dict(overrides))
    try:
        spec = validate(source)
    except SpecError as exc:
        salvaged = salvage(source.doc)
        more = check_spec(salvaged[0], replace(source, doc=salvaged[1]), registry, imports) if salvaged is not None else []
        raise SpecError(_unique([*exc.problems, *more])) from None
    problems = check_spec(spec, source, registry, imports)
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


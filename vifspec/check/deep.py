"""``vifspec check --deep``: the prepare phase for every variant of every valid spec (no training).

Plain ``vifspec check`` stays fast and torch-free; ``--deep`` builds the data and every variant's
model, binds every input and runs one forward pass (:func:`vifspec.prepare.preflight.preflight`), so
the mistakes only the data or the model can reveal -- a CSV column, an output name, a parameter typo
in a sweep, a missing split, a data path -- are reported at their lines, like the schema's problems.
It imports torch and executes the components the specs name (that is what it is for).
"""

from __future__ import annotations

from vifspec.check.outcome import CheckOutcome
from vifspec.compiler import compile_plans
from vifspec.errors import SpecError
from vifspec.registry import Registry, default_registry


def deepen(outcome: CheckOutcome, registry: Registry | None = None, device: str | None = "cpu") -> CheckOutcome:
    """Add the prepare phase's problems of every spec that compiled to ``outcome``."""
    from vifspec.prepare.preflight import preflight  # imports torch

    registry = registry or default_registry()
    for path in [f for f in outcome.files if not outcome.problems_of(f)]:
        try:
            plans = compile_plans(path, registry=registry)
        except SpecError:  # a verdict-only spec has nothing to prepare
            continue
        outcome.problems.extend(preflight(plans, registry, device))
    return outcome

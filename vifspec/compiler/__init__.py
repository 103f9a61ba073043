"""The compiler: a spec file -> a validated, cross-checked :class:`Spec` -> variants -> frozen plans.

- :mod:`vifspec.compiler.load` reads, validates and cross-checks one spec (every problem at once)
- :mod:`vifspec.compiler.checks` the cross-reference checks
- :mod:`vifspec.compiler.variants` arms, sweep points and declared variants
- :mod:`vifspec.compiler.plans` one :class:`Plan` per variant and seed
"""

from __future__ import annotations

from vifspec.compiler.load import load_spec
from vifspec.compiler.plan import Plan
from vifspec.compiler.plans import compile_plans, plans_for
from vifspec.compiler.variants import Variant, expand_variants, select_variants

__all__ = ["Plan", "Variant", "compile_plans", "expand_variants", "load_spec", "plans_for", "select_variants"]

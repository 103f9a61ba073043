"""One registry for losses, metrics, models and datasets.

Built-in components and third-party plugins register through the same mechanism: an entry point
in the group ``vifspec.plugins`` naming a function ``register(registry)`` that calls
:meth:`Registry.add`. A spec may also name any object directly by import path
(``"mypkg.losses:my_loss"``).

Registration is declarative and torch-free: ``add`` records where the object lives (``"module:attr"``)
and what the compiler needs to know about it (its input names, a metric's direction), so that
``vifspec check`` validates specs without importing torch. Declarations are validated when they are
registered (pluggy's rule); the object is imported and checked against its declaration when it is
first loaded.

An import path named by a spec is code the spec asks to run. :meth:`Registry.get` with
``imports=False`` (what ``vifspec check`` does unless given ``--import``) checks only its form and
that its module can be found (:func:`module_exists`, which executes nothing); installed entry-point
plugins are trusted as installed code and always loaded.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import PurePath
from typing import Any, Callable

from vifspec.errors import SpecError, did_you_mean
from vifspec.facts import UNITS, Alert, MetricFacts

KINDS = ("loss", "metric", "model", "dataset")
ENTRY_POINT_GROUP = "vifspec.plugins"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_@.\-]*$")
TARGET_FORM = "'package.module:object' (dotted Python names on each side of one ':', e.g. 'mypkg.losses:my_loss')"


class RegistrationError(SpecError):
    """A plugin declared a component wrongly (raised when it registers)."""


# The options each kind of component may declare beyond its target and summary (pluggy's rule: an
# option nothing reads is rejected when the component registers).
OPTIONS: dict[str, tuple[str, ...]] = {
    "loss": ("inputs",),
    "metric": ("inputs", "higher_is_better", "unit", "diagnostic", "per_example", "alert"),
    "model": ("trivial",),
    "dataset": ("suffixes",),
}


@dataclass(frozen=True)
class Component:
    """A registered component: where it lives and what the compiler may rely on.

    Metric facts (declared once, here): ``higher_is_better``; ``unit`` -- ``"rate"`` (a share in
    [0, 1], shown as % and differences as pp), ``"ms"`` or ``"number"``; ``diagnostic`` -- a
    measurement about the run (overlap, latency, spread), not a result a model is ranked on;
    ``per_example`` -- a function of independent examples along the first dimension of its inputs,
    so resampling the examples gives its sampling distribution (a metric that is the mean of
    per-example values scored against the whole split, such as R@k, carries the function returning
    them as ``per_example_values``: resampling draws those, keeping the candidate pool whole; one
    that is another statistic of a few numbers per example carries ``per_example_features =
    (features, statistic)``: resampling draws rows of the features);
    ``alert`` -- a report warning.
    """

    kind: str
    name: str
    target: str | Any
    inputs: tuple[str, ...] = ()
    higher_is_better: bool | None = None
    summary: str = ""
    unit: str = "number"
    diagnostic: bool = False
    per_example: bool = False
    alert: Alert | None = None
    trivial: bool = False
    suffixes: tuple[str, ...] = ()

    @property
    def facts(self) -> MetricFacts:
        """A metric's declared facts (its registry name as ``fn``)."""
        return MetricFacts(self.name, self.higher_is_better, self.unit, self.diagnostic, self.per_example, self.alert)

    def load(self) -> Any:
        """Import the object (first use only) and check it against its declaration."""
        obj = _import(self.target) if isinstance(self.target, str) else self.target
        if not callable(obj):
            raise RegistrationError(f"{self.kind} '{self.name}': {self.target!r} is not callable")
        missing = [name for name in self.inputs if not _accepts(obj, name)]
        if missing:
            raise RegistrationError(
                f"{self.kind} '{self.name}': declared inputs {missing} are not parameters of {self.target!r}"
            )
        return obj


class Registry:
    """Name -> :class:`Component`, one namespace per kind."""

    def __init__(self) -> None:
        self._components: dict[str, dict[str, Component]] = {kind: {} for kind in KINDS}

    def add(self, kind: str, name: str, target: str | Callable[..., Any], *, summary: str = "", **options: Any) -> Component:
        """Declare a component. Raises :class:`RegistrationError` at once if the declaration is wrong.

        Options by kind (anything else is an error): a loss declares ``inputs``, the parameter
        names a spec binds to model outputs or batch fields; a metric declares ``inputs`` and
        ``higher_is_better`` (both required), and may declare ``unit``, ``diagnostic``,
        ``per_example`` and ``alert`` (see :class:`Component`); a model may declare ``trivial=True``
        (a baseline without trainable parameters); a dataset may declare the file ``suffixes`` it reads.
        """
        if kind not in KINDS:
            raise RegistrationError(f"unknown component kind {kind!r}; expected one of {', '.join(KINDS)}")
        if not isinstance(name, str) or not _NAME.match(name):
            raise RegistrationError(f"{kind} name {name!r} is not a valid component name")
        if name in self._components[kind]:
            raise RegistrationError(f"{kind} '{name}' is registered twice")
        if isinstance(target, str) and not _valid_target(target):
            raise RegistrationError(f"{kind} '{name}': target {target!r} is not of the form {TARGET_FORM}")
        if not isinstance(target, str) and not callable(target):
            raise RegistrationError(f"{kind} '{name}': target must be 'module:object' or a callable")
        component = Component(kind, name, target, summary=summary, **_options(kind, name, options))
        self._components[kind][name] = component
        return component

    def names(self, kind: str) -> list[str]:
        return sorted(self._components[kind])

    def components(self, kind: str) -> list[Component]:
        return [self._components[kind][n] for n in self.names(kind)]

    def get(self, kind: str, name: str, *, imports: bool = True) -> Component:
        """Look a component up by registry name or by ``"pkg.mod:obj"`` import path.

        An import path is imported and its object described (:func:`component_from_object`). With
        ``imports=False`` nothing is imported: the path is checked for its form and for a module that
        can be found, and the component returned declares nothing (no inputs, no direction)."""
        if name in self._components[kind]:
            return self._components[kind][name]
        if ":" in name:
            if not _valid_target(name):
                raise SpecError(f"'{name}' is not an import path of the form {TARGET_FORM}")
            if imports:
                return component_from_object(kind, name, _import(name))
            module = name.partition(":")[0]
            if not module_exists(module):
                raise SpecError(f"cannot find module '{module}' for '{name}' (nothing was imported): is it a file in "
                                "the spec's folder or the working directory, installed, or on PYTHONPATH?")
            return Component(kind, name, name)
        hint = did_you_mean(name, self._components[kind])
        raise SpecError(f"unknown {kind} '{name}'{hint}")

    def has(self, kind: str, name: str) -> bool:
        return name in self._components[kind]

    def dataset_name(self, source: str) -> str:
        """The dataset a ``[data].source`` names: a file path maps to the loader declaring its suffix."""
        if ":" in source:
            return source
        suffix = PurePath(source).suffix.lower()
        loader = next((c for c in self.components("dataset") if suffix and suffix in c.suffixes), None)
        return loader.name if loader else source


def _options(kind: str, name: str, options: dict[str, Any]) -> dict[str, Any]:
    """The declared options, checked for this kind (unknown options and wrong values are errors)."""
    where = f"{kind} '{name}'"
    unknown = sorted(set(options) - set(OPTIONS[kind]))
    if unknown:
        raise RegistrationError(f"{where}: unknown option(s) {', '.join(unknown)}; a {kind} declares {', '.join(OPTIONS[kind])}")
    out = dict(options)
    if "inputs" in out or kind in ("loss", "metric"):
        inputs = out.get("inputs", ())
        if isinstance(inputs, str) or not inputs or not all(isinstance(i, str) and i.isidentifier() for i in inputs):
            raise RegistrationError(f"{where}: declare its input names, e.g. inputs=('preds', 'target')")
        out["inputs"] = tuple(inputs)
    if kind == "metric":
        if not isinstance(out.get("higher_is_better"), bool):
            raise RegistrationError(f"metric '{name}': declare higher_is_better=True or False")
        if out.get("unit", "number") not in UNITS:
            raise RegistrationError(f"{where}: unit must be one of {', '.join(UNITS)}, got {out['unit']!r}")
        for flag in ("diagnostic", "per_example"):
            if not isinstance(out.get(flag, False), bool):
                raise RegistrationError(f"{where}: {flag} must be True or False")
        if out.get("alert") is not None and not isinstance(out["alert"], Alert):
            raise RegistrationError(f"{where}: alert must be a vifspec.facts.Alert")
    if kind == "model" and not isinstance(out.get("trivial", False), bool):
        raise RegistrationError(f"{where}: trivial must be True or False")
    if kind == "dataset":
        suffixes = out.get("suffixes", ())
        if isinstance(suffixes, str) or not all(isinstance(x, str) and x.startswith(".") for x in suffixes):
            raise RegistrationError(f"{where}: suffixes must be a tuple of file suffixes such as ('.csv',)")
        out["suffixes"] = tuple(x.lower() for x in suffixes)
    return out


def component_from_object(kind: str, target: str, obj: Any) -> Component:
    """Describe an object named by import path from its signature and attributes.

    A metric must carry ``higher_is_better``; it may carry ``unit``, ``diagnostic`` and
    ``per_example`` the same way (or all of them in a ``__vifspec__`` dict). Inputs default to the
    parameters without defaults.
    """
    declared = dict(getattr(obj, "__vifspec__", {}) or {})
    for fact in ("higher_is_better", "unit", "diagnostic", "per_example"):
        if fact not in declared and hasattr(obj, fact) and not isinstance(obj, type):
            declared[fact] = getattr(obj, fact)
    summary = (obj.__doc__ or "").strip().split("\n")[0]
    if kind not in ("loss", "metric"):
        return Component(kind, target, obj, summary=summary)
    if kind == "metric" and not isinstance(declared.get("higher_is_better"), bool):
        raise SpecError(f"metric '{target}' must declare higher_is_better (an attribute set to True or False)")
    declared.setdefault("inputs", _required_parameters(obj))
    wanted = {k: v for k, v in declared.items() if k in OPTIONS[kind]}
    try:
        return Component(kind, target, obj, summary=summary, **_options(kind, target, wanted))
    except RegistrationError as exc:
        raise SpecError(str(exc)) from None


def _valid_target(target: str) -> bool:
    module, colon, attr = target.partition(":")
    parts = [*module.split("."), *attr.split(".")]
    return bool(colon) and all(part.isidentifier() for part in parts)


def module_exists(name: str) -> bool:
    """Whether the module ``name`` (dotted) can be found, without importing (executing) it or any of its
    parent packages: the top-level name is looked up by the import system's finders, each submodule in
    its parent's search locations (``importlib.util.find_spec`` on a dotted name would import the parents)."""
    if name in sys.modules:
        return True
    top, *rest = name.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    for part in rest:
        if spec is None or spec.submodule_search_locations is None:
            return False
        spec = importlib.machinery.PathFinder.find_spec(f"{spec.name}.{part}", list(spec.submodule_search_locations))
    return spec is not None


def _import(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(f"cannot import '{module_name}' for '{target}': {exc}") from None
    except Exception as exc:  # the module's own code failed while importing
        raise SpecError(f"importing '{module_name}' for '{target}' failed: {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SpecError(f"'{module_name}' has no attribute '{attr}'{did_you_mean(part, dir(obj))}")
        obj = getattr(obj, part)
    return obj


def _signature(obj: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _accepts(obj: Any, name: str) -> bool:
    sig = _signature(obj)
    if sig is None:
        return True
    params = sig.parameters.values()
    return any(p.kind is p.VAR_KEYWORD for p in params) or name in sig.parameters


def _required_parameters(obj: Any) -> tuple[str, ...]:
    sig = _signature(obj)
    if sig is None:
        return ()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in sig.parameters.values() if p.kind in kinds and p.default is p.empty)


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry, filled once from every ``vifspec.plugins`` entry point."""
    global _DEFAULT
    if _DEFAULT is None:
        registry = Registry()
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                ep.load()(registry)
            except RegistrationError:
                raise
            except Exception as exc:
                raise RegistrationError(f"plugin '{ep.name}' ({ep.value}) failed to register: {type(exc).__name__}: {exc}") from exc
        _DEFAULT = registry
    return _DEFAULT

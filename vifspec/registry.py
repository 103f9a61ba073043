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
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Callable

from vifspec.errors import SpecError, did_you_mean

KINDS = ("loss", "metric", "model", "dataset")
ENTRY_POINT_GROUP = "vifspec.plugins"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_@.\-]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class RegistrationError(SpecError):
    """A plugin declared a component wrongly (raised when it registers)."""


@dataclass(frozen=True)
class Component:
    """A registered component: where it lives and what the compiler may rely on."""

    kind: str
    name: str
    target: str | Any
    inputs: tuple[str, ...] = ()
    higher_is_better: bool | None = None
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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

    def add(
        self,
        kind: str,
        name: str,
        target: str | Callable[..., Any],
        *,
        inputs: tuple[str, ...] | list[str] = (),
        higher_is_better: bool | None = None,
        summary: str = "",
        **extra: Any,
    ) -> Component:
        """Declare a component. Raises :class:`RegistrationError` at once if the declaration is wrong.

        ``inputs`` are the parameter names a spec binds to model outputs or batch fields
        (required for losses and metrics); ``higher_is_better`` is required for metrics.
        """
        if kind not in KINDS:
            raise RegistrationError(f"unknown component kind {kind!r}; expected one of {', '.join(KINDS)}")
        if not isinstance(name, str) or not _NAME.match(name):
            raise RegistrationError(f"{kind} name {name!r} is not a valid component name")
        if name in self._components[kind]:
            raise RegistrationError(f"{kind} '{name}' is registered twice")
        if isinstance(target, str) and not _TARGET.match(target):
            raise RegistrationError(f"{kind} '{name}': target {target!r} is not of the form 'package.module:object'")
        if not isinstance(target, str) and not callable(target):
            raise RegistrationError(f"{kind} '{name}': target must be 'module:object' or a callable")
        inputs = tuple(inputs)
        if kind in ("loss", "metric") and (not inputs or not all(isinstance(i, str) for i in inputs)):
            raise RegistrationError(f"{kind} '{name}': declare its input names, e.g. inputs=('preds', 'target')")
        if kind == "metric" and not isinstance(higher_is_better, bool):
            raise RegistrationError(f"metric '{name}': declare higher_is_better=True or False")
        component = Component(kind, name, target, inputs, higher_is_better, summary, dict(extra))
        self._components[kind][name] = component
        return component

    def names(self, kind: str) -> list[str]:
        return sorted(self._components[kind])

    def components(self, kind: str) -> list[Component]:
        return [self._components[kind][n] for n in self.names(kind)]

    def get(self, kind: str, name: str) -> Component:
        """Look a component up by registry name or by ``"pkg.mod:obj"`` import path."""
        if name in self._components[kind]:
            return self._components[kind][name]
        if ":" in name:
            return component_from_object(kind, name, _import(name))
        hint = did_you_mean(name, self._components[kind])
        raise SpecError(f"unknown {kind} '{name}'{hint}")

    def has(self, kind: str, name: str) -> bool:
        return name in self._components[kind]


def component_from_object(kind: str, target: str, obj: Any) -> Component:
    """Describe an object named by import path from its signature and attributes.

    A metric must carry ``higher_is_better``; inputs default to the parameters without defaults.
    """
    declared = getattr(obj, "__vifspec__", {})
    inputs = tuple(declared.get("inputs", ()) or _required_parameters(obj))
    hib = declared.get("higher_is_better", getattr(obj, "higher_is_better", None))
    if kind == "metric" and not isinstance(hib, bool):
        raise SpecError(f"metric '{target}' must declare higher_is_better (an attribute set to True or False)")
    return Component(kind, target, obj, inputs if kind in ("loss", "metric") else (), hib, (obj.__doc__ or "").strip())


def _import(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(f"cannot import '{module_name}' for '{target}': {exc}") from None
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

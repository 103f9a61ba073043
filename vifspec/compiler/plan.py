"""Frozen plans: one per variant x seed, the only thing the executor reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from vifspec.facts import MetricFacts
from vifspec.paths import under_root
from vifspec.spec.overrides import origin_paths
from vifspec.spec.schema import Spec


def canonical_hash(obj: Any) -> str:
    """sha256 of the canonical JSON of ``obj`` (sorted keys, no whitespace)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run_label(seed: int, fold: int | None) -> str:
    """``0``, or ``0/fold1``: a run's name among the seeds (and folds) a verdict is judged over."""
    return str(seed) if fold is None else f"{seed}/fold{fold}"


def criteria_hash(spec: Spec) -> str:
    """Hash of the criteria and gates as declared: what a record pre-registers."""
    return canonical_hash(criteria_snapshot(spec))


def criteria_snapshot(spec: Spec) -> dict[str, Any]:
    """What a record pre-registers: the criteria, the gates and how they are judged (``[verdict]``)."""
    return {
        "criteria": dict(spec.criteria),
        "gates": {name: gate.model_dump() for name, gate in spec.gates.items()},
        "verdict_settings": spec.verdict.model_dump(),
    }


@dataclass(frozen=True)
class Plan:
    """One training run: a resolved spec (overrides applied) for one variant and one seed."""

    spec: Spec
    spec_path: str
    spec_hash: str
    variant: str
    seed: int
    group: str | None = None
    arm: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    facts: Mapping[str, MetricFacts] = field(default_factory=dict)
    seeds_in_variant: int = 1
    declared_at: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    fold: int | None = None

    def __post_init__(self) -> None:
        for name in ("overrides", "facts"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def origin_of(self, key_path: tuple[Any, ...], doc: dict[str, Any], written: Callable[[tuple[Any, ...]], bool]) -> tuple[Any, ...]:
        """Where the value at ``key_path`` of this plan's spec is written: the variant override that set
        it (``written`` tells whether a key path is written in the file as such), else ``key_path``."""
        dotted = ".".join(str(k) for k in key_path)
        for key in self.overrides:
            if dotted == key or dotted.startswith(key + ".") or key.startswith(dotted + "."):
                rest = tuple(dotted[len(key) + 1:].split(".")) if dotted.startswith(key + ".") else ()
                return next((p for p in origin_paths(key, self.declared_at, doc, rest) if written(p)), self.declared_at)
        return key_path

    @property
    def experiment_id(self) -> str:
        return self.spec.experiment.id

    def run_dir(self, root: str | Path = "runs") -> Path:
        """``runs/<experiment>/<variant>/`` (plus ``seed-<s>/`` when the variant has several seeds, and
        ``fold-<k>/`` in cross-validation), checked to lie under ``root`` once symlinks are resolved
        (:func:`vifspec.paths.under_root`)."""
        seed = [f"seed-{self.seed}"] if self.seeds_in_variant > 1 else []
        fold = [f"fold-{self.fold}"] if self.fold is not None else []
        return under_root(root, self.experiment_id, self.variant, *seed, *fold)

    @property
    def label(self) -> str:
        """``0``, or ``0/fold1`` in cross-validation: how the verdict names this run among its seeds."""
        return run_label(self.seed, self.fold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec_path": self.spec_path,
            "spec_hash": self.spec_hash,
            "variant": self.variant,
            "group": self.group,
            "arm": self.arm,
            "seed": self.seed,
            "fold": self.fold,
            "overrides": dict(self.overrides),
            "spec": self.spec.model_dump(mode="json"),
        }

    @property
    def hash(self) -> str:
        """Identity of what is trained: the resolved training sections and the seed (not criteria or report)."""
        sections = {"data", "model", "train", "loss", "metric", "metrics", "track", "guards", "baseline", "verdict"}
        spec = self.spec.model_dump(mode="json", include=sections, exclude_defaults=True)  # a new key's default keeps old hashes
        spec.get("train", {}).pop("resources", None)  # where it trains, not what
        identity = {"spec": spec, "seed": self.seed, "variant": self.variant}
        return canonical_hash(identity if self.fold is None else {**identity, "fold": self.fold})

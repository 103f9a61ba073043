"""Knowledge-tracing models (seed 001): GainKT with learned per-skill gains and a per-skill-rate baseline.

Torch-free: the classes live in submodules imported on first use.
"""

from __future__ import annotations

from vifspec._lazy import lazy_exports
from vifspec.registry import Registry

__all__ = ["GainKT", "SkillRate", "register"]
__getattr__ = lazy_exports(__name__, {"GainKT": "gain", "SkillRate": "baselines"})


def register(registry: Registry) -> None:
    registry.add(
        "model",
        "gain_kt",
        "vifspec.models.kt.gain:GainKT",
        summary="Two-encoder knowledge tracing: GRU predictor + learned gains, mastery and a sigmoid response.",
    )
    registry.add(
        "model",
        "kt_skill_rate",
        "vifspec.models.kt.baselines:SkillRate",
        summary="Trivial baseline: each skill's correct rate on the train split.",
        trivial=True,
    )

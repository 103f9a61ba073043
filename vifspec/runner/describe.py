"""What ``vifspec plan`` shows for each plan: prepared (data, model, one forward pass), its seeds tried together."""

from __future__ import annotations

from typing import Any

from vifspec.compiler.plan import Plan
from vifspec.executor.run import model_info
from vifspec.executor.together import together_support
from vifspec.prepare.prepare import prepare
from vifspec.registry import Registry, default_registry


def describe_plan(plan: Plan, device: str | None = None, registry: Registry | None = None) -> dict[str, Any]:
    """What ``vifspec plan`` shows for one plan: prepares it (data, model, one forward pass; its seeds tried together), trains nothing."""
    prepared = prepare(plan, registry or default_registry(), device)
    spec = plan.spec
    info = model_info(prepared.model, spec.model.name, prepared.train)
    return {
        "variant": plan.variant,
        "group": plan.group or "",
        "seed": plan.seed,
        "device": str(prepared.device),
        "seeds": str(together_support(prepared)) if plan.seeds_in_variant > 1 else "one seed",
        "model": spec.model.name,
        "params": info.param_count,
        "n_train": info.n_train,
        "param/sample": info.param_per_sample,
        "epochs": spec.train.epochs,
        "loss terms": ", ".join(f"{n}×{t.weight:g}" for n, t in spec.loss.items()),
        "plan hash": plan.hash[:10],
    }

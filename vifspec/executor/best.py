"""The best epoch evaluated: every split's metrics with the best weights restored, the trivial models
beside them, and -- for a single-seed run -- the resampled test examples the verdict's intervals need."""

from __future__ import annotations

from typing import Any

from vifspec.executor.evaluate import bind_metrics, evaluate
from vifspec.executor.uncertainty import resample_split, wanted
from vifspec.metrics._common import Share
from vifspec.prepare.bindings import Scope
from vifspec.prepare.prepare import Prepared
from vifspec.records.record import RunRecord
from vifspec.registry import Registry


def eval_batch(cfg: Any) -> int:
    """The evaluation batch size: ``[train] eval_batch_size``, else the larger of the batch size and 1024."""
    return cfg.eval_batch_size or max(cfg.batch_size, 1024)


def evaluate_best(prepared: Prepared, record: RunRecord, registry: Registry, trivial_of: RunRecord | None = None) -> None:
    """Fill ``record.metrics`` and ``record.trivial`` (and their resamples for a single-seed run).

    ``trivial_of``: a record of a seed on the same data whose trivial models were evaluated already;
    they do not depend on the seed, so its values are copied instead of computed again."""
    plan = prepared.plan
    weights = prepared.loss_mix.weights(record.epochs.best if record.epochs else 1)
    batch_size = eval_batch(plan.spec.train)
    resample = plan.seeds_in_variant == 1 and plan.spec.verdict.resamples > 0
    needs = wanted(plan) if resample else {}
    for split, bound in prepared.metrics.items():
        values, outputs = evaluate(prepared.model, prepared.splits[split], prepared.train, bound, prepared.loss_mix, weights, batch_size)
        record.metrics[split] = values
        counts = {name: [v.numerator, v.denominator] for name, v in values.items() if isinstance(v, Share)}
        if counts:
            record.counts[split] = counts
        names = {metric for s, metric in needs.get("model", ()) if s == split}
        if names:
            scope = Scope(outputs, prepared.splits[split], prepared.model, prepared.train)
            record.resamples[split] = resample_split(bound, scope, names, plan)
    if trivial_of is not None:
        record.trivial, record.trivial_resamples = dict(trivial_of.trivial), dict(trivial_of.trivial_resamples)
        return
    for name, model in prepared.trivial.items():
        record.trivial[name], drawn = _trivial_split_metrics(prepared, registry, model, needs.get(name, set()), batch_size)
        if drawn:
            record.trivial_resamples[name] = drawn


def _trivial_split_metrics(prepared: Prepared, registry: Registry, model: Any, needed: set[tuple[str, str]],
                           batch_size: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A trivial model's metrics on every split (``None`` where it cannot compute one) and the resamples
    of those the criteria name."""
    spec = prepared.plan.spec
    metrics, drawn = {}, {}
    for split, names in spec.metrics.items():
        if split not in prepared.splits:
            continue
        bound = bind_metrics(names, spec.metric, registry)
        metrics[split], outputs = evaluate(model, prepared.splits[split], prepared.train, bound, None, None, batch_size, strict=False)
        wanted_here = {metric for s, metric in needed if s == split}
        if wanted_here:
            drawn[split] = resample_split(bound, Scope(outputs, prepared.splits[split], model, prepared.train), wanted_here, prepared.plan)
    return metrics, drawn

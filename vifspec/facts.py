"""What vifspec knows about a metric, declared once and read everywhere: :class:`MetricFacts`.

A metric component declares its facts when it registers (``vifspec/registry.py``); a spec's
``[metric.NAME]`` table may refine ``unit``, ``higher_is_better`` and ``diagnostic`` for its use of a
generic function (a ``percentile`` of latencies is in milliseconds). The compiler resolves the
facts of every metric a plan computes once (:func:`vifspec.compiler.facts.resolve_facts`); the plan
and the run record carry them; the verdict and the reports read only those.

The total loss ``loss`` and each term's raw value ``loss.<term>`` are metrics too: lower is better,
diagnostic (losses of different mixes are not comparable results).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

UNITS = ("number", "rate", "ms")
LOSS_METRIC = "loss"


@dataclass(frozen=True)
class Alert:
    """A warning a metric raises in reports when its value is ``above`` or ``below`` a threshold
    (an ``overlap`` above 5% is a leaked evaluation; a ``score_spread`` below 0.05 a probability collapse)."""

    title: str
    text: str
    above: float | None = None
    below: float | None = None

    def fires(self, value: float) -> bool:
        return (self.above is not None and value > self.above) or (self.below is not None and value < self.below)

    @property
    def threshold(self) -> tuple[str, float]:
        """``(">", 0.05)`` or ``("<", 0.05)``."""
        return (">", self.above) if self.above is not None else ("<", self.below)  # type: ignore[return-value]


@dataclass(frozen=True)
class MetricFacts:
    """One metric's facts: its function, direction, unit, whether it is diagnostic or per-example, its alert.

    ``unit``: ``"rate"`` (a share in [0, 1], shown as % and differences as pp), ``"ms"`` or
    ``"number"``. ``diagnostic``: a measurement about the run (a loss, an overlap, a latency), not a
    result variants are ranked on or compared with trivial models. ``per_example``: a function of
    independent examples along the first dimension of its inputs, so resampling the examples gives
    its sampling distribution. ``higher_is_better`` is ``None`` when unknown.
    """

    fn: str
    higher_is_better: bool | None = None
    unit: str = "number"
    diagnostic: bool = False
    per_example: bool = False
    alert: Alert | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["alert"] = asdict(self.alert) if self.alert else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricFacts:
        alert = data.get("alert")
        return cls(**{**data, "alert": Alert(**alert) if alert else None})


LOSS_FACTS = MetricFacts(fn=LOSS_METRIC, higher_is_better=False, diagnostic=True)
UNKNOWN_FACTS = MetricFacts(fn="")

Facts = Mapping[str, MetricFacts]


def is_loss_metric(name: str) -> bool:
    """The total loss ``loss`` or a term's raw value ``loss.<term>``."""
    return name == LOSS_METRIC or name.startswith(LOSS_METRIC + ".")


def facts_of(facts: Facts | None, key: str) -> MetricFacts:
    """The facts of a metric named bare (``r@5``) or as ``split.metric`` (``test.r@5``); a column of a
    table-valued metric (``qwk_per_dim.universalism``) has its metric's facts; a loss has
    :data:`LOSS_FACTS`; :data:`UNKNOWN_FACTS` otherwise."""
    facts = facts or {}
    for name in (key, key.partition(".")[2]):
        while name:
            if name in facts:
                return facts[name]
            name = name.rpartition(".")[0]
    if is_loss_metric(key) or is_loss_metric(key.partition(".")[2]):
        return LOSS_FACTS
    return UNKNOWN_FACTS

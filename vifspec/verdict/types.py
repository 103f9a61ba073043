"""The verdict's types: :class:`CriterionResult`, :class:`GateResult`, :class:`Verdict` (JSON round trip)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from vifspec.verdict.stats import Interval
from vifspec.verdict.status import PASS, PASSED


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: non-finite values are written as ``None``."""
    return value if value is not None and math.isfinite(value) else None


@dataclass
class SplitRow:
    """One split of a split-set criterion: its aggregate, interval and status."""

    split: str
    achieved: float | None
    status: str
    low: float | None = None
    high: float | None = None


@dataclass
class SeedResult:
    """One seed's own judgement of a criterion (shown beside the verdict over seeds)."""

    seed: str
    achieved: float | None
    status: str


@dataclass
class CriterionResult:
    """One criterion judged over ``n`` seeds: ``status`` PASS, FAIL, INCONCLUSIVE, MISSING or MIXED.

    ``achieved`` is the aggregate of the measured side of a top-level comparison: the side that is
    not a constant (``target`` is the constant as written, ``">0.10"``), or the difference of the two
    sides when neither is constant (``target`` is ``None``); ``interval`` is its interval and says
    which uncertainty it is (seeds, test resampling, none); ``gap`` says how far it is from the
    target; ``rows`` hold a split set's splits; ``seeds`` each seed's own judgement (when there are
    several); ``note`` why it is MISSING or failed regardless of its values; ``seeds_needed`` roughly
    how many seeds would decide an INCONCLUSIVE criterion at the observed spread.
    """

    name: str
    expression: str
    status: str
    target: str | None = None
    achieved: float | None = None
    gap: str | None = None
    rows: list[SplitRow] = field(default_factory=list)
    n: int = 1
    interval: Interval | None = None
    seeds: list[SeedResult] = field(default_factory=list)
    note: str | None = None
    unit: str = "number"
    target_value: float | None = None
    seeds_needed: int | None = None

    @property
    def met(self) -> bool:
        return self.status == PASS

    @property
    def low(self) -> float | None:
        return self.interval.low if self.interval is not None else None

    @property
    def high(self) -> float | None:
        return self.interval.high if self.interval is not None else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["achieved"] = _finite(data["achieved"])
        data["interval"] = self.interval.to_dict() if self.interval is not None else None
        data["rows"] = [{**r, **{k: _finite(r[k]) for k in ("achieved", "low", "high")}} for r in data["rows"]]
        data["seeds"] = [{**s, "achieved": _finite(s["achieved"])} for s in data["seeds"]]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["rows"] = [SplitRow(**r) for r in data.get("rows") or []]
        values["seeds"] = [SeedResult(**s) for s in data.get("seeds") or []]
        values["interval"] = Interval.from_dict(data["interval"]) if data.get("interval") else None
        return cls(**values)


@dataclass
class GateResult:
    """One gate: ``passed`` of its ``total`` criteria PASS; ``require`` is "all" or a count."""

    name: str
    require: str | int
    criteria: list[str]
    passed: int
    total: int
    status: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateResult:
        return cls(data["name"], data["require"], list(data["criteria"]), data["passed"], data["total"], data["status"])


@dataclass
class Verdict:
    """The judgement of an experiment (or one seed of it): ``met``/``total`` count PASS criteria.

    ``gates`` lists the declared gates only (empty when every criterion is an implicit gate);
    ``reason`` says why it failed regardless of its criteria ("seed 2 diverged: ...").
    """

    status: str
    criteria: list[CriterionResult]
    gates: list[GateResult]
    met: int
    total: int
    reason: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "criteria": [c.to_dict() for c in self.criteria],
            "gates": [g.to_dict() for g in self.gates],
            "met": self.met,
            "total": self.total,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(
            data["status"],
            [CriterionResult.from_dict(c) for c in data.get("criteria", [])],
            [GateResult.from_dict(g) for g in data.get("gates", [])],
            data["met"], data["total"], data.get("reason"),
        )

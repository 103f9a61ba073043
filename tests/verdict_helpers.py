"""Judging expressions over one seed of flat values, for tests of the expression language."""

from __future__ import annotations

from vifspec.verdict import CriterionResult, judge_criterion
from vifspec.verdict.criterion import Seed


class OneSeed:
    """One seed's measurements as flat keys written like the references ("val.auc", "baseline.val.auc",
    "arm.val.m"), in the interface the criterion judge reads (a lookup function may stand in for them)."""

    def __init__(self, values, arms: frozenset[str]):
        self.lookup = values if callable(values) else (lambda ref: values.get(str(ref)))
        self.arm_names, self.facts = arms, {}

    def seeds(self) -> list[Seed]:
        return [Seed("0", self.lookup)]


def judge(text: str, values, arms: frozenset[str] = frozenset()) -> CriterionResult:
    """The criterion ``text`` judged on one seed of ``values`` (a dict of flat keys, or a lookup)."""
    return judge_criterion("c", text, OneSeed(values, arms))

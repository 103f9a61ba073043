"""The preflight prepares one plan per variant before anything trains; variants with the same data load it once."""

from __future__ import annotations

import plugin_fixtures
import vifspec
from mlp_fixture import MLP_SPEC
from vifspec.prepare.preflight import preflight
from vifspec.registry import default_registry

NOTED = MLP_SPEC.replace('source = "tabular_synthetic"', 'source = "plugin_fixtures:noting_tabular"').replace(
    "seeds = [0, 1, 2]", "seeds = [0]")


def test_variants_with_the_same_data_load_it_once_others_load_their_own(write_spec):
    spec = NOTED + """
[sweep]
case = [
  { label = "h8", "model.params.hidden" = [8] },
  { label = "h16", "model.params.hidden" = [16] },
  { label = "more-rows", "data.params.n" = 500 },
  { label = "h24", "model.params.hidden" = [24] },
]
"""
    plans = vifspec.compile(write_spec(spec))
    plugin_fixtures.LOADS.clear()
    seen = []
    assert preflight(plans, default_registry(), "cpu", inspect=lambda p: seen.append((p.plan.variant, p.train["x"].shape[0]))) == []
    assert sorted(load["n"] for load in plugin_fixtures.LOADS) == [400, 500]
    assert [v for v, _ in seen] == ["case=h8", "case=h16", "case=more-rows", "case=h24"]
    rows = dict(seen)
    assert rows["case=h8"] == rows["case=h16"] == rows["case=h24"] < rows["case=more-rows"]  # each variant checked against its own data


def test_a_problem_of_each_variant_sharing_data_is_still_found(write_spec):
    spec = NOTED + """
[sweep]
case = [
  { label = "fine", "model.params.hidden" = [8] },
  { label = "typo", "model.params.hiden" = [8] },
]
"""
    problems = preflight(vifspec.compile(write_spec(spec)), default_registry(), "cpu")
    assert len(problems) == 1 and "hiden" in str(problems[0]) and "typo" in str(problems[0]) and "fine" not in str(problems[0])

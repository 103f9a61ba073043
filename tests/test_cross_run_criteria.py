"""Criteria that name trivial models (``trivial.<model>.<split>.<metric>``) and compare variants by id
(`` `id`.split.metric ``): checked at compile time, judged per seed, across variants once."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

from spec_parts import BCE_AND_AUC
from vifspec.cli import main
from vifspec.compiler import load_spec
from vifspec.errors import SpecError
from vifspec.records import scan_records
from vifspec.verdict import group_records, judge_records

SPEC = """\
[experiment]
id = "cmp"

[data]
source = "tabular_synthetic"
params = { n = 400 }

[model]
name = "embed_mlp"

[train]
epochs = 2
seeds = [0, 1]
device = "cpu"

""" + BCE_AND_AUC + """
[metrics]
val = ["auc"]
test = ["auc"]

[variants.small]
"model.params.d_embed" = 2

[variants.wide]
"model.params.d_embed" = 16

[criteria]
"Beats prior" = "test.auc > trivial.tabular_prior.test.auc"
"Wide vs small" = "`wide`.test.auc - `small`.test.auc >= -1"

[gates.each]
criteria = ["Beats prior"]

[gates.compare]
criteria = ["Wide vs small"]

[baseline]
trivial = ["tabular_prior"]
"""


def _problems(write_spec, text: str) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(text))
    return str(info.value)


def test_references_to_trivial_models_and_variants_are_checked_at_compile_time(write_spec) -> None:
    out = _problems(write_spec, SPEC.replace("trivial.tabular_prior.test", "trivial.majority.test"))
    line = next(i for i, t in enumerate(SPEC.splitlines(), 1) if t.startswith('"Beats prior"'))
    assert "no trivial model 'majority' is evaluated; add it to [baseline] trivial" in out and f":{line}:" in out
    out = _problems(write_spec, SPEC.replace("`wide`.test", "`wyde`.test"))
    assert "no split 'wyde' and no variant of that name (did you mean 'wide'?)" in out
    out = _problems(write_spec, SPEC.replace('"Beats prior" = "test.auc > trivial.tabular_prior.test.auc"',
                                            '"Beats prior" = "test.auc > baseline.test.auc"'))
    assert "the [baseline] has no record, spec or arm to compare with; a trivial model is named trivial.<model>" in out
    out = _problems(write_spec, SPEC.replace('criteria = ["Beats prior"]', 'criteria = ["Beats prior", "Wide vs small"]'))
    assert "mixes criteria that compare variants with criteria judged per variant" in out


def test_each_variant_is_judged_on_its_criteria_and_the_comparison_once_across_them(write_spec, tmp_path, monkeypatch) -> None:
    path = write_spec(SPEC)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(path), "--out", "runs"])
    assert "variants small, wide compared" in result.output
    records = scan_records("runs").records
    groups = {tuple(sorted({r.variant for r in g})): judge_records(g) for g in group_records(records)}
    assert [c.name for c in groups[("small",)].criteria] == ["Beats prior"]
    across = groups[("small", "wide")]
    assert [c.name for c in across.criteria] == ["Wide vs small"] and [g.name for g in across.gates] == ["compare"]
    auc = {(r.variant, r.seed): r.metrics["test"]["auc"] for r in records}
    deltas = [auc[("wide", s)] - auc[("small", s)] for s in (0, 1)]
    assert across.criteria[0].achieved == pytest.approx(statistics.fmean(deltas))
    prior = {r.seed: r.trivial["tabular_prior"]["test"]["auc"] for r in records}
    beats = groups[("wide",)].criteria[0]
    assert [s.achieved for s in beats.seeds] == pytest.approx([auc[("wide", s)] - prior[s] for s in (0, 1)])
    assert "## Comparisons Between Variants" in Path("runs/cmp/REPORT.md").read_text(encoding="utf-8")


def test_a_trivial_model_whose_outputs_match_no_metric_is_an_error(write_spec, tmp_path, monkeypatch) -> None:
    (tmp_path / "wrong_trivial.py").write_text(
        "import torch\n\nclass Wrong(torch.nn.Module):\n    def forward(self, batch):\n"
        "        return {'prob': torch.zeros(len(batch['target']))}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_spec(SPEC.replace('trivial = ["tabular_prior"]', 'trivial = ["tabular_prior", "wrong_trivial:Wrong"]'))
    result = CliRunner().invoke(main, ["check", "--deep", str(path)])
    assert result.exit_code == 2
    assert "baseline.trivial: trivial model 'wrong_trivial:Wrong' computes none of the metrics" in result.output
    assert "named 'logits' (it has: prob)" in result.output

"""The compiler: strict schema, every problem at once with file:line, references checked, expansion."""

from __future__ import annotations

import pytest

import vifspec
from vifspec.compiler import compile_plans, load_spec
from vifspec.errors import SpecError
from kt_fixture import TINY_KT


def problems_of(path) -> list[str]:
    with pytest.raises(SpecError) as info:
        compile_plans(path)
    return [str(p) for p in info.value.problems]


def test_repo_specs_compile_into_plans():
    plans = vifspec.compile("specs/v3_phase1.toml")
    assert [(p.variant, p.seed) for p in plans] == [("main", 0), ("variance-200", 0)]
    assert plans[0].spec.loss["variance"].weight == 2.0 and plans[1].spec.loss["variance"].weight == 200.0
    assert plans[0].facts["encoder1_auc"].higher_is_better is True


def test_unknown_key_names_line_and_suggestion(write_spec):
    path = write_spec(TINY_KT.replace("weight = 0.5", "wieght = 0.5"))
    (message,) = problems_of(path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("wieght"))
    assert message.startswith(f"{path}:{line}:1: loss.bce.wieght: unknown key 'wieght' (did you mean 'weight'?)")


def test_negative_weight_reports_value_and_line(write_spec):
    path = write_spec(TINY_KT.replace("weight = 2.0", "weight = -2.0"))
    (message,) = problems_of(path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "-2.0" in text)
    assert f":{line}:" in message and "loss.variance.weight" in message
    assert "must be >= 0" in message and "-2.0" in message


def test_all_problems_of_a_file_are_reported_at_once(write_spec):
    text = (
        TINY_KT.replace('fn = "bce"', 'fn = "bcee"')
        .replace('"AUC" = "test.encoder1_auc > 0.0"', '"AUC" = "test.encoder1_acu > 0.0"')
        .replace('criteria = ["AUC", "Gain Std"]', 'criteria = ["AUC", "Gain Sdt"]')
    )
    messages = problems_of(write_spec(text))
    assert len(messages) == 3
    assert any("unknown loss 'bcee' (did you mean 'bce'?)" in m for m in messages)
    assert any("encoder1_acu" in m and "did you mean 'encoder1_auc'" in m for m in messages)
    assert any("unknown criterion 'Gain Sdt'" in m for m in messages)


def test_toml_syntax_error_has_line_and_column(write_spec):
    path = write_spec(TINY_KT.replace('title = "Tiny KT"', 'title = "Tiny KT'))
    (message,) = problems_of(path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("title"))
    assert message.startswith(f"{path}:{line}:")
    assert "TOML syntax error" in message


def test_criterion_on_a_split_that_is_not_computed(write_spec):
    path = write_spec(TINY_KT.replace('"test.gain_std > 1000"', '"ood.gain_std > 1000"'))
    (message,) = problems_of(path)
    assert "no split 'ood'" in message


def test_bad_expression_points_at_its_column(write_spec):
    path = write_spec(TINY_KT.replace('"test.gain_std > 1000"', '"test.gain_std >> 1000"'))
    (message,) = problems_of(path)
    line_text = next(t for t in path.read_text().splitlines() if ">>" in t)
    col = int(message.split(":")[2])
    assert line_text[col - 1] == ">"


def test_splits_must_sum_to_one_and_patience_positive(write_spec):
    text = TINY_KT.replace(
        'params = { students = 80, skills = 12, seq_len = 12 }',
        'params = { students = 80, skills = 12, seq_len = 12 }\nsplits = { train = 0.7, val = 0.2, test = 0.2 }',
    ).replace("patience = 2", "patience = 0")
    messages = problems_of(write_spec(text))
    assert any("sum to 1" in m for m in messages)
    assert any("patience" in m and "must be >= 1" in m for m in messages)


def test_sweep_expands_cartesian_product_with_linked_axes(write_spec):
    text = TINY_KT + """
[sweep]
"model.params.d_model" = [4, 8]
loss = [{ label = "low", "loss.variance.weight" = 0.1 }, { label = "high", "loss.variance.weight" = 5.0 }]
"""
    plans = compile_plans(write_spec(text))
    assert len(plans) == 4
    by_id = {p.variant: p for p in plans}
    high = by_id["d_model=4,loss=high"]
    assert high.spec.model.params["d_model"] == 4 and high.spec.loss["variance"].weight == 5.0


def test_sweep_key_that_does_not_exist(write_spec):
    text = TINY_KT + '\n[sweep]\n"loss.varaince.weight" = [1.0, 2.0]\n'
    (message,) = problems_of(write_spec(text))
    assert "'loss.varaince.weight' does not exist" in message and "did you mean 'loss.variance.weight'" in message


def test_variants_groups_and_selection(write_spec):
    text = TINY_KT + """
[variants.A-1]
group = "P1"
"loss.variance.weight" = 0.0
[variants.A-2]
group = "P1"
[variants.B-1]
group = "P2"
"train.epochs" = 1
"""
    path = write_spec(text)
    assert [p.variant for p in compile_plans(path, group="P1")] == ["A-1", "A-2"]
    assert [p.variant for p in compile_plans(path, only=["B-1"])] == ["B-1"]
    with pytest.raises(SpecError, match="did you mean 'P2'"):
        compile_plans(path, group="P22")


def test_a_set_that_a_selected_variant_overrides_is_refused_not_ignored(write_spec):
    """A variant's own value wins over --set, so a --set it overrides would change nothing: refused,
    naming the key and the variants; variants that leave the key alone take it."""
    sweep = write_spec(TINY_KT + '\n[sweep]\n"model.params.d_model" = [4, 8]\n', "sweep.toml")
    with pytest.raises(SpecError) as caught:
        compile_plans(sweep, overrides={"model.params.d_model": 16})
    (problem,) = caught.value.problems
    assert "--set model.params.d_model=16" in problem.message and "'d_model=4', 'd_model=8'" in problem.message
    with pytest.raises(SpecError, match="'model.params'"):  # a table holding the swept key
        compile_plans(sweep, overrides={"model.params": {"d_model": 16}})
    assert {p.spec.train.epochs for p in compile_plans(sweep, overrides={"train.epochs": 1})} == {1}

    declared = write_spec(TINY_KT + '\n[variants.A]\n"train.epochs" = 3\n[variants.B]\n"model.params.d_model" = 4\n', "declared.toml")
    with pytest.raises(SpecError, match="the variant 'A' sets 'train.epochs'"):
        compile_plans(declared, overrides={"train.epochs": 1})
    (plan,) = compile_plans(declared, only=["B"], overrides={"train.epochs": 1})
    assert plan.spec.train.epochs == 1


def test_arms_require_arm_prefix_in_criteria(write_spec):
    text = TINY_KT + '\n[arms.low]\n"loss.variance.weight" = 0.1\n[arms.high]\n"loss.variance.weight" = 3.0\n'
    messages = problems_of(write_spec(text))
    assert any("prefix it with an arm name" in m for m in messages)
    fixed = text.replace('"test.encoder1_auc > 0.0"', '"high.test.encoder1_auc - low.test.encoder1_auc >= -1pp"').replace(
        '"test.gain_std > 1000"', '"high.test.gain_std > 1000"'
    )
    plans = compile_plans(write_spec(fixed, "fixed.toml"))
    assert [(p.variant, p.arm) for p in plans] == [("low", "low"), ("high", "high")]


def test_seeds_option_and_plan_hash(write_spec):
    path = write_spec(TINY_KT)
    plans = compile_plans(path, seeds=3)
    assert [p.seed for p in plans] == [0, 1, 2]
    assert len({p.hash for p in plans}) == 3
    assert compile_plans(path, seeds=3)[1].hash == plans[1].hash
    assert plans[0].run_dir("runs").as_posix() == "runs/tiny-kt/main/seed-0"


def test_verdict_only_spec_loads_but_does_not_run(write_spec):
    path = write_spec('[experiment]\nid = "v"\n[criteria]\n"a" = "test.auc > 0.5"\n')
    _, spec = load_spec(path)
    assert not spec.trainable
    with pytest.raises(SpecError, match="verdict-only"):
        compile_plans(path)


def test_partial_trainable_spec_is_rejected(write_spec):
    path = write_spec('[experiment]\nid = "v"\n[model]\nname = "gain_kt"\n')
    (message,) = problems_of(path)
    assert "missing [data], [train]" in message


def test_loss_input_name_is_checked_against_the_component(write_spec):
    path = write_spec(TINY_KT.replace('inputs = { logits = "encoder1_logits", target = "correct" }\nweight = 0.5',
                                      'inputs = { logit = "encoder1_logits", target = "correct" }\nweight = 0.5'))
    (message,) = problems_of(path)
    assert "'bce' has no input 'logit' (did you mean 'logits'?)" in message

"""GainKT and the SkillRate baseline on kt_synthetic data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from vifspec.datasets.kt import kt_synthetic
from vifspec.models.kt import GainKT, SkillRate, register
from vifspec.registry import Registry

Batch = dict[str, torch.Tensor]
INTERPRETABLE = ("beta_skill", "theta_global", "gamma_student", "m_sat")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Small GRU steps run fastest on one thread (and do not oversubscribe a shared CI machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def splits() -> tuple[Batch, Batch, dict[str, int]]:
    bundle = kt_synthetic(seed=0)
    order = torch.randperm(600, generator=torch.Generator().manual_seed(0))
    train, test = order[:480], order[480:]
    return (
        {k: v[train] for k, v in bundle.fields.items()},
        {k: v[test] for k, v in bundle.fields.items()},
        bundle.info,
    )


def _model(info: dict[str, int], **params: float) -> GainKT:
    torch.manual_seed(0)
    return GainKT(n_skills=info["n_skills"], n_students=info["n_students"], **params)


def _auc(batch: Batch, logits: torch.Tensor) -> float:
    return roc_auc_score(batch["correct"].flatten().numpy(), logits.detach().flatten().numpy())


def test_outputs_are_batch_first_with_gains_in_unit_interval(splits) -> None:
    train, _, info = splits
    batch = {k: v[:5] for k, v in train.items()}
    out = _model(info, d_model=16)(batch)
    assert set(out) == {"encoder1_logits", "encoder2_logits", "gains", "mastery"}
    assert all(tensor.shape == (5, 50) for tensor in out.values())
    assert torch.all((out["gains"] > 0) & (out["gains"] < 1))
    first_practice = torch.tensor([[row[:t].eq(row[t]).sum() == 0 for t in range(50)] for row in batch["skills"]])
    assert torch.all(out["mastery"][first_practice] == 0)
    assert torch.all(out["mastery"][~first_practice] > 0)


def test_saturated_gains_start_nearly_uniform_and_unsaturated_ones_do_not(splits) -> None:
    train, _, info = splits
    batch = {k: v[:16] for k, v in train.items()}
    with torch.no_grad():
        saturated = _model(info, d_model=16, gain_init=0.6)(batch)["gains"]
        free = _model(info, d_model=16, gain_saturation=0.0)(batch)["gains"]
    assert torch.allclose(saturated, torch.full_like(saturated, 0.6), atol=0.03)
    assert 5e-4 < saturated.std() < 5e-3  # about 0.6 * sigmoid'(4.6) * 0.3 = 0.0018
    assert free.std() > 10 * saturated.std()


def test_saturated_gains_learn_slowly_under_sgd(splits) -> None:
    """The same push moves the saturated gain table about sigmoid'(4.6)/sigmoid'(0) ~ 25 times less."""
    train, _, info = splits
    batch = {k: v[:32] for k, v in train.items()}
    moved = {}
    for saturation in (4.6, 0.0):
        model = _model(info, d_model=16, gain_saturation=saturation)
        before = model.gain_logits.weight.detach().clone()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(5):
            loss = -model(batch)["gains"].std()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        moved[saturation] = (model.gain_logits.weight.detach() - before).abs().mean().item()
    assert moved[0.0] > 10 * moved[4.6]


def test_interpretable_parameters_have_seed_names_and_shapes(splits) -> None:
    _, _, info = splits
    model = _model(info, beta_init_std=0.5)
    shapes = {name: tuple(model.get_parameter(name).shape) for name in INTERPRETABLE}
    assert shapes == {"beta_skill": (100,), "theta_global": (), "gamma_student": (600,), "m_sat": (100,)}
    assert 0.35 < float(model.get_parameter("beta_skill").detach().std()) < 0.65


def test_gradients_reach_interpretable_parameters(splits) -> None:
    train, _, info = splits
    batch = {k: v[:32] for k, v in train.items()}
    model = _model(info, d_model=16)
    out = model(batch)
    loss = F.binary_cross_entropy_with_logits(out["encoder2_logits"], batch["correct"])
    loss = loss + F.binary_cross_entropy_with_logits(out["encoder1_logits"], batch["correct"])
    loss.backward()
    for name in (*INTERPRETABLE, "gain_logits.weight"):
        grad = model.get_parameter(name).grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_predictions_do_not_see_the_current_answer(splits) -> None:
    train, _, info = splits
    batch = {k: v[:4].clone() for k, v in train.items()}
    model = _model(info, d_model=16).eval()
    t = 20
    flipped = {**batch, "correct": batch["correct"].clone()}
    flipped["correct"][:, t] = 1 - flipped["correct"][:, t]
    with torch.no_grad():
        out, out_flipped = model(batch), model(flipped)
    for name in ("encoder1_logits", "encoder2_logits", "mastery"):
        assert torch.equal(out[name][:, : t + 1], out_flipped[name][:, : t + 1]), name
    assert not torch.equal(out["encoder1_logits"][:, t + 1 :], out_flipped["encoder1_logits"][:, t + 1 :])


def test_short_bce_training_predicts_heldout_students(splits) -> None:
    train, test, info = splits
    model = _model(info, d_model=32)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(3):
        for start in range(0, len(train["student"]), 96):
            batch = {k: v[start : start + 96] for k, v in train.items()}
            loss = F.binary_cross_entropy_with_logits(model(batch)["encoder1_logits"], batch["correct"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        assert _auc(test, model(test)["encoder1_logits"]) > 0.6


def test_skill_rate_matches_per_skill_frequency_and_beats_chance(splits) -> None:
    train, test, info = splits
    baseline = SkillRate(n_skills=info["n_skills"], smoothing=0.0)
    assert not list(baseline.parameters())
    baseline.fit(train)
    skill = int(train["skills"][0, 0])
    expected = train["correct"][train["skills"] == skill].mean()
    assert torch.isclose(torch.sigmoid(baseline.skill_logit[skill]), expected, atol=1e-5)
    out = baseline(test)
    assert out["encoder1_logits"].shape == out["encoder2_logits"].shape == (120, 50)
    assert _auc(test, out["encoder1_logits"]) > 0.55


def test_skill_rate_smoothing_gives_unseen_skills_the_overall_rate() -> None:
    baseline = SkillRate(n_skills=3)
    baseline.fit({"skills": torch.tensor([[0, 0, 1]]), "correct": torch.tensor([[1.0, 1.0, 0.0]])})
    assert torch.isclose(torch.sigmoid(baseline.skill_logit[2]), torch.tensor(2 / 3), atol=1e-5)
    assert torch.isclose(torch.sigmoid(baseline.skill_logit[0]), torch.tensor((2 + 2 / 3) / 3), atol=1e-5)


@pytest.mark.parametrize(("name", "expected"), [("gain_kt", GainKT), ("kt_skill_rate", SkillRate)])
def test_registered_models_load(name: str, expected: type) -> None:
    registry = Registry()
    register(registry)
    assert registry.get("model", name).load() is expected

"""kt_synthetic: determinism, shapes, differentiated true gains, and the uniform-gains phenomenon."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from vifspec.data import DataBundle
from vifspec.datasets.kt import kt_synthetic
from vifspec.registry import Registry


@pytest.fixture(scope="module")
def bundle() -> DataBundle:
    return kt_synthetic(seed=0)


def test_same_seed_gives_identical_tensors(bundle: DataBundle) -> None:
    again = kt_synthetic(seed=0)
    assert again.fields.keys() == bundle.fields.keys()
    for name, tensor in bundle.fields.items():
        assert torch.equal(tensor, again.fields[name]), name
    assert again.truth == bundle.truth


def test_different_seed_gives_different_data(bundle: DataBundle) -> None:
    other = kt_synthetic(seed=1)
    assert not torch.equal(other.fields["skills"], bundle.fields["skills"])
    assert not torch.equal(other.fields["correct"], bundle.fields["correct"])
    assert other.truth["skill_gain"] != bundle.truth["skill_gain"]


def test_shapes_dtypes_and_info(bundle: DataBundle) -> None:
    fields = bundle.fields
    assert fields["skills"].shape == (600, 50) and fields["skills"].dtype == torch.long
    assert fields["correct"].shape == (600, 50) and fields["correct"].dtype == torch.float32
    assert set(fields["correct"].unique().tolist()) == {0.0, 1.0}
    assert torch.equal(fields["student"], torch.arange(600))
    assert fields["true_mastery"].shape == fields["true_gain"].shape == (600, 50)
    assert int(fields["skills"].min()) >= 0 and int(fields["skills"].max()) < 100
    assert bundle.info == {"n_skills": 100, "n_students": 600, "seq_len": 50}
    assert len(bundle.truth["skill_gain"]) == 100


def test_custom_sizes() -> None:
    small = kt_synthetic(seed=3, students=7, skills=5, seq_len=4, skills_per_student=2)
    assert small.fields["skills"].shape == (7, 4)
    assert small.info == {"n_skills": 5, "n_students": 7, "seq_len": 4}
    per_student = [row.unique().numel() for row in small.fields["skills"]]
    assert max(per_student) <= 2


def test_rejects_more_skills_per_student_than_skills() -> None:
    with pytest.raises(ValueError, match="skills_per_student"):
        kt_synthetic(seed=0, skills=3, skills_per_student=4)


def test_true_gains_differ_across_skills(bundle: DataBundle) -> None:
    gains = torch.tensor(bundle.truth["skill_gain"])
    assert gains.std() > 0.1 and gains.std() / gains.mean() > 0.3
    assert torch.all((gains > 0) & (gains < 1))
    skills, true_gain = bundle.fields["skills"], bundle.fields["true_gain"]
    assert torch.equal(true_gain, gains[skills])


def test_mastery_starts_at_prior_knowledge_and_grows_with_practice(bundle: DataBundle) -> None:
    mastery = bundle.fields["true_mastery"]
    assert 0.4 < mastery[:, 0].mean() < 0.6 and mastery[:, 0].std() > 0.2
    assert torch.all((mastery >= 0) & (mastery <= 1))
    assert mastery[:, -10:].mean() > mastery[:, :10].mean() + 0.05
    no_prior = kt_synthetic(seed=0, prior_knowledge=0.0).fields["true_mastery"]
    assert torch.all(no_prior[:, 0] == 0)


def test_correctness_depends_on_mastery(bundle: DataBundle) -> None:
    correct = bundle.fields["correct"].flatten().numpy()
    assert roc_auc_score(correct, bundle.fields["true_mastery"].flatten().numpy()) > 0.6


def _heldout_auc(features: np.ndarray, correct: np.ndarray) -> float:
    half = len(correct) // 2
    model = LogisticRegression(max_iter=300).fit(features[:half], correct[:half])
    return roc_auc_score(correct[half:], model.decision_function(features[half:]))


def test_practice_count_carries_little_of_the_mastery_signal(bundle: DataBundle) -> None:
    """The attractor: what uniform gains encode (skill + practice count) adds little; true mastery adds much."""
    skills, correct = bundle.fields["skills"], bundle.fields["correct"].flatten().numpy()
    earlier_same = (skills.unsqueeze(2) == skills.unsqueeze(1)).tril(diagonal=-1).sum(dim=2)
    skill_onehot = np.eye(100)[skills.flatten().numpy()]
    count_onehot = np.eye(11)[earlier_same.clamp(max=10).flatten().numpy()]
    mastery = bundle.fields["true_mastery"].flatten().numpy()[:, None]
    auc_skill_only = _heldout_auc(skill_onehot, correct)
    auc_uniform = _heldout_auc(np.hstack([skill_onehot, count_onehot]), correct)
    auc_true = _heldout_auc(np.hstack([skill_onehot, mastery]), correct)
    assert 0.55 < auc_skill_only < auc_uniform < auc_skill_only + 0.03
    assert auc_true > auc_uniform + 0.02


def test_registered_and_loadable() -> None:
    from vifspec.datasets.kt import register

    registry = Registry()
    register(registry)
    assert registry.get("dataset", "kt_synthetic").load() is kt_synthetic

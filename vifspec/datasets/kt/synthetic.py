"""Synthetic knowledge-tracing data with known per-skill learning gains (seed 001's program).

Generative model (one ``torch.Generator``, so a seed fixes every tensor):

- each skill ``s`` has a true learning gain ``g_s ~ sigmoid(N(gain_logit_mean, gain_logit_std))``
  (logit-normal, clearly differentiated across skills) and a difficulty ``b_s ~ N(0, difficulty_std)``;
- each student ``i`` has an ability ``a_i ~ N(0, ability_std)`` and a learning velocity
  ``v_i ~ LogNormal(0, velocity_std)``; a student works on ``skills_per_student`` skills drawn
  without replacement, one of them uniformly at each step;
- mastery ``m_{i,s}`` starts at the student's prior knowledge ``U(0, prior_knowledge)`` of the
  skill (unobserved, different for every student and skill); the answer at step ``t`` on skill ``s`` is correct with
  probability ``sigmoid(a_i + mastery_weight * (m_{i,s} - 1/2) - b_s)``; after answering, mastery
  moves towards 1 by ``g_s * v_i * (1 + correct_bonus * correct)`` (clamped to 1), so it saturates
  and grows more after a correct answer (the seed's response-conditional gains).

The phenomenon to reproduce: ability, prior knowledge and difficulty explain most of the responses
and learning is slow (small gains), so a model that reads the history predicts well (AUC ~0.7) while
the practice-driven part of mastery carries little signal: uniform gains lose little, the
uniform-gains attractor (seed 001).
"""

from __future__ import annotations

import torch

from vifspec.data import DataBundle


def kt_synthetic(
    *,
    seed: int,
    students: int = 600,
    skills: int = 100,
    seq_len: int = 50,
    skills_per_student: int = 10,
    gain_logit_mean: float = -2.0,
    gain_logit_std: float = 1.0,
    difficulty_std: float = 0.8,
    ability_std: float = 1.0,
    velocity_std: float = 0.3,
    mastery_weight: float = 2.0,
    correct_bonus: float = 0.5,
    prior_knowledge: float = 1.0,
) -> DataBundle:
    """Generate ``students`` sequences of ``seq_len`` answers on ``skills`` skills.

    Fields (leading dimension = students): ``skills`` [N,T] long, ``correct`` [N,T] float 0/1,
    ``student`` [N] long, ``true_mastery`` [N,T] (mastery of the practised skill before answering),
    ``true_gain`` [N,T] (true gain of the practised skill). ``truth`` holds the per-skill true gains
    and difficulties and the per-student abilities and velocities (lists of floats).
    """
    _check_sizes(students, skills, seq_len, skills_per_student)
    generator = torch.Generator().manual_seed(seed)
    skill_gain = torch.sigmoid(gain_logit_mean + gain_logit_std * torch.randn(skills, generator=generator))
    difficulty = difficulty_std * torch.randn(skills, generator=generator)
    ability = ability_std * torch.randn(students, generator=generator)
    velocity = torch.exp(velocity_std * torch.randn(students, generator=generator))
    skill_seq = _practice_sequences(students, skills, seq_len, skills_per_student, generator)
    uniforms = torch.rand(students, seq_len, generator=generator)
    prior = prior_knowledge * torch.rand(students, skills, generator=generator)

    correct, true_mastery = _simulate_answers(
        skill_seq, uniforms, prior, skill_gain, difficulty, ability, velocity, mastery_weight, correct_bonus
    )
    fields = {
        "skills": skill_seq,
        "correct": correct,
        "student": torch.arange(students),
        "true_mastery": true_mastery,
        "true_gain": skill_gain[skill_seq],
    }
    info = {"n_skills": skills, "n_students": students, "seq_len": seq_len}
    truth = {
        "skill_gain": skill_gain.tolist(),
        "skill_difficulty": difficulty.tolist(),
        "student_ability": ability.tolist(),
        "student_velocity": velocity.tolist(),
    }
    return DataBundle(fields=fields, info=info, truth=truth)


def _check_sizes(students: int, skills: int, seq_len: int, skills_per_student: int) -> None:
    if min(students, skills, seq_len, skills_per_student) < 1:
        raise ValueError("students, skills, seq_len and skills_per_student must be positive")
    if skills_per_student > skills:
        raise ValueError(f"skills_per_student={skills_per_student} exceeds skills={skills}")


def _practice_sequences(
    students: int, skills: int, seq_len: int, skills_per_student: int, generator: torch.Generator
) -> torch.Tensor:
    """[N,T] skill ids: each student draws a private set of skills, then one of them per step."""
    skill_sets = torch.rand(students, skills, generator=generator).argsort(dim=1)[:, :skills_per_student]
    picks = torch.randint(skills_per_student, (students, seq_len), generator=generator)
    return skill_sets.gather(1, picks)


def _simulate_answers(
    skill_seq: torch.Tensor,
    uniforms: torch.Tensor,
    prior: torch.Tensor,
    skill_gain: torch.Tensor,
    difficulty: torch.Tensor,
    ability: torch.Tensor,
    velocity: torch.Tensor,
    mastery_weight: float,
    correct_bonus: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Step through time (vectorised over students); return correctness and pre-answer mastery."""
    students, seq_len = skill_seq.shape
    rows = torch.arange(students)
    mastery = prior.clone()
    correct = torch.empty(students, seq_len)
    true_mastery = torch.empty(students, seq_len)
    for t in range(seq_len):
        skill = skill_seq[:, t]
        current = mastery[rows, skill]
        p_correct = torch.sigmoid(ability + mastery_weight * (current - 0.5) - difficulty[skill])
        answer = (uniforms[:, t] < p_correct).float()
        step = (skill_gain[skill] * velocity * (1.0 + correct_bonus * answer)).clamp(max=1.0)
        mastery[rows, skill] = current + step * (1.0 - current)
        true_mastery[:, t] = current
        correct[:, t] = answer
    return correct, true_mastery

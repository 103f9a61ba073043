"""GainKT: a two-encoder knowledge-tracing model with learned per-step learning gains (seed 001).

Encoder 1 (predictive): a GRU over interaction tokens ``(skill_t, correct_t)`` (DKT, Piech et al.
2015, "Deep Knowledge Tracing"); the state after steps ``< t`` and the embedding of the queried
skill ``skill_t`` give the correctness logit ``encoder1_logits[t]``.

Encoder 2 (interpretable): a gains projection of the encoder state after step ``t`` gives the
learning gain of that practice, ``gains[t] = sigmoid(w · [h_t; q_t] + b)`` in (0, 1). Mastery of
the practised skill before answering accumulates the gains of earlier practices of the same skill,
scaled by the student's learning velocity and saturating:

    x_t        = gamma_student[i] * sum_{k < t, skill_k = skill_t} gains[k]
    mastery[t] = m_sat[skill_t] * (1 - exp(-x_t))
    encoder2_logits[t] = response_scale * (mastery[t] - theta_global) - beta_skill[skill_t]

a sigmoid response curve of mastery around the threshold ``theta_global`` shifted by the skill
difficulty ``beta_skill`` (item response theory, Rasch 1960). Gains at step ``t`` see the answer at
``t``; mastery and both logits at ``t`` only see answers before ``t``.

The gains projection starts with zero weights, so gains start uniform (``sigmoid`` of its bias):
the seed's starting point. Whether training differentiates them is what the experiment measures.
"""

from __future__ import annotations

import torch
from torch import nn

Batch = dict[str, torch.Tensor]


class GainKT(nn.Module):
    """Two encoders over ``skills`` [B,T], ``correct`` [B,T] and ``student`` [B].

    Outputs (batch first): ``encoder1_logits``, ``encoder2_logits``, ``gains``, ``mastery``, all [B,T].
    Interpretable parameters: ``beta_skill`` [n_skills], ``theta_global`` [], ``gamma_student``
    [n_students], ``m_sat`` [n_skills], ``response_scale`` [].
    """

    def __init__(
        self,
        n_skills: int,
        n_students: int,
        d_model: int = 64,
        beta_init_mean: float = 0.0,
        beta_init_std: float = 0.5,
        theta_init: float = 0.5,
        m_sat_init: float = 1.0,
        response_scale_init: float = 4.0,
        gamma_init: float = 1.0,
    ) -> None:
        super().__init__()
        self.n_skills = n_skills
        self.interaction_embedding = nn.Embedding(2 * n_skills, d_model)
        self.skill_embedding = nn.Embedding(n_skills, d_model)
        self.encoder = nn.GRU(d_model, d_model, batch_first=True)
        self.initial_state = nn.Parameter(torch.zeros(d_model))
        self.encoder1_head = nn.Sequential(nn.Linear(2 * d_model, d_model), nn.ReLU(), nn.Linear(d_model, 1))
        self.gains_projection = nn.Linear(2 * d_model, 1)
        nn.init.zeros_(self.gains_projection.weight)
        self.beta_skill = nn.Parameter(beta_init_mean + beta_init_std * torch.randn(n_skills))
        self.theta_global = nn.Parameter(torch.tensor(float(theta_init)))
        self.gamma_student = nn.Parameter(torch.full((n_students,), float(gamma_init)))
        self.m_sat = nn.Parameter(torch.full((n_skills,), float(m_sat_init)))
        self.response_scale = nn.Parameter(torch.tensor(float(response_scale_init)))

    def forward(self, batch: Batch) -> Batch:
        skills, correct, student = batch["skills"], batch["correct"], batch["student"]
        tokens = 2 * skills + correct.long()
        after, before = self._encode(tokens)
        query = self.skill_embedding(skills)
        encoder1_logits = self.encoder1_head(torch.cat([before, query], dim=-1)).squeeze(-1)
        gains = torch.sigmoid(self.gains_projection(torch.cat([after, query], dim=-1)).squeeze(-1))
        mastery = self._mastery(skills, gains, student)
        encoder2_logits = self.response_scale * (mastery - self.theta_global) - self.beta_skill[skills]
        return {
            "encoder1_logits": encoder1_logits,
            "encoder2_logits": encoder2_logits,
            "gains": gains,
            "mastery": mastery,
        }

    def _encode(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder states after step t (``after``) and after steps < t (``before``), each [B,T,d]."""
        after, _ = self.encoder(self.interaction_embedding(tokens))
        start = self.initial_state.expand(after.shape[0], 1, -1)
        before = torch.cat([start, after[:, :-1]], dim=1)
        return after, before

    def _mastery(self, skills: torch.Tensor, gains: torch.Tensor, student: torch.Tensor) -> torch.Tensor:
        """Saturating mastery of the practised skill from the gains of its earlier practices."""
        steps = skills.shape[1]
        same_skill = skills.unsqueeze(2) == skills.unsqueeze(1)
        earlier = torch.ones(steps, steps, dtype=torch.bool, device=skills.device).tril(diagonal=-1)
        mask = (same_skill & earlier).to(gains.dtype)
        practice = torch.bmm(mask, gains.unsqueeze(-1)).squeeze(-1)
        practice = self.gamma_student[student].unsqueeze(1) * practice
        return self.m_sat[skills] * (1.0 - torch.exp(-practice))

"""GainKT: a two-encoder knowledge-tracing model with learned learning gains (seed 001).

Encoder 1 (predictive): a GRU over interaction tokens ``(skill_t, correct_t)`` (DKT, Piech et al.
2015, "Deep Knowledge Tracing"); the state after steps ``< t`` and the embedding of the queried
skill ``skill_t`` give ``head(state, skill) - beta_skill[skill_t]`` = ``encoder1_logits[t]``: the
skill difficulty ``beta_skill`` is shared by both encoders, as an item-response offset.

Encoder 2 (interpretable): a table of learning gains, one per interaction (skill, response):

    gains[t]   = sigmoid(gain_level) * sigmoid(gain_saturation + gain_logits[skill_t, correct_t])

Mastery of the practised skill before answering accumulates the gains of earlier practices of the
same skill, scaled by the student's learning velocity and saturating:

    x_t        = gamma_student[i] * sum_{k < t, skill_k = skill_t} gains[k]
    mastery[t] = m_sat[skill_t] * (1 - exp(-x_t))
    encoder2_logits[t] = response_scale * (mastery[t] - theta_global) - beta_skill[skill_t]

a sigmoid response curve of mastery around the threshold ``theta_global`` shifted by the skill
difficulty (item response theory, Rasch 1960). Gains at step ``t`` see the answer at ``t``;
mastery and both logits at ``t`` only see answers before ``t``.

Why the gains stay uniform (seed 001's attractor; a property of the optimisation, not of the outputs):

- the gain logits start in the sigmoid's flat tail: a fixed offset ``gain_saturation`` (4.6) plus
  entries of spread ``gain_spread_init`` (0.3), so every gain starts at about ``sigmoid(gain_level)``
  with a spread of ``sigmoid(gain_level) * sigmoid'(4.6) * 0.3`` ~ 0.002 (skill CV ~ 0.002);
- every gradient reaching the table is scaled by ``sigmoid'`` ~ 0.01 (vanishing gradients of
  saturated units, Glorot & Bengio 2010) and shared out over its 2 x n_skills entries. Under a
  gradient-proportional optimiser (SGD, as the shipped specs train; Adam would rescale the small
  gradients to full-size steps and undo the saturation) a term that pushes the spread with a
  constant force (``variance_floor``, a hinge on the standard deviation) moves the logits by
  ``lr x weight x sigmoid'`` per step: at weight 2 the spread creeps up by ~10% in 30 epochs; at
  weight 200 it moves 100 times faster, the logits leave the flat tail, ``sigmoid'`` grows and
  the escape runs away (the follow-up seed 001 recommends). A term whose force is proportional to
  the spread (``skill_contrastive``, a hinge on the variance of the skill means) hardly moves it;
- with a large velocity ``gamma_init`` (10) mastery saturates after one practice, so the IM path
  fits the data through ``beta_skill``, ``m_sat`` and ``theta_global`` (the IM loss is "satisfied"
  with uniform gains), and Encoder 1 reads the whole history directly: it does the prediction work.

The level ``gain_level`` is not saturated and trains freely, so the uniform value is learned.
``gain_saturation = 0`` removes the saturation: the table then trains like any other parameter.
"""

from __future__ import annotations

import torch
from torch import nn

Batch = dict[str, torch.Tensor]


class GainKT(nn.Module):
    """Two encoders over ``skills`` [B,T], ``correct`` [B,T] and ``student`` [B].

    Outputs (batch first): ``encoder1_logits``, ``encoder2_logits``, ``gains``, ``mastery``, all [B,T].
    Interpretable parameters: ``beta_skill`` [n_skills], ``theta_global`` [], ``gamma_student``
    [n_students], ``m_sat`` [n_skills], ``response_scale`` [], ``gain_level`` [], ``gain_logits``
    [2 n_skills, 1] (row ``2 skill + correct``). ``gain_saturation`` is a fixed offset, not trained.
    """

    def __init__(
        self,
        n_skills: int,
        n_students: int,
        d_model: int = 64,
        beta_init_mean: float = 0.0,
        beta_init_std: float = 0.0,
        theta_init: float = 0.5,
        m_sat_init: float = 1.0,
        response_scale_init: float = 4.0,
        gamma_init: float = 10.0,
        gain_saturation: float = 4.6,
        gain_spread_init: float = 0.3,
        gain_init: float = 0.6,
    ) -> None:
        super().__init__()
        self.n_skills = n_skills
        self.interaction_embedding = nn.Embedding(2 * n_skills, d_model)
        self.skill_embedding = nn.Embedding(n_skills, d_model)
        self.encoder = nn.GRU(d_model, d_model, batch_first=True)
        self.initial_state = nn.Parameter(torch.zeros(d_model))
        self.encoder1_head = nn.Sequential(nn.Linear(2 * d_model, d_model), nn.ReLU(), nn.Linear(d_model, 1))
        self.gain_logits = nn.Embedding(2 * n_skills, 1)
        nn.init.normal_(self.gain_logits.weight, std=gain_spread_init)
        self.register_buffer("gain_offset", torch.tensor(float(gain_saturation)))
        self.gain_level = nn.Parameter(torch.logit(torch.tensor(float(gain_init))))
        self.beta_skill = nn.Parameter(beta_init_mean + beta_init_std * torch.randn(n_skills))
        self.theta_global = nn.Parameter(torch.tensor(float(theta_init)))
        self.gamma_student = nn.Parameter(torch.full((n_students,), float(gamma_init)))
        self.m_sat = nn.Parameter(torch.full((n_skills,), float(m_sat_init)))
        self.response_scale = nn.Parameter(torch.tensor(float(response_scale_init)))

    def forward(self, batch: Batch) -> Batch:
        skills, correct, student = batch["skills"], batch["correct"], batch["student"]
        tokens = 2 * skills + correct.long()
        before = self._encode(tokens)
        query = self.skill_embedding(skills)
        encoder1_logits = self.encoder1_head(torch.cat([before, query], dim=-1)).squeeze(-1) - self.beta_skill[skills]
        gains = self._gains(tokens)
        mastery = self._mastery(skills, gains, student)
        encoder2_logits = self.response_scale * (mastery - self.theta_global) - self.beta_skill[skills]
        return {
            "encoder1_logits": encoder1_logits,
            "encoder2_logits": encoder2_logits,
            "gains": gains,
            "mastery": mastery,
        }

    def _encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """Encoder states after steps < t, [B,T,d] (a learned initial state at t = 0)."""
        after, _ = self.encoder(self.interaction_embedding(tokens))
        start = self.initial_state.expand(after.shape[0], 1, -1)
        return torch.cat([start, after[:, :-1]], dim=1)

    def _gains(self, tokens: torch.Tensor) -> torch.Tensor:
        """The gains table read at each interaction: learned level x a sigmoid started in its flat tail; [B,T]."""
        return torch.sigmoid(self.gain_level) * torch.sigmoid(self.gain_offset + self.gain_logits(tokens).squeeze(-1))

    def _mastery(self, skills: torch.Tensor, gains: torch.Tensor, student: torch.Tensor) -> torch.Tensor:
        """Saturating mastery of the practised skill from the gains of its earlier practices."""
        steps = skills.shape[1]
        same_skill = skills.unsqueeze(2) == skills.unsqueeze(1)
        earlier = torch.ones(steps, steps, dtype=torch.bool, device=skills.device).tril(diagonal=-1)
        mask = (same_skill & earlier).to(gains.dtype)
        practice = torch.bmm(mask, gains.unsqueeze(-1)).squeeze(-1)
        practice = self.gamma_student[student].unsqueeze(1) * practice
        return self.m_sat[skills] * (1.0 - torch.exp(-practice))

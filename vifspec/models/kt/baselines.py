"""Trivial knowledge-tracing baseline: each skill's correct rate on the train split."""

from __future__ import annotations

import torch
from torch import nn

Batch = dict[str, torch.Tensor]


class SkillRate(nn.Module):
    """Predict every answer on skill ``s`` by the train correct rate of ``s`` (no trainable parameters).

    ``rate_s = (correct_s + smoothing * overall_rate) / (attempts_s + smoothing)``, so unseen skills
    get the overall rate. Both ``encoder1_logits`` and ``encoder2_logits`` are ``logit(rate_s)``, so
    the metrics bound to GainKT's outputs evaluate this baseline unchanged.
    """

    def __init__(self, n_skills: int, smoothing: float = 1.0) -> None:
        super().__init__()
        self.smoothing = smoothing
        self.register_buffer("skill_logit", torch.zeros(n_skills))

    def fit(self, train: Batch) -> None:
        skills = train["skills"].reshape(-1).to(self.skill_logit.device)
        correct = train["correct"].reshape(-1).to(self.skill_logit)
        attempts = torch.bincount(skills, minlength=self.skill_logit.numel()).to(correct)
        successes = torch.bincount(skills, weights=correct, minlength=self.skill_logit.numel()).to(correct)
        overall = correct.mean()
        rate = (successes + self.smoothing * overall) / (attempts + self.smoothing)
        self.skill_logit.copy_(torch.logit(rate, eps=1e-6))

    def forward(self, batch: Batch) -> Batch:
        logits = self.skill_logit[batch["skills"]]
        return {"encoder1_logits": logits, "encoder2_logits": logits.clone()}

"""Distillation: learn from a teacher's soft labels as well as its hard ones.

The soft term is Hinton et al.'s KL divergence between temperature-softened
distributions, scaled by T² so its gradients keep their size as T changes; it
carries the teacher's "dark knowledge" (how close the runner-up was). It is
mixed with hard-label cross-entropy, which keeps the student anchored when the
teacher is soft everywhere. Examples without soft labels get cross-entropy
only, so teacher-labeled and human-labeled data train together.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from distill.modeling import StudentModel
from distill.trainer import IGNORE, Targets, TrainConfig, Trainer
from models.encoding import TextEncoder


class DistillationTrainer(Trainer):
    def __init__(
        self,
        model: StudentModel,
        encoder: TextEncoder,
        config: TrainConfig,
        temperature: float = 2.0,
        alpha: float = 0.5,
    ) -> None:
        super().__init__(model, encoder, config)
        if temperature <= 0 or not 0 <= alpha <= 1:
            raise ValueError(f"need temperature > 0 and 0 <= alpha <= 1, got {temperature}, {alpha}")
        self.temperature = temperature
        self.alpha = alpha

    def polarity_loss(self, logits: torch.Tensor, targets: Targets) -> torch.Tensor:
        hard = super().polarity_loss(logits, targets)
        t = self.temperature
        # Softening probabilities p by T is softmax(log p / T); clamping keeps log(0) finite.
        teacher = F.softmax(torch.log(targets.soft.clamp(min=1e-8)) / t, dim=-1)
        student = F.log_softmax(logits / t, dim=-1)
        kl = (teacher * (torch.log(teacher.clamp(min=1e-8)) - student)).sum(-1) * t * t
        mixed = self.alpha * kl + (1 - self.alpha) * hard
        return torch.where(targets.has_soft & (targets.polarity != IGNORE), mixed, hard)

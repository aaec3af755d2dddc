"""What to learn next: the hardest teacher-labeled posts, plus a replay sample of earlier data.

In the spirit of CompEffDist, training time goes where the student is weak:
an example scores high when the current student is unsure of it (normalised
entropy) and when the student disagrees with the teacher (total variation
distance between their polarity distributions). Easy examples the student
already gets right with confidence teach it little.

Examples are *sampled* in proportion to difficulty rather than cut at the
top-k: the very hardest examples are often mislabeled, and a pure top-k would
feed the student nothing but those. A replay sample from earlier training
data keeps the student from forgetting what it knew.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from distill.data import Example
from models.types import Scorer
from models.uncertainty import max_margin_entropy
from sentimon.labels import POLARITIES

_MAX_ENTROPY = math.log(len(POLARITIES))
# Every example keeps some chance of being drawn, so easy ones still show up now and then.
_FLOOR = 0.05


@dataclass(frozen=True, slots=True)
class Selection:
    selected: list[Example]  # new examples drawn by difficulty
    replay: list[Example]  # drawn from earlier data

    @property
    def examples(self) -> list[Example]:
        return self.selected + self.replay


def teacher_distributions(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """Per example the teacher's polarity distribution (probabilities, else one-hot) and whether it has one."""
    dist = np.zeros((len(examples), len(POLARITIES)))
    known = np.zeros(len(examples), dtype=bool)
    for row, example in enumerate(examples):
        if example.probs is not None:
            dist[row], known[row] = example.probs, True
        elif example.polarity is not None:
            dist[row, POLARITIES.index(example.polarity)], known[row] = 1.0, True
    return dist, known


def difficulty(examples: Sequence[Example], student_probs: np.ndarray) -> np.ndarray:
    """Per example: student uncertainty (0..1) plus student-teacher disagreement (0..1)."""
    _, _, entropy = max_margin_entropy(student_probs)
    teacher, known = teacher_distributions(examples)
    disagreement = 0.5 * np.abs(student_probs - teacher).sum(axis=1)
    return entropy / _MAX_ENTROPY + np.where(known, disagreement, 0.0)


def sample_by_difficulty(
    examples: Sequence[Example], difficulties: np.ndarray, k: int, seed: int, prior: np.ndarray | None = None
) -> list[Example]:
    """``k`` examples without replacement, each drawn with probability proportional to its difficulty.

    ``prior`` multiplies each example's weight (re-distillation passes recency, so that of two
    equally hard labels the newer one is likelier). Uses the exponential-keys method (Efraimidis
    and Spirakis): key = u^(1/w), keep the k largest; deterministic for a given seed.
    """
    if k >= len(examples):
        return list(examples)
    if k <= 0:
        return []
    weights = np.asarray(difficulties, dtype=np.float64) + _FLOOR
    if prior is not None:
        weights = weights * np.asarray(prior, dtype=np.float64)
    uniform = np.random.default_rng(seed).random(len(examples))
    keys = np.log(np.clip(uniform, 1e-300, 1.0)) / weights
    chosen = np.argsort(-keys, kind="stable")[:k]
    return [examples[i] for i in sorted(chosen)]


def select_for_training(
    candidates: Sequence[Example],
    student: Scorer,
    replay_pool: Sequence[Example],
    replay_fraction: float,
    seed: int,
    budget: int | None = None,
) -> Selection:
    """Up to ``budget`` candidates drawn by difficulty for ``student`` (all when None), plus replay.

    Replay makes up ``replay_fraction`` of the result: n new examples bring
    n·f/(1−f) replayed ones (capped by the pool), drawn uniformly.
    """
    if not 0 <= replay_fraction < 1:
        raise ValueError(f"replay_fraction must be in [0, 1), got {replay_fraction}")
    selected = list(candidates)
    if budget is not None and budget < len(candidates):
        predictions = student.predict([e.text for e in candidates], [e.context for e in candidates])
        probs = np.array([p.probs for p in predictions], dtype=np.float64).reshape(-1, len(POLARITIES))
        selected = sample_by_difficulty(candidates, difficulty(candidates, probs), budget, seed)
    n_replay = min(len(replay_pool), round(len(selected) * replay_fraction / (1 - replay_fraction)))
    rng = np.random.default_rng(seed + 1)
    replay = [replay_pool[i] for i in sorted(rng.choice(len(replay_pool), n_replay, replace=False))]
    return Selection(selected, replay)

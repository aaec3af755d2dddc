"""What to learn next: how hard each teacher-labeled post is, and a draw weighted by it.

In the spirit of CompEffDist, training time goes where the student is weak:
an example scores high when the current student is unsure of it (normalised
entropy) and when the student disagrees with the teacher (total variation
distance between their polarity distributions). Easy examples the student
already gets right with confidence teach it little.

Examples are *sampled* in proportion to difficulty rather than cut at the
top-k: the very hardest examples are often mislabeled, and a pure top-k would
feed the student nothing but those. Re-distillation (:mod:`distill.redistill`)
adds the replay sample of the seed corpus that keeps the student from
forgetting what it knew.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from distill.data import Example
from models.uncertainty import max_margin_entropy
from sentimon.labels import POLARITIES

_MAX_ENTROPY = math.log(len(POLARITIES))
# Every example keeps some chance of being drawn, so easy ones still show up now and then.
_FLOOR = 0.05


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

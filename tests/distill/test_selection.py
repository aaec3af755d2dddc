"""Difficulty-based selection: how hard an example is, and a deterministic draw weighted by it."""

from __future__ import annotations

import numpy as np
import pytest

from distill.data import Example
from distill.selection import difficulty, sample_by_difficulty


def test_difficulty_rises_with_uncertainty_and_disagreement() -> None:
    examples = [Example(text="a", polarity="positive")] * 3 + [Example(text="b")]
    probs = np.array([[0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    easy, unsure, wrong, unlabeled = difficulty(examples, probs)
    assert easy == 0.0
    assert unsure > easy and wrong > easy
    assert wrong == 1.0  # certain and fully contradicting the teacher
    assert unlabeled == pytest.approx(1.0)  # uncertainty only
    soft = [Example(text="c", probs=(0.5, 0.5, 0.0))]
    assert difficulty(soft, np.array([[0.5, 0.5, 0.0]]))[0] < 1.0


def test_sampling_is_deterministic_and_prefers_hard_examples() -> None:
    examples = [Example(text=str(i)) for i in range(400)]
    scores = np.array([2.0] * 100 + [0.0] * 300)
    first = sample_by_difficulty(examples, scores, 100, seed=1)
    assert first == sample_by_difficulty(examples, scores, 100, seed=1)
    assert first != sample_by_difficulty(examples, scores, 100, seed=2)
    hard = sum(int(e.text) < 100 for e in first)
    assert hard > 80  # 100 hard among 400; uniform sampling would give about 25
    assert sample_by_difficulty(examples, scores, 1000, seed=1) == examples

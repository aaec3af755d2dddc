"""The label memory: it answers only when close neighbours agree, and only once it has beaten the student."""

from __future__ import annotations

import numpy as np
import pytest

from models.student import Logits
from stream.memory import MIN_TRIALS, LabelMemory, MemoryConfig, memory_keys


def clusters(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Posts in three tight clusters, one per class, in a 12-dimensional key space."""
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 12) * 10
    labels = rng.integers(0, 3, n)
    return centres[labels] + rng.normal(0, 0.3, (n, 12)), labels


def test_memory_answers_close_agreeing_neighbours_once_it_beats_the_student() -> None:
    memory = LabelMemory(MemoryConfig(k=3, min_similarity=0.8))
    keys, labels = clusters(200, 0)
    wrong_student = (labels + 1) % 3
    assert (memory.answer(keys) == -1).all(), "an empty memory knows nothing"
    memory.learn([f"p{i}" for i in range(100)], keys[:100], wrong_student[:100], labels[:100])
    assert not memory.trusted, "its first answers are trials, not decisions"
    memory.learn([f"p{i}" for i in range(100, 200)], keys[100:], wrong_student[100:], labels[100:])
    assert memory.trusted
    new_keys, new_labels = clusters(50, 1)
    assert (memory.answer(new_keys) == new_labels).all()
    far = np.full((1, 12), 5.0)  # between the clusters: no neighbour is close
    assert memory.answer(far).tolist() == [-1]


def test_memory_stays_silent_when_the_student_is_as_good() -> None:
    memory = LabelMemory(MemoryConfig(k=3, min_similarity=0.8))
    keys, labels = clusters(4 * MIN_TRIALS, 2)
    memory.learn([f"p{i}" for i in range(len(keys))], keys, labels, labels)
    assert len(memory) == len(keys) and not memory.trusted
    assert (memory.answer(keys) == -1).all()
    assert (memory.recall(keys) == labels).all(), "it would know, but does not beat the student"


def test_rekey_replaces_keys_and_restarts_the_trials() -> None:
    memory = LabelMemory(MemoryConfig(k=3, min_similarity=0.8))
    keys, labels = clusters(100, 3)
    memory.learn([f"p{i}" for i in range(100)], keys, (labels + 1) % 3, labels)
    memory.learn([f"q{i}" for i in range(100)], keys, (labels + 1) % 3, labels)
    assert memory.trusted and memory.post_ids[:2] == ["p0", "p1"]
    memory.rekey(-keys.repeat(2, axis=0)[np.r_[0:200:2, 1:200:2]])
    assert not memory.trusted
    with pytest.raises(ValueError, match="keys for 200 stored posts"):
        memory.rekey(keys)


def test_keys_put_every_head_side_by_side() -> None:
    logits = Logits(np.ones((2, 3)), np.zeros((2, 28)), np.full((2, 4, 4), 2.0))
    keys = memory_keys(logits)
    assert keys.shape == (2, 3 + 28 + 16) and keys[0, 0] == 1.0 and keys[0, -1] == 2.0

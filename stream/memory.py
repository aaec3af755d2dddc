"""Instant adaptation between rounds: a memory of teacher-labelled posts, searched by the student's own outputs.

A re-distillation round takes minutes and needs hundreds of labels; between rounds the student
repeats the same mistakes on a stream that drifted. The memory (after OCaTS, "Cache me if you
can", EMNLP Findings 2023) keeps every teacher answer next to the student's *key* for that post
and answers a new post when its ``k`` nearest stored posts are all close (cosine similarity at
least ``min_similarity``) and all carry the same teacher label.

The key is what the serving model already computes: its raw head outputs (polarity, emotion and
aspect logits), a linear view of its pooled sentence embedding, centred on the memory's own
entries so that cosine similarity measures how a post differs from the typical one (raw logits all
point the same way: most emotions are absent from most posts). No second model runs and no export
changes.

A new serving model computes new keys: :meth:`LabelMemory.rekey` replaces the stored ones (the
caller scores the stored posts again, :attr:`LabelMemory.post_ids` in order) and the memory proves
itself again from scratch.

The memory proves itself before it decides anything: every new teacher label is first a trial,
the memory's would-be answer next to the student's on the same post, and the memory answers live
only while, over the latest ``trials`` posts where it was sure, it agreed with the teacher more
often than the student did (a paired comparison on the same posts, like the gate's). A memory
that would only repeat the student, or does worse, stays silent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.student import Logits

# Below this many sure trials the memory has not shown anything yet.
MIN_TRIALS = 20


def memory_keys(logits: Logits) -> np.ndarray:
    """One key per post: its polarity, emotion and aspect logits side by side."""
    n = len(logits.polarity)
    return np.concatenate(
        [logits.polarity.reshape(n, -1), logits.emotions.reshape(n, -1), logits.aspects.reshape(n, -1)], axis=1
    ).astype(np.float64)


@dataclass(frozen=True, slots=True)
class MemoryConfig:
    k: int = 3
    min_similarity: float = 0.8
    capacity: int = 5000
    trials: int = 200


class LabelMemory:
    """Teacher labels by key; answers a post when its neighbours are close and agree, once it has shown it helps."""

    def __init__(self, config: MemoryConfig | None = None) -> None:
        self.config = config or MemoryConfig()
        self._keys: deque[np.ndarray] = deque(maxlen=self.config.capacity)
        self._labels: deque[int] = deque(maxlen=self.config.capacity)
        self._ids: deque[str] = deque(maxlen=self.config.capacity)
        # Per sure trial: (memory agreed with the teacher, student agreed with the teacher).
        self._trials: deque[tuple[bool, bool]] = deque(maxlen=self.config.trials)

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def post_ids(self) -> list[str]:
        """The stored posts, oldest first: what :meth:`rekey` needs keys for."""
        return list(self._ids)

    def rekey(self, keys: np.ndarray) -> None:
        """New keys for the stored posts (a new model serves); its record against the student starts over."""
        keys = np.asarray(keys, dtype=np.float64)
        if len(keys) != len(self._ids):
            raise ValueError(f"{len(keys)} keys for {len(self._ids)} stored posts")
        self._keys = deque(keys, maxlen=self.config.capacity)
        self._trials.clear()

    def recall(self, keys: np.ndarray) -> np.ndarray:
        """Per key the label the memory is sure of, or -1 (too few entries, neighbours far or divided)."""
        keys = np.asarray(keys, dtype=np.float64)
        answers = np.full(len(keys), -1, dtype=np.int64)
        k = self.config.k
        if len(self._labels) < k or len(keys) == 0:
            return answers
        stored = np.array(self._keys)
        mean = stored.mean(axis=0)
        similarity = _unit(keys - mean) @ _unit(stored - mean).T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        labels = np.array(self._labels)[nearest]
        close = np.take_along_axis(similarity, nearest, axis=1).min(axis=1) >= self.config.min_similarity
        agree = (labels == labels[:, :1]).all(axis=1)
        sure = close & agree
        answers[sure] = labels[sure, 0]
        return answers

    def answer(self, keys: np.ndarray) -> np.ndarray:
        """:meth:`recall`, but -1 everywhere while the memory has not shown it beats the student."""
        return self.recall(keys) if self.trusted else np.full(len(keys), -1, dtype=np.int64)

    @property
    def trusted(self) -> bool:
        if len(self._trials) < MIN_TRIALS:
            return False
        memory_right = sum(m for m, _ in self._trials)
        student_right = sum(s for _, s in self._trials)
        return memory_right > student_right

    def learn(self, post_ids: Sequence[str], keys: np.ndarray, students: np.ndarray, teachers: np.ndarray) -> None:
        """Teacher answers for posts: first a trial of the memory against the student, then stored."""
        keys = np.asarray(keys, dtype=np.float64)
        recalled = self.recall(keys)
        for answer, student, teacher in zip(recalled, students, teachers, strict=True):
            if answer >= 0:
                self._trials.append((bool(answer == teacher), bool(student == teacher)))
        self._keys.extend(keys)
        self._labels.extend(int(t) for t in teachers)
        self._ids.extend(post_ids)


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / (np.linalg.norm(rows, axis=1, keepdims=True) + 1e-12)

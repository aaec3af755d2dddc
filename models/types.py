"""What a scorer returns, apart from how any scorer computes it.

The stream, the gate and the teachers only see :class:`Prediction` and
:class:`Scorer`, so an ONNX student, a PyTorch model or a teacher can stand
in for one another without the callers changing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Prediction:
    """One post's scores; probabilities are calibrated so routing thresholds mean what they say."""

    probs: tuple[float, float, float]  # order of sentimon.labels.POLARITIES
    polarity: str
    max_prob: float
    margin: float  # top probability minus the runner-up
    entropy: float  # natural log; 0 = certain, ln 3 ≈ 1.10 = uniform
    emotions: tuple[str, ...]  # fine GoEmotions labels with prob >= emotion_threshold, by prob desc
    aspects: tuple[tuple[str, str], ...]  # (aspect, polarity) for aspects predicted present


@runtime_checkable
class Scorer(Protocol):
    version: str

    def predict(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> list[Prediction]:
        """Score posts; ``contexts`` gives each post's thread parent text, if known."""
        ...

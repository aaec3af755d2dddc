"""Label vocabularies shared by the student, the teachers, the stream and the dashboard.

The student predicts the 28 fine-grained GoEmotions labels (so it can learn from
GoEmotions-style data directly); operators see the short Ekman grouping below,
which follows the mapping published with GoEmotions (Demszky et al., 2020).
"""

from __future__ import annotations

from typing import Literal, get_args

Polarity = Literal["negative", "neutral", "positive"]
POLARITIES: tuple[Polarity, ...] = get_args(Polarity)
"""In the student's output order: the records' probabilities and every polarity column follow it."""

GOEMOTIONS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip

EMOTION_GROUPS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": (
        "joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
        "relief", "pride", "admiration", "desire", "caring",
    ),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}  # fmt: skip

GROUP_OF: dict[str, str] = {label: group for group, labels in EMOTION_GROUPS.items() for label in labels}

# Per aspect the student predicts one of these; "absent" means the post does not talk about it.
ASPECT_STATES: tuple[str, ...] = ("absent", *POLARITIES)


def emotion_groups(labels: list[str] | tuple[str, ...]) -> list[str]:
    """Dashboard groups of fine emotions, in first-seen order, without repeats."""
    return list(dict.fromkeys(GROUP_OF[label] for label in labels if label in GROUP_OF))

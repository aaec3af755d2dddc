"""Shared by the re-distillation tests: a seed corpus the tiny student knows, and teacher labels on it."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sentimon.labels import POLARITIES
from sentimon.records import Probs, TeacherLabel
from sentimon.settings import Settings
from tests.fixtures.student import TINY_EXAMPLES

# Every polarity moved to another one: a teacher that is wrong on every post.
FLIP = {"negative": "positive", "positive": "neutral", "neutral": "negative"}
_TWISTS = ("", " today", " honestly", "!!", " again", " lol", " - just saying", " tbh", " fr")


def round_settings(settings: Settings, directory: Path) -> Settings:
    """``settings`` with the tiny student's own texts as seed corpus, so its gold slice means something.

    Tiny-model training needs a larger step than MiniLM. The gate sees 20-odd examples per set,
    where one changed answer moves a metric by several points, hence the wider tolerance.
    """
    corpus = directory / "seed.jsonl"
    with corpus.open("w") as out:
        for example in TINY_EXAMPLES:
            if example.context is None:
                out.write(json.dumps({"text": example.text, "polarity": example.polarity}) + "\n")
    return settings.model_copy(
        update={
            "seed_corpus": str(corpus),
            "learning_rate": 2e-3,
            "train_epochs": 8,
            "train_batch_size": 16,
            "early_stop_patience": 8,
            "gate_tolerance": 0.1,
        }
    )


def teacher_labels(version: str, poisoned: bool, n: int = 160, tag: str = "post") -> list[TeacherLabel]:
    """Labels on variations of the tiny student's texts: right ones, or all flipped when ``poisoned``."""
    rng = random.Random(5)
    bases = [e for e in TINY_EXAMPLES if e.context is None]
    labels = []
    for i in range(n):
        base = rng.choice(bases)
        polarity = FLIP[str(base.polarity)] if poisoned else str(base.polarity)
        labels.append(
            TeacherLabel(
                post_id=f"{tag}-{i}",
                text=base.text + rng.choice(_TWISTS),
                teacher="oracle",
                polarity=polarity,  # type: ignore[arg-type]
                probs=Probs.from_list([0.9 if p == polarity else 0.05 for p in POLARITIES]),
                student_version=version,
            )
        )
    return labels

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

    Every text comes with each twist, which gives the gold slice about fifty examples: enough for
    the gate's paired test to tell a collapse from noise. Tiny-model training needs a larger step
    than MiniLM.
    """
    corpus = directory / "seed.jsonl"
    with corpus.open("w") as out:
        for example in TINY_EXAMPLES:
            if example.context is None:
                for twist in _TWISTS:
                    out.write(json.dumps({"text": example.text + twist, "polarity": example.polarity}) + "\n")
    return settings.model_copy(
        update={
            "seed_corpus": str(corpus),
            "learning_rate": 2e-3,
            "train_epochs": 8,
            "train_batch_size": 16,
            "early_stop_patience": 8,
        }
    )


def teacher_labels(version: str, poisoned: float = 0.0, n: int = 160, tag: str = "post") -> list[TeacherLabel]:
    """Labels on variations of the tiny student's texts; a ``poisoned`` share of them flipped.

    The posts are the same whatever the poison, so a clean and a poisoned round see the same data.
    """
    rng, flips = random.Random(5), random.Random(6)
    bases = [e for e in TINY_EXAMPLES if e.context is None]
    flipped = set(flips.sample(range(n), round(n * poisoned)))
    labels = []
    for i in range(n):
        base = rng.choice(bases)
        polarity = FLIP[str(base.polarity)] if i in flipped else str(base.polarity)
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

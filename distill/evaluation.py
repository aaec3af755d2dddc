"""Scoring a model against labeled examples: what `sentimon eval`, the gate and the benchmarks report.

Each metric uses only the examples labeled for it, the same masking rule as
training, so a corpus with polarity only is not penalised on emotions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from distill.data import Example
from distill.metrics import (
    accuracy,
    expected_calibration_error,
    macro_f1,
    macro_recall,
    multilabel_macro_f1,
)
from models.types import Prediction, Scorer
from sentimon.labels import GOEMOTIONS, POLARITIES


def evaluate_predictions(examples: Sequence[Example], predictions: Sequence[Prediction]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    polar = [(e.hard_polarity, p) for e, p in zip(examples, predictions, strict=True) if e.hard_polarity]
    if polar:
        gold = np.array([POLARITIES.index(g) for g, _ in polar])
        predicted = np.array([POLARITIES.index(p.polarity) for _, p in polar])
        probs = np.array([p.probs for _, p in polar])
        metrics |= {
            "examples": float(len(polar)),
            "accuracy": accuracy(gold, predicted),
            "macro_f1": macro_f1(gold, predicted, len(POLARITIES)),
            "macro_recall": macro_recall(gold, predicted, len(POLARITIES)),
            "ece": expected_calibration_error(probs, gold),
        }
    emotional = [(e.emotions, p) for e, p in zip(examples, predictions, strict=True) if e.emotions is not None]
    if emotional:
        gold_emotions = np.array([[label in g for label in GOEMOTIONS] for g, _ in emotional], dtype=float)
        predicted_emotions = np.array(
            [[label in p.emotions for label in GOEMOTIONS] for _, p in emotional], dtype=float
        )
        metrics["emotion_macro_f1"] = multilabel_macro_f1(gold_emotions, predicted_emotions)
    with_aspects = [(e.aspects, p) for e, p in zip(examples, predictions, strict=True) if e.aspects is not None]
    if with_aspects:
        # Exact match of the (aspect, polarity) set: strict, but it is what the dashboard shows.
        matches = [set(g) == set(p.aspects) for g, p in with_aspects]
        metrics["aspect_exact_match"] = float(np.mean(matches))
    return metrics


def evaluate(scorer: Scorer, examples: Sequence[Example]) -> dict[str, float]:
    predictions = scorer.predict([e.text for e in examples], [e.context for e in examples])
    return evaluate_predictions(examples, predictions)

"""Classification metrics, in numpy, so that training, calibration, the gate and benchmarks agree.

Macro averages weigh every class equally: sentiment data is imbalanced
(neutral dominates tweets), and a model that ignores the rare negative class
must not look good.
"""

from __future__ import annotations

import numpy as np


def accuracy(gold: np.ndarray, predicted: np.ndarray) -> float:
    return float((gold == predicted).mean()) if len(gold) else 0.0


def per_class_precision_recall(
    gold: np.ndarray, predicted: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and support per class (0 where a class never occurs)."""
    precision, recall, support = np.zeros(n_classes), np.zeros(n_classes), np.zeros(n_classes)
    for c in range(n_classes):
        tp = float(((predicted == c) & (gold == c)).sum())
        predicted_c, gold_c = float((predicted == c).sum()), float((gold == c).sum())
        precision[c] = tp / predicted_c if predicted_c else 0.0
        recall[c] = tp / gold_c if gold_c else 0.0
        support[c] = gold_c
    return precision, recall, support


def macro_f1(gold: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Mean F1 over the classes present in gold or predictions."""
    precision, recall, support = per_class_precision_recall(gold, predicted, n_classes)
    present = (support > 0) | np.isin(np.arange(n_classes), predicted)
    denom = precision + recall
    f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1), 0.0)
    return float(f1[present].mean()) if present.any() else 0.0


def macro_recall(gold: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Mean recall over the classes present in gold (SemEval-2017's headline metric)."""
    _, recall, support = per_class_precision_recall(gold, predicted, n_classes)
    return float(recall[support > 0].mean()) if (support > 0).any() else 0.0


def multilabel_macro_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    """Mean F1 over labels that occur in gold; ``gold`` and ``predicted`` are (n, labels) 0/1."""
    tp = (gold * predicted).sum(axis=0)
    denom = gold.sum(axis=0) + predicted.sum(axis=0)
    f1 = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)
    present = gold.sum(axis=0) > 0
    return float(f1[present].mean()) if present.any() else 0.0


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """Gap between confidence and accuracy, averaged over equal-width confidence bins."""
    if not len(gold):
        return 0.0
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == gold).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = index == b
        if in_bin.any():
            total += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return float(total)

"""Classification metrics, in numpy, so that training, calibration, the gate and benchmarks agree.

Macro averages weigh every class equally: sentiment data is imbalanced
(neutral dominates tweets), and a model that ignores the rare negative class
must not look good.

Two models scored on the same examples are compared **paired** (McNemar): only the examples where
exactly one of them is right say which is better. The promotion gate asks it of a candidate student
against the current one, the export's parity check of the int8 graph against PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

_Z95 = 1.959963984540054


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


def mcnemar_midp_worse(only_current: int, only_candidate: int) -> float:
    """One-sided exact McNemar mid-p for "the candidate is worse".

    Under "equally good" each discordant post is a fair coin, so ``only_current`` is
    Binomial(b + c, ½); the mid-p counts half the probability of the observed value, which keeps
    the exact test's size close to its nominal level instead of far below it.
    """
    n = only_current + only_candidate
    if n == 0:
        return 1.0
    tail = sum(_binomial_half(n, k) for k in range(only_current + 1, n + 1))
    return min(1.0, tail + 0.5 * _binomial_half(n, only_current))


def _binomial_half(n: int, k: int) -> float:
    """P(X = k) for X ~ Binomial(n, ½), in log space so thousands of posts do not underflow."""
    return math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - n * math.log(2))


def paired_difference_interval(only_current: int, only_candidate: int, n: int) -> tuple[float, float, float]:
    """Candidate − current accuracy and its Agresti–Min 95 % interval (½ added to each of 4 cells)."""
    if n == 0:
        return 0.0, 0.0, 0.0
    diff = (only_candidate - only_current) / n
    b, c, total = only_current + 0.5, only_candidate + 0.5, n + 2.0
    adjusted = (c - b) / total
    spread = _Z95 * math.sqrt(max(0.0, (b + c) - (c - b) ** 2 / total)) / total
    return diff, max(-1.0, adjusted - spread), min(1.0, adjusted + spread)

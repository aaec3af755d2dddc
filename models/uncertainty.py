"""Probability and doubt arithmetic shared by the runtime, calibration and selection."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    # The tanh form never overflows, unlike 1 / (1 + exp(-x)) for large negative x.
    return 0.5 * (1.0 + np.tanh(0.5 * logits))


def max_margin_entropy(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: top probability, its lead over the runner-up, and entropy in nats."""
    top2 = np.sort(probs, axis=-1)[..., -2:]
    entropy = np.maximum(-(probs * np.log(np.clip(probs, 1e-12, 1.0))).sum(axis=-1), 0.0)
    return top2[..., 1], top2[..., 1] - top2[..., 0], entropy

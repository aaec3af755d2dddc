"""Temperature scaling (Guo et al., 2017): one scalar that makes probabilities honest.

Routing accepts a post when its top probability clears a threshold; that only
means "right this often" if the probabilities are calibrated. Fine-tuned
encoders are overconfident, and dividing the logits by a single fitted
temperature fixes most of it without changing any prediction's argmax.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from distill.metrics import expected_calibration_error
from models.uncertainty import softmax

# Bounds of the inverse temperature (T from 0.25 to 10). A validation set the model gets entirely
# right drives the unbounded fit towards T = 0 (certainty everywhere), which small sets often are.
_BETA_RANGE = (0.1, 4.0)


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    temperature: float
    ece_before: float
    ece_after: float
    nll_before: float
    nll_after: float
    examples: int


def nll(logits: np.ndarray, gold: np.ndarray, temperature: float = 1.0) -> float:
    scaled = logits / temperature
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return float((log_norm - shifted[np.arange(len(gold)), gold]).mean())


def fit_temperature(logits: np.ndarray, gold: np.ndarray, iterations: int = 60) -> float:
    """Temperature minimising validation NLL, by golden-section search on 1/T.

    NLL is convex in the inverse temperature, so a bracketing search finds the
    optimum deterministically, without a learning rate to tune.
    """
    if not len(gold):
        return 1.0
    low, high = _BETA_RANGE
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = nll(logits, gold, 1 / a), nll(logits, gold, 1 / b)
    for _ in range(iterations):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = nll(logits, gold, 1 / a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = nll(logits, gold, 1 / b)
    return float(1 / ((low + high) / 2))


def calibrate(logits: np.ndarray, gold: np.ndarray) -> CalibrationReport:
    temperature = fit_temperature(logits, gold)
    return CalibrationReport(
        temperature=temperature,
        ece_before=expected_calibration_error(softmax(logits), gold),
        ece_after=expected_calibration_error(softmax(logits / temperature), gold),
        nll_before=nll(logits, gold) if len(gold) else 0.0,
        nll_after=nll(logits, gold, temperature) if len(gold) else 0.0,
        examples=len(gold),
    )

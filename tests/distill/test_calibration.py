"""Temperature scaling and ECE on synthetic logits with a known miscalibration."""

from __future__ import annotations

import numpy as np
import pytest

from distill.calibration import calibrate, fit_temperature
from distill.metrics import expected_calibration_error, macro_f1, macro_recall, multilabel_macro_f1


def _overconfident(n: int, true_temperature: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from softmax(z); the model reports z * T, i.e. T times too sharp."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, size=(n, 3))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    gold = np.array([rng.choice(3, p=row) for row in p])
    return z * true_temperature, gold


def test_recovers_the_temperature_and_lowers_ece() -> None:
    logits, gold = _overconfident(4000, 2.5)
    report = calibrate(logits, gold)
    assert report.temperature == pytest.approx(2.5, rel=0.1)
    assert report.ece_after < report.ece_before / 2
    assert report.nll_after < report.nll_before
    assert (np.argmax(logits / report.temperature, 1) == np.argmax(logits, 1)).all()


def test_degenerate_sets_stay_in_bounds() -> None:
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=int)) == 1.0
    perfect = np.array([[5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    assert fit_temperature(perfect, np.array([0, 1, 2])) == pytest.approx(0.25, rel=0.01)


def test_metrics() -> None:
    gold, predicted = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0])
    assert macro_recall(gold, predicted, 3) == pytest.approx((0.5 + 1 + 2 / 3) / 3)
    assert macro_f1(gold, predicted, 3) == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)
    confident_right = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    assert expected_calibration_error(confident_right, np.array([0, 1])) == 0.0
    assert expected_calibration_error(confident_right, np.array([1, 0])) == 1.0
    multi_gold = np.array([[1, 0, 0], [1, 1, 0]])
    assert multilabel_macro_f1(multi_gold, np.array([[1, 0, 1], [1, 0, 0]])) == pytest.approx(0.5)

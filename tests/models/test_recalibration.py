"""Live recalibration: the map fitted on teacher labels, chosen by held-out log loss."""

from __future__ import annotations

import numpy as np

from models.recalibration import Recalibration, fit_recalibration
from models.types import Prediction
from models.uncertainty import softmax


def shifted_stream(n: int, seed: int, priors: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """A student trained on a balanced mix, overconfident, scoring a stream whose mix is ``priors``."""
    rng = np.random.default_rng(seed)
    gold = rng.choice(3, size=n, p=priors)
    logits = rng.normal(0.0, 1.0, (n, 3))
    logits[np.arange(n), gold] += 1.2
    return softmax(3.0 * logits), gold


def log_loss(probs: np.ndarray, gold: np.ndarray) -> float:
    return float(-np.log(probs[np.arange(len(gold)), gold]).mean())


def test_too_few_labels_keep_the_served_probabilities() -> None:
    probs, gold = shifted_stream(20, 0, (0.6, 0.3, 0.1))
    fitted = fit_recalibration(probs, gold, model_version="v1", min_examples=30)
    assert fitted.kind == "identity"
    assert np.array_equal(fitted.apply(probs), probs)


def test_a_shifted_overconfident_stream_gets_a_map_that_predicts_unseen_posts_better() -> None:
    probs, gold = shifted_stream(600, 1, (0.6, 0.3, 0.1))
    fitted = fit_recalibration(probs, gold, model_version="v1")
    assert fitted.kind in ("vector", "temperature", "prior")
    assert fitted.cv_loss[fitted.kind] < fitted.cv_loss["identity"]
    fresh, fresh_gold = shifted_stream(2000, 2, (0.6, 0.3, 0.1))
    assert log_loss(fitted.apply(fresh), fresh_gold) < log_loss(fresh, fresh_gold) - 0.1
    # The prior shift is learnt: the common class gains probability mass on average.
    assert fitted.apply(fresh)[:, 0].mean() > fresh[:, 0].mean()


def test_a_calibrated_balanced_stream_is_left_almost_alone() -> None:
    rng = np.random.default_rng(3)
    probs = softmax(rng.normal(0.0, 1.5, (800, 3)))
    gold = np.array([rng.choice(3, p=row) for row in probs])  # labels drawn from the probabilities themselves
    fitted = fit_recalibration(probs, gold)
    assert np.abs(fitted.apply(probs) - probs).max() < 0.12


def test_predictions_are_recalibrated_only_for_the_version_the_map_was_fitted_on() -> None:
    calibration = Recalibration(kind="prior", bias=(2.0, 0.0, 0.0), model_version="v1")
    prediction = Prediction(
        probs=(0.2, 0.3, 0.5), polarity="positive", max_prob=0.5, margin=0.2, entropy=1.0, emotions=(), aspects=()
    )
    [same] = calibration.predictions([prediction], "v2")
    assert same == prediction
    [moved] = calibration.predictions([prediction], "v1")
    assert moved.polarity == "negative" and moved.max_prob == max(moved.probs)
    assert abs(sum(moved.probs) - 1.0) < 1e-9 and moved.margin > 0

"""A learned doubt: the chance that the student's answer disagrees with the teacher, from what it served.

The router escalates the posts it is least sure of. Calibrated top probability is the textbook
measure of that, but it treats every answer alike, and a student's errors are not alike: measured on
TweetEval test with the shipped student, a "neutral" answer at a given top probability is wrong far
more often than a "positive" one, and a neutral answer with a sizeable negative probability more often
still. A logistic model of "the teacher disagrees" on the served probabilities and the answer given
(log-probabilities, the top-two margin, the answer one-hot: eight weights with the intercept) caught
0.63-0.64 errors per escalation at a 10 % call share against 0.54 for the top probability and 0.56-0.58
for the vector-scaled one, fitted on 300-3,000 labelled posts (``python -m bench.doubt``).

It learns from every teacher-labelled post, escalations included: they were chosen by what the
student served, which is exactly what the model conditions on, so the choice does not bias it.
"""

from __future__ import annotations

import numpy as np

from models.uncertainty import sigmoid

CLASSES = 3
FEATURES = 2 * CLASSES + 2  # intercept, log-probabilities, margin, answer one-hot
_FLOOR = 1e-6
_RIDGE = 1.0  # pull of every weight but the intercept towards 0, in log-loss units per squared step, per fit
_STEPS = 30


def features(probs: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """One row per post: 1, log p (3), top-two margin, one-hot of the answer given (3)."""
    probs = np.asarray(probs, dtype=np.float64).reshape(-1, CLASSES)
    answers = np.asarray(answers, dtype=np.int64)
    top2 = np.sort(probs, axis=1)[:, -2:]
    return np.hstack(
        [
            np.ones((len(probs), 1)),
            np.log(np.clip(probs, _FLOOR, 1.0)),
            (top2[:, 1] - top2[:, 0])[:, None],
            np.eye(CLASSES)[answers],
        ]
    )


def agreement(weights: tuple[float, ...], probs: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """P(the teacher agrees with each answer) under a fitted model."""
    return 1.0 - sigmoid(features(probs, answers) @ np.asarray(weights))


def fit_doubt(
    probs: np.ndarray, answers: np.ndarray, teacher: np.ndarray, *, min_examples: int = 200, min_each: int = 20
) -> tuple[float, ...]:
    """The weights of the doubt model, or ``()`` with too few labels, or too few of either outcome.

    No held-out test decides whether to use it: on replayed escalation-heavy samples, neither the
    cross-validated log loss nor the AUROC against the calibrated probability (refitted on the same
    posts or not, importance-weighted or not) told which ranked the population's errors better, while
    the model did on every sample (``python -m bench.doubt``). The replay bench measures it with the
    whole loop.
    """
    x = features(probs, answers)
    wrong = (np.asarray(answers) != np.asarray(teacher)).astype(np.float64)
    if len(wrong) < min_examples or min(wrong.sum(), len(wrong) - wrong.sum()) < min_each:
        return ()
    return tuple(float(w) for w in _fit(x, wrong))


def _fit(x: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    """Ridge-penalised logistic regression by Newton's method (convex; a handful of steps)."""
    n = len(wrong)
    penalty = np.full(x.shape[1], 2.0 * _RIDGE / n)
    penalty[0] = 0.0
    weights = np.zeros(x.shape[1])
    for _ in range(_STEPS):
        p = sigmoid(x @ weights)
        gradient = x.T @ (p - wrong) / n + penalty * weights
        hessian = (x * (p * (1.0 - p))[:, None]).T @ x / n + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights = weights - step
        if float(np.abs(step).max()) < 1e-8:
            break
    return weights

"""Live recalibration: reshaping the served probabilities on recent teacher labels, without retraining.

The manifest's temperature was fitted on the training data's validation split; on a new stream the
student is often overconfident in new ways, and the stream's polarity mix (its class priors) is rarely
the training mix. Both can be corrected from a few hundred teacher-labelled posts by a map that works
on the probabilities the student already serves: new logits = ``scale * log(p) + bias``, softmaxed.
No raw logits are needed (``log p`` is the served logits up to a shift softmax ignores), so the map
applies to any serving model and a refit is a few milliseconds.

Four candidates, each a special case of the last:

* ``identity``: scale 1, bias 0 (keep what the model says);
* ``temperature``: one scale for every class (Guo et al., 2017);
* ``prior``: a bias per class only, i.e. prior shift (Saerens et al., 2002): the odds of each class are
  multiplied by how much more common it is on this stream than in training;
* ``vector``: a scale and a bias per class (vector scaling).

:func:`fit_recalibration` keeps the candidate with the lowest cross-validated log loss, so a map with
more freedom wins only when the data it was fitted on show it predicts better on posts it has not seen.
A small pull towards the identity keeps a fit on few labels from running off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from models.types import Prediction
from models.uncertainty import max_margin_entropy, softmax
from sentimon.labels import POLARITIES

Kind = Literal["identity", "temperature", "prior", "vector"]
KINDS: tuple[Kind, ...] = ("identity", "temperature", "prior", "vector")
CLASSES = 3
# Served probabilities are clipped here before the log: an int8 model can round one to exactly 0.
_FLOOR = 1e-6
# Weight of the pull towards identity, in log-loss units per squared parameter step, per example.
_RIDGE = 1.0
_FOLDS = 3
_STEPS = 50


@dataclass(frozen=True, slots=True)
class Recalibration:
    """A fitted map from served probabilities to recalibrated ones, for one model version."""

    kind: Kind = "identity"
    scale: tuple[float, ...] = (1.0, 1.0, 1.0)
    bias: tuple[float, ...] = (0.0, 0.0, 0.0)
    model_version: str = ""
    version: int = 0
    examples: int = 0
    cv_loss: dict[str, float] = field(default_factory=dict)
    newest_at: float = 0.0  # when the newest labelled example it saw was taken (epoch seconds; 0: none)

    @classmethod
    def identity(cls, model_version: str = "", version: int = 0) -> Recalibration:
        return cls(model_version=model_version, version=version)

    def apply(self, probs: np.ndarray) -> np.ndarray:
        """Recalibrated probabilities, one row per row of ``probs`` (columns in POLARITIES order)."""
        probs = np.asarray(probs, dtype=np.float64).reshape(-1, CLASSES)
        if self.kind == "identity":
            return probs
        return softmax(_logits(probs) * np.asarray(self.scale) + np.asarray(self.bias))

    def predictions(self, predictions: Sequence[Prediction], model_version: str) -> list[Prediction]:
        """``predictions`` of ``model_version`` with recalibrated polarity probabilities and doubt.

        A map fitted on another version's outputs says nothing about this one's: those pass unchanged.
        """
        if self.kind == "identity" or model_version != self.model_version or not predictions:
            return list(predictions)
        probs = self.apply(np.array([p.probs for p in predictions]))
        top, margin, entropy = max_margin_entropy(probs)
        return [
            replace(
                p,
                probs=(float(row[0]), float(row[1]), float(row[2])),
                polarity=POLARITIES[int(np.argmax(row))],
                max_prob=float(top[i]),
                margin=float(margin[i]),
                entropy=float(entropy[i]),
            )
            for i, (p, row) in enumerate(zip(predictions, probs, strict=True))
        ]


def _logits(probs: np.ndarray) -> np.ndarray:
    return np.log(np.clip(probs, _FLOOR, 1.0))


def _design(kind: Kind, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's logits are linear in its parameters: ``logits[i] = A[i] @ params + c[i]``."""
    n = len(z)
    eye = np.broadcast_to(np.eye(CLASSES), (n, CLASSES, CLASSES))
    if kind == "temperature":
        return z[:, :, None], np.zeros_like(z)
    if kind == "prior":
        return eye, z
    diagonal = eye * z[:, None, :]  # diag(z_i)
    return np.concatenate([diagonal, eye], axis=2), np.zeros_like(z)


def _objective(
    design: tuple[np.ndarray, np.ndarray], params: np.ndarray, start: np.ndarray, onehot: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean log loss plus the pull towards identity; its gradient and Hessian in the parameters."""
    a, c = design
    n = len(onehot)
    ridge = _RIDGE / n
    logits = np.einsum("ikp,p->ik", a, params) + c
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    offset = params - start
    loss = float(-(onehot * log_probs).sum() / n + ridge * offset @ offset)
    gradient = np.einsum("ikp,ik->p", a, probs - onehot) / n + 2 * ridge * offset
    weights = np.einsum("ik,kl->ikl", probs, np.eye(CLASSES)) - np.einsum("ik,il->ikl", probs, probs)
    hessian = np.einsum("ikp,ikl,ilq->pq", a, weights, a) / n + 2 * ridge * np.eye(len(params))
    return loss, gradient, hessian


def _unpack(kind: Kind, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if kind == "temperature":
        return np.full(CLASSES, params[0]), np.zeros(CLASSES)
    if kind == "prior":
        return np.ones(CLASSES), params
    if kind == "vector":
        return params[:CLASSES], params[CLASSES:]
    return np.ones(CLASSES), np.zeros(CLASSES)


def _start(kind: Kind) -> np.ndarray:
    return {
        "identity": np.zeros(0),
        "temperature": np.ones(1),
        "prior": np.zeros(CLASSES),
        "vector": np.concatenate([np.ones(CLASSES), np.zeros(CLASSES)]),
    }[kind]


def _fit(kind: Kind, z: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Damped Newton steps: the loss is convex in every candidate's (at most six) parameters."""
    start = _start(kind)
    if kind == "identity":
        return start
    design = _design(kind, z)
    params = start.copy()
    loss, gradient, hessian = _objective(design, params, start, onehot)
    for _ in range(_STEPS):
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-6:
            candidate = params - size * step
            new_loss, new_gradient, new_hessian = _objective(design, candidate, start, onehot)
            if new_loss <= loss:
                break
            size /= 2
        else:
            break
        converged = loss - new_loss < 1e-10
        params, loss, gradient, hessian = candidate, new_loss, new_gradient, new_hessian
        if converged:
            break
    return params


def _held_out_loss(kind: Kind, z: np.ndarray, onehot: np.ndarray, folds: np.ndarray) -> float:
    total = 0.0
    for fold in range(_FOLDS):
        test = folds == fold
        params = _fit(kind, z[~test], onehot[~test])
        scale, bias = _unpack(kind, params)
        logits = z[test] * scale + bias
        log_probs = np.log(softmax(logits))
        total -= float((onehot[test] * log_probs).sum())
    return total / len(z)


def fit_recalibration(
    probs: np.ndarray,
    gold: np.ndarray,
    *,
    model_version: str = "",
    version: int = 0,
    min_examples: int = 30,
    kinds: tuple[Kind, ...] = KINDS,
    seed: int = 0,
) -> Recalibration:
    """The candidate predicting held-out labels best (``min_examples`` or fewer labels: identity)."""
    probs = np.asarray(probs, dtype=np.float64).reshape(-1, CLASSES)
    gold = np.asarray(gold, dtype=np.int64)
    if len(gold) < max(min_examples, _FOLDS * 2):
        return Recalibration.identity(model_version, version)
    z = _logits(probs)
    onehot = np.eye(CLASSES)[gold]
    folds = np.random.default_rng(seed).permutation(len(gold)) % _FOLDS
    losses = {kind: _held_out_loss(kind, z, onehot, folds) for kind in kinds}
    best = min(kinds, key=lambda kind: (losses[kind], KINDS.index(kind)))
    scale, bias = _unpack(best, _fit(best, z, onehot))
    return Recalibration(
        kind=best,
        scale=tuple(float(v) for v in scale),
        bias=tuple(float(v) for v in bias),
        model_version=model_version,
        version=version,
        examples=len(gold),
        cv_loss={kind: round(loss, 5) for kind, loss in losses.items()},
    )

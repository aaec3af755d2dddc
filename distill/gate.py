"""The promotion gate: a candidate student replaces the current one only if nothing gets worse.

Both models are judged as they would serve (the int8 ONNX export, calibrated), on the same
evaluation sets, by the same metrics. Each metric is compared separately, because an average
would let a gain on teacher-labelled posts buy off a loss on human gold, which is exactly what a
student trained on a misbehaving teacher looks like. A drop up to the tolerance is allowed, so
that evaluation noise on small sets does not freeze the model forever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from distill import evaluation
from distill.data import Example
from models.types import Scorer

METRICS = ("accuracy", "macro_f1")


@dataclass(frozen=True, slots=True)
class EvalSet:
    """A named set of examples with polarity labels, e.g. ``gold`` or ``holdout``."""

    name: str
    examples: Sequence[Example]


@dataclass(frozen=True, slots=True)
class GateDecision:
    promote: bool
    reason: str
    current: dict[str, float]
    candidate: dict[str, float]
    regressions: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """Both models' scores in one flat mapping, for the round record and the model update."""
        return {f"current_{k}": v for k, v in self.current.items()} | {
            f"candidate_{k}": v for k, v in self.candidate.items()
        }


def evaluate(scorer: Scorer, sets: Sequence[EvalSet]) -> dict[str, float]:
    """``<set>_<metric>`` for every non-empty set; an empty set has nothing to say and is left out."""
    scores: dict[str, float] = {}
    for evalset in sets:
        labeled = [e for e in evalset.examples if e.hard_polarity is not None]
        if not labeled:
            continue
        metrics = evaluation.evaluate(scorer, labeled)
        scores |= {f"{evalset.name}_{k}": metrics[k] for k in (*METRICS, "examples")}
    return scores


def decide(current: Mapping[str, float], candidate: Mapping[str, float], tolerance: float) -> GateDecision:
    """Promote when every metric the current model has is matched by the candidate within ``tolerance``."""
    compared = [k for k in current if k.endswith(tuple(f"_{m}" for m in METRICS))]
    if not compared:
        return GateDecision(False, "no evaluation set to judge the candidate on", dict(current), dict(candidate))
    regressions = []
    for name in compared:
        before, after = current[name], candidate.get(name)
        if after is None:
            regressions.append(f"{name} missing for the candidate")
        elif after < before - tolerance:
            regressions.append(f"{name} {before:.4f} -> {after:.4f} (drop {before - after:.4f} > {tolerance:.4f})")
    changes = ", ".join(f"{k} {current[k]:.4f} -> {candidate.get(k, float('nan')):.4f}" for k in compared)
    if regressions:
        return GateDecision(
            False, "regressed beyond tolerance: " + "; ".join(regressions), dict(current), dict(candidate), regressions
        )
    return GateDecision(True, f"no metric dropped more than {tolerance:.4f}: {changes}", dict(current), dict(candidate))

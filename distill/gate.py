"""The promotion gate: a candidate student replaces the current one unless it is worse beyond noise.

Both models are judged as they would serve (the int8 ONNX export, calibrated), on the same
examples, and compared **paired**: only the posts where exactly one of the two is right say
anything about which is better, and McNemar's test asks whether the candidate lost more of those
than a fair coin would explain. A fixed tolerance could not do this: on a few dozen held-out
labels one changed answer moves accuracy by several points, so a tolerance small enough to matter
refuses good candidates by chance, and on thousands it lets real losses through.

The sets play different parts:

* ``holdout``: the stream's own evidence (every held-out teacher label so far, and every audit),
  so adapting to the live stream is judged on the live stream. The candidate is refused when it
  is significantly worse there.
* ``gold``: human labels from the seed corpus. A student that follows the live stream may
  legitimately drift away from the seed domain, but only for a gain: a significant loss on gold
  is accepted when the candidate is significantly more accurate on the stream's own held-out
  labels, and never beyond ``gold_max_drop`` (a collapse). A gain in the point estimate alone (a
  few answers on a few dozen held-out labels) no longer earns it: in the stream replay it let
  through, on 4 of 31 held-out labels against a 3.2-point gold loss (p = 0.004), a round that then
  served a launch and a crisis 5-10 points below the naive loop's students; refusing such rounds
  moved that stream from a 20.9 to an 18.2-point gap to teacher-only and left the other unchanged.
  The held-out set grows with every round, so a real adaptation becomes significant. A poisoned teacher (labels
  systematically flipped) cannot be caught on ``holdout``, which the same teacher labelled, and
  is caught here: what it teaches costs gold accuracy and buys nothing the stream's held-out
  labels can confirm.

Each set's accuracy difference comes with a 95 % interval (Agresti–Min: the paired Wald interval
with half a count added to each cell, which keeps its coverage on small sets), recorded with the
round so that a refusal can be checked by a human.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from distill.data import Example
from distill.metrics import accuracy, macro_f1, mcnemar_midp_worse, paired_difference_interval
from models.types import Scorer
from sentimon.labels import POLARITIES

# Sets whose loss refuses the candidate only past an accuracy drop (collapse guards), by name.
COLLAPSE_GUARDS = ("gold",)


@dataclass(frozen=True, slots=True)
class EvalSet:
    """A named set of examples with polarity labels, e.g. ``gold`` or ``holdout``."""

    name: str
    examples: Sequence[Example]


@dataclass(frozen=True, slots=True)
class PairedComparison:
    """Current and candidate on the same examples: who got which one right."""

    name: str
    gold: np.ndarray  # (n,) class indices
    current: np.ndarray  # (n,) predicted class indices
    candidate: np.ndarray

    @property
    def examples(self) -> int:
        return len(self.gold)

    @property
    def only_current(self) -> int:
        """Examples the current model gets right and the candidate wrong (McNemar's b)."""
        return int(((self.current == self.gold) & (self.candidate != self.gold)).sum())

    @property
    def only_candidate(self) -> int:
        """Examples the candidate gets right and the current model wrong (McNemar's c)."""
        return int(((self.candidate == self.gold) & (self.current != self.gold)).sum())

    def accuracy_difference(self) -> tuple[float, float, float]:
        """(candidate − current accuracy, 95 % interval low, high)."""
        return paired_difference_interval(self.only_current, self.only_candidate, self.examples)

    def p_worse(self) -> float:
        """One-sided mid-p that the candidate is no worse, given how many discordant posts it lost."""
        return mcnemar_midp_worse(self.only_current, self.only_candidate)

    def p_better(self) -> float:
        """The same test the other way: small when the candidate won significantly more than it lost."""
        return mcnemar_midp_worse(self.only_candidate, self.only_current)

    def metrics(self) -> dict[str, float]:
        n = len(POLARITIES)
        diff, low, high = self.accuracy_difference()
        return {
            f"current_{self.name}_accuracy": accuracy(self.gold, self.current),
            f"candidate_{self.name}_accuracy": accuracy(self.gold, self.candidate),
            f"current_{self.name}_macro_f1": macro_f1(self.gold, self.current, n),
            f"candidate_{self.name}_macro_f1": macro_f1(self.gold, self.candidate, n),
            f"current_{self.name}_examples": float(self.examples),
            f"candidate_{self.name}_examples": float(self.examples),
            f"{self.name}_accuracy_diff": diff,
            f"{self.name}_accuracy_diff_low": low,
            f"{self.name}_accuracy_diff_high": high,
            f"{self.name}_p_worse": self.p_worse(),
        }


@dataclass(frozen=True, slots=True)
class GateDecision:
    promote: bool
    reason: str
    comparisons: list[PairedComparison] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """Both models' scores and each set's difference with its interval, flat, for the round record."""
        merged: dict[str, float] = {}
        for comparison in self.comparisons:
            merged |= comparison.metrics()
        return merged


def compare(current: Scorer, candidate: Scorer, sets: Sequence[EvalSet]) -> list[PairedComparison]:
    """Both models on every set that has polarity labels; an empty set has nothing to say and is left out."""
    comparisons = []
    for evalset in sets:
        labeled = [e for e in evalset.examples if e.hard_polarity is not None]
        if not labeled:
            continue
        texts, contexts = [e.text for e in labeled], [e.context for e in labeled]
        gold = np.array([POLARITIES.index(str(e.hard_polarity)) for e in labeled])
        current_pred = np.array([POLARITIES.index(p.polarity) for p in current.predict(texts, contexts)])
        candidate_pred = np.array([POLARITIES.index(p.polarity) for p in candidate.predict(texts, contexts)])
        comparisons.append(PairedComparison(evalset.name, gold, current_pred, candidate_pred))
    return comparisons


def decide(comparisons: Sequence[PairedComparison], alpha: float, gold_max_drop: float) -> GateDecision:
    """Promote unless the candidate is significantly worse somewhere it has not earned it.

    On the stream's sets any significant loss refuses. On a collapse guard a significant loss is
    the price of adapting only when a stream set shows a significant gain, and never past
    ``gold_max_drop``: a significant loss weighed against a gain that a few answers make is not a
    trade the evidence supports (and a poisoned round, whose held-out labels share its poison, can
    look an example or two better on them).
    """
    if not comparisons:
        return GateDecision(False, "no evaluation set to judge the candidate on")
    earned = any(c.p_better() < alpha for c in comparisons if c.name not in COLLAPSE_GUARDS)
    regressions, summaries = [], []
    for comparison in comparisons:
        diff, low, high = comparison.accuracy_difference()
        p = comparison.p_worse()
        summary = (
            f"{comparison.name} accuracy {diff:+.4f} [{low:+.4f}, {high:+.4f}] on {comparison.examples},"
            f" p(worse)={p:.3f}"
        )
        summaries.append(summary)
        significant = p < alpha
        if comparison.name in COLLAPSE_GUARDS:
            if significant and -diff > gold_max_drop:
                regressions.append(f"{summary}: collapsed (drop above {gold_max_drop:.2f})")
            elif significant and not earned:
                regressions.append(f"{summary}: worse beyond noise and not earned by a gain on the stream")
        elif significant:
            regressions.append(f"{summary}: worse beyond noise (p < {alpha})")
    if regressions:
        return GateDecision(False, "regressed: " + "; ".join(regressions), list(comparisons), regressions)
    return GateDecision(True, "not worse beyond noise: " + "; ".join(summaries), list(comparisons))

"""How accurate the cascade is right now, estimated from audits, with an interval and a stated assumption.

An *audit* is a post the student accepted that also went to the teacher, drawn at random; the share of
audits where the two agree estimates the student's accuracy on everything it accepts. Teacher answers to
*escalations* (posts the student doubted) estimate how the student does on doubtful posts, which is
what a verdict kept by the student (budget spent, teacher failed) is worth.

The teacher is not the truth. Its accuracy ``q`` is an assumption the operator states
(``SENTIMON_TEACHER_ASSUMED_ACCURACY``), and the estimate is corrected for it: if the teacher is right
with probability ``q`` and, when wrong, names either other class alike, a student right with
probability ``s`` agrees with it with probability ``a = s q + (1 - s)(1 - q) / 2``, hence
``s = (2a - 1 + q) / (3q - 1)`` (:func:`true_accuracy`). With ``q = 1`` the correction vanishes; it
widens the interval as ``q`` falls, and the interval is the Wilson score interval of the agreement
mapped through the same correction.

The whole cascade's accuracy weights each decider by its share of final verdicts in the window:
student-accepted posts at the audited accuracy, teacher-decided posts (escalations and audits) at
``q``, and student verdicts kept on doubtful posts at the escalations' accuracy. The teacher term is
the assumption itself, so the cascade interval only carries the two measured terms' uncertainty.

No audit within ``stale_seconds`` (the teacher is down, or the budget is spent on escalations) makes
the report *stale*: the last numbers stay visible, flagged, and nothing waits for new audits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

PairKind = Literal["audit", "escalation"]
CLASSES = 3


def wilson(successes: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion; honest near 0 and 1 and on small samples, unlike p ± z·se."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def true_accuracy(agreement: float, teacher_accuracy: float) -> float:
    """Student accuracy implied by its agreement with a teacher of accuracy ``teacher_accuracy`` (see above)."""
    wrong_share = (1 - teacher_accuracy) / (CLASSES - 1)
    denominator = teacher_accuracy - wrong_share
    if denominator <= 0:
        return agreement  # a teacher no better than chance says nothing; report raw agreement
    return min(1.0, max(0.0, (agreement - wrong_share) / denominator))


@dataclass(frozen=True, slots=True)
class AuditPair:
    """A student answer next to the teacher's on the same post (class indices in POLARITIES order)."""

    post_id: str
    brands: tuple[str, ...]
    student: int
    teacher: int
    probs: tuple[float, float, float]  # as served by the model (before live recalibration)
    model_version: str
    at: float  # epoch seconds
    kind: PairKind = "audit"

    @property
    def agrees(self) -> bool:
        return self.student == self.teacher


@dataclass
class Tally:
    """Final verdicts in the window by decider; ``low`` = student verdicts kept on doubtful posts."""

    accepted: int = 0
    teacher: int = 0
    low: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.teacher + self.low


@dataclass
class Tallies:
    """Overall and per-brand tallies (a post with several brands counts under each)."""

    overall: Tally = field(default_factory=Tally)
    brands: dict[str, Tally] = field(default_factory=dict)

    def brand(self, brand: str) -> Tally:
        return self.brands.setdefault(brand, Tally())


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float]:
        return {"value": round(self.value, 4), "low": round(self.low, 4), "high": round(self.high, 4), "n": self.n}


@dataclass(frozen=True, slots=True)
class Quality:
    """Accepted-post and whole-cascade accuracy for one scope (everything, or one brand)."""

    accepted: Estimate | None
    cascade: Estimate | None
    audits: int

    def as_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted.as_dict() if self.accepted else None,
            "cascade": self.cascade.as_dict() if self.cascade else None,
            "audits": self.audits,
        }


@dataclass(frozen=True, slots=True)
class QualityReport:
    overall: Quality
    brands: dict[str, Quality]
    teacher_accuracy: float
    last_audit_at: float | None
    stale: bool
    at: float
    teacher_share: float  # share of final verdicts in the window the teacher decided

    def as_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall.as_dict(),
            "brands": {brand: quality.as_dict() for brand, quality in self.brands.items()},
            "teacher_accuracy": self.teacher_accuracy,
            "last_audit_at": self.last_audit_at,
            "stale": self.stale,
            "at": self.at,
            "teacher_share": round(self.teacher_share, 4),
        }


class AccuracyEstimator:
    """Turns the window's audit pairs and tallies into a :class:`QualityReport`."""

    def __init__(self, teacher_accuracy: float, window_seconds: float, stale_seconds: float, z: float = 1.96) -> None:
        self._q = teacher_accuracy
        self._window = window_seconds
        self._stale = stale_seconds
        self._z = z

    def _accuracy(self, pairs: Sequence[AuditPair]) -> Estimate | None:
        if not pairs:
            return None
        agree = sum(p.agrees for p in pairs)
        low, high = wilson(agree, len(pairs), self._z)
        q = self._q
        return Estimate(true_accuracy(agree / len(pairs), q), true_accuracy(low, q), true_accuracy(high, q), len(pairs))

    def _cascade(self, accepted: Estimate | None, doubtful: Estimate | None, tally: Tally) -> Estimate | None:
        if accepted is None or tally.total == 0:
            return None
        # Doubtful student verdicts without any escalation evidence: count them as chance, which is
        # pessimistic, rather than borrow the accepted posts' much higher accuracy.
        low_term = doubtful or Estimate(1 / CLASSES, 1 / CLASSES, 1 / CLASSES, 0)
        n = tally.total

        def mix(a: float, d: float) -> float:
            return (tally.accepted * a + tally.teacher * self._q + tally.low * d) / n

        return Estimate(
            mix(accepted.value, low_term.value),
            mix(accepted.low, low_term.low),
            mix(accepted.high, low_term.high),
            accepted.n,
        )

    def _quality(self, pairs: Iterable[AuditPair], tally: Tally) -> Quality:
        pairs = list(pairs)
        audits = [p for p in pairs if p.kind == "audit"]
        accepted = self._accuracy(audits)
        doubtful = self._accuracy([p for p in pairs if p.kind == "escalation"])
        return Quality(accepted, self._cascade(accepted, doubtful, tally), len(audits))

    def estimate(self, pairs: Sequence[AuditPair], tallies: Tallies, now: float) -> QualityReport:
        """The report over pairs no older than the window; ``tallies`` must cover the same window."""
        recent = [p for p in pairs if now - p.at <= self._window]
        audit_times = [p.at for p in pairs if p.kind == "audit"]
        last = max(audit_times) if audit_times else None
        brands = sorted({b for p in recent for b in p.brands} | set(tallies.brands))
        overall = tallies.overall
        return QualityReport(
            overall=self._quality(recent, overall),
            brands={
                b: self._quality((p for p in recent if b in p.brands), tallies.brands.get(b, Tally())) for b in brands
            },
            teacher_accuracy=self._q,
            last_audit_at=last,
            stale=last is None or now - last > self._stale,
            at=now,
            teacher_share=overall.teacher / overall.total if overall.total else 0.0,
        )

"""Steering the cascade: which threshold and how many audits, from the live evidence. Pure; no I/O.

Three ways to set the accept threshold:

* **fixed** (no target, no call share): ``SENTIMON_ACCEPT_THRESHOLD``, as before;
* **target** (``SENTIMON_TARGET_ACCURACY``): the lowest threshold, i.e. the fewest teacher calls, at
  which the cascade's expected accuracy reaches the target;
* **budget** (``SENTIMON_TARGET_CALL_SHARE``, alone or with a target): escalate at most that share of
  posts (audits take their share out of it first).

"Expected accuracy" comes from the live calibration curve: recent posts' recalibrated top probabilities
(fitted to teacher labels, so they predict agreement with the teacher) are turned into true accuracy by
the stated teacher accuracy (:func:`stream.quality.true_accuracy`). Escalating the ``k`` least
confident posts gives a cascade accuracy of ``(sum of the others' accuracy + k q) / n``; the threshold
is the confidence of the first post left to the student.

While evidence is thin the router is in **warm-up** and says why: a model version with fewer than
``warmup_audits`` audits ("new_model"), or audits that agree with the teacher clearly less often than
the calibration predicts ("drift"). Warm-up audits ``audit_warmup_share`` of accepted posts instead of
``audit_share`` and, when steering to a target, escalates below ``warmup_threshold`` at least. Posts
of a brand with fewer than ``brand_warmup_audits`` audits are audited at the warm-up share too.

With a call share, audits may take at most ``audit_budget_share`` of it, in warm-up too: escalations
are what the student learns from and what lifts the cascade, and a warm-up that spent the budget on
audits (which once never trained) starved the loop of labels so that no round ever ran.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Self

import numpy as np

from models.recalibration import Recalibration, fit_recalibration
from sentimon.labels import POLARITIES
from sentimon.settings import Settings
from stream.quality import AuditPair, true_accuracy, wilson

# The exact answer to "escalate everything": no top probability can reach above 1.
ESCALATE_ALL = 1.0 + 1e-9
# Calibration follows the stream: the newest pairs only, which also bounds a refit's cost (about a second).
MAX_CALIBRATION_PAIRS = 2000
# A refit waits for this many new pairs (or a tenth more), so a busy stream does not refit every refresh.
REFIT_NEW_PAIRS = 20


def choose_threshold(
    confidence: np.ndarray,
    *,
    target_accuracy: float | None,
    max_escalation_share: float | None,
    teacher_accuracy: float,
    fitted_to_teacher: bool = True,
) -> float:
    """The accept threshold meeting the target with the fewest escalations, capped by the share.

    ``confidence`` holds recent posts' recalibrated top probabilities. With no target, all of the
    allowed share is spent on the least confident posts; an unreachable target spends all of it too.
    Probabilities fitted to teacher labels predict agreement with the teacher and are corrected for its
    noise; the model's own (``fitted_to_teacher=False``) are taken as accuracy already.
    """
    n = len(confidence)
    if n == 0:
        return ESCALATE_ALL if target_accuracy is not None else 0.0
    ordered = np.sort(np.asarray(confidence, dtype=np.float64))
    cap = n if max_escalation_share is None else int(np.floor(max(0.0, max_escalation_share) * n))
    if target_accuracy is None:
        k = cap
    else:
        accuracy = np.array([true_accuracy(c, teacher_accuracy) for c in ordered]) if fitted_to_teacher else ordered
        # expected[k] = cascade accuracy when the k least confident posts go to the teacher
        kept = np.concatenate([np.cumsum(accuracy[::-1])[::-1], [0.0]])
        expected = (kept + np.arange(n + 1) * teacher_accuracy) / n
        reaching = np.flatnonzero(expected[: cap + 1] >= target_accuracy)
        k = int(reaching[0]) if len(reaching) else cap
    return float(ordered[k]) if k < n else ESCALATE_ALL


@dataclass(frozen=True, slots=True)
class SteeringConfig:
    """The slice of settings steering needs; ``of`` reads them, the bench builds its own."""

    accept_threshold: float = 0.6
    target_accuracy: float | None = None
    target_call_share: float | None = None
    audit_share: float = 0.02
    audit_warmup_share: float = 0.1
    audit_budget_share: float = 0.25
    warmup_threshold: float = 0.9
    warmup_audits: int = 50
    brand_warmup_audits: int = 10
    drift_audits: int = 50
    teacher_accuracy: float = 0.9
    min_calibration_labels: int = 30

    @classmethod
    def of(cls, settings: Settings) -> SteeringConfig:
        return cls(
            accept_threshold=settings.accept_threshold,
            target_accuracy=settings.target_accuracy,
            target_call_share=settings.target_call_share,
            audit_share=settings.audit_share,
            audit_warmup_share=settings.audit_warmup_share,
            audit_budget_share=settings.audit_budget_share,
            warmup_threshold=settings.warmup_threshold,
            warmup_audits=settings.warmup_audits,
            brand_warmup_audits=settings.brand_warmup_audits,
            drift_audits=settings.drift_audits,
            teacher_accuracy=settings.teacher_assumed_accuracy,
        )

    @property
    def steered(self) -> bool:
        return self.target_accuracy is not None or self.target_call_share is not None

    def audit_shares(self) -> tuple[float, float]:
        """(normal, warm-up) audit shares, each capped at ``audit_budget_share`` of the call share if there is one."""
        if self.target_call_share is None:
            return self.audit_share, self.audit_warmup_share
        cap = self.audit_budget_share * self.target_call_share
        return min(self.audit_share, cap), min(self.audit_warmup_share, cap)


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    """What every worker routes by until the next plan: shared through Redis as JSON."""

    threshold: float
    audit_share: float
    warmup_share: float
    warmup: bool = False
    reasons: tuple[str, ...] = ()
    calibration: Recalibration = field(default_factory=Recalibration)
    seasoned_brands: frozenset[str] = frozenset()
    mode: str = "fixed"

    def audit_share_for(self, brands: Sequence[str]) -> float:
        """A post of a brand with too few audits yet is audited at the warm-up share."""
        if self.warmup or any(b not in self.seasoned_brands for b in brands):
            return self.warmup_share
        return self.audit_share

    def to_json(self) -> str:
        data = asdict(self)
        data["seasoned_brands"] = sorted(self.seasoned_brands)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Self:
        data = json.loads(text)
        calibration = data.pop("calibration")
        calibration["scale"] = tuple(calibration["scale"])
        calibration["bias"] = tuple(calibration["bias"])
        return cls(
            **{**data, "reasons": tuple(data["reasons"]), "seasoned_brands": frozenset(data["seasoned_brands"])},
            calibration=Recalibration(**calibration),
        )


class AuditSampler:
    """Draws audits among accepted posts; the caller takes the teacher budget for them after escalations."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def pick(self, candidates: Sequence[int], shares: Sequence[float]) -> list[int]:
        """The candidates drawn, each with its own probability (``shares`` aligned with ``candidates``)."""
        return [i for i, share in zip(candidates, shares, strict=True) if self._rng.random() < share]


class Steering:
    """Builds the next :class:`RoutingPlan` from recent posts and the teacher's answers."""

    def __init__(self, config: SteeringConfig) -> None:
        self.config = config

    def calibrate(self, pairs: Sequence[AuditPair], model_version: str, version: int) -> Recalibration:
        """A fresh live calibration for ``model_version``: on its own audits once it has enough, until
        then on the newest audits of any version.

        Audits only: they are a random draw of the accepted posts. Escalations are the student's
        least confident posts, and a map fitted on them (a prior shift above all) would be applied
        to every post, moving confident answers it never saw. A promoted student is a few epochs'
        fine-tune of the one before, and what the map mostly corrects (the stream's polarity mix,
        the student's over-confidence on a domain it has not learnt) outlives a swap; refitting from
        identity at every swap meant that, with a round every few hundred posts, no version ever
        collected enough audits and the live calibration never ran (measured in the stream replay).
        """
        chosen = self.calibration_pairs(pairs, model_version)
        fitted = fit_recalibration(
            np.array([p.probs for p in chosen]),
            np.array([p.teacher for p in chosen]),
            model_version=model_version,
            version=version,
            min_examples=self.config.min_calibration_labels,
        )
        return replace(fitted, newest_at=max((p.at for p in chosen), default=0.0))

    def refit_due(self, current: Recalibration, pairs: Sequence[AuditPair], model_version: str) -> bool:
        """Whether ``current`` should be refitted: another model version serves, or enough audits
        arrived after the newest it was fitted on (``REFIT_NEW_PAIRS``, or a tenth of what it saw).

        Counting arrivals rather than comparing counts matters on a busy stream: once the newest
        ``MAX_CALIBRATION_PAIRS`` fill the window both counts stay at the cap and a map compared by
        count would never be refitted again.
        """
        if current.model_version != model_version:
            return True
        fresh = sum(1 for p in self.calibration_pairs(pairs, model_version) if p.at > current.newest_at)
        return fresh >= max(REFIT_NEW_PAIRS, current.examples // 10)

    def calibration_pairs(self, pairs: Sequence[AuditPair], model_version: str) -> list[AuditPair]:
        """The audits :meth:`calibrate` fits on, newest last."""
        audits = [p for p in pairs if p.kind == "audit"]
        mine = [p for p in audits if p.model_version == model_version]
        return (mine if len(mine) >= self.config.min_calibration_labels else audits)[-MAX_CALIBRATION_PAIRS:]

    def _reasons(self, audits: Sequence[AuditPair], calibration: Recalibration) -> tuple[str, ...]:
        if len(audits) < self.config.warmup_audits:
            return ("new_model",)
        latest = sorted(audits, key=lambda p: p.at)[-self.config.drift_audits :]
        # What the calibration says the recorded answers' chance of matching the teacher was.
        recalibrated = calibration.apply(np.array([p.probs for p in latest]))
        predicted = float(recalibrated[np.arange(len(latest)), [p.student for p in latest]].mean())
        _, high = wilson(sum(p.agrees for p in latest), len(latest))
        return ("drift",) if predicted > high else ()

    def plan(
        self,
        recent_probs: np.ndarray,
        pairs: Sequence[AuditPair],
        model_version: str,
        calibration: Recalibration,
    ) -> RoutingPlan:
        """The plan for ``model_version``; ``calibration`` is the live one to route with."""
        c = self.config
        audit_share, warmup_share = c.audit_shares()
        audits = [p for p in pairs if p.kind == "audit" and p.model_version == model_version]
        reasons = self._reasons(audits, calibration)
        per_brand: dict[str, int] = {}
        for pair in audits:
            for brand in pair.brands:
                per_brand[brand] = per_brand.get(brand, 0) + 1
        seasoned = frozenset(b for b, n in per_brand.items() if n >= c.brand_warmup_audits)
        threshold = c.accept_threshold
        mode = "fixed"
        if c.steered:
            mode = "target" if c.target_accuracy is not None else "budget"
            probs = np.asarray(recent_probs, dtype=np.float64).reshape(-1, len(POLARITIES))
            confidence = calibration.apply(probs).max(axis=1) if len(probs) else np.zeros(0)
            audit = warmup_share if reasons else audit_share
            share = None if c.target_call_share is None else max(0.0, c.target_call_share - audit)
            threshold = choose_threshold(
                confidence,
                target_accuracy=c.target_accuracy,
                max_escalation_share=share,
                teacher_accuracy=c.teacher_accuracy,
                fitted_to_teacher=calibration.examples > 0,
            )
            if reasons:
                # Warm-up escalates more, but never past the call share.
                capped = choose_threshold(
                    confidence, target_accuracy=None, max_escalation_share=share, teacher_accuracy=c.teacher_accuracy
                )
                threshold = max(threshold, min(c.warmup_threshold, capped))
        return RoutingPlan(
            threshold=threshold,
            audit_share=audit_share,
            warmup_share=warmup_share,
            warmup=bool(reasons),
            reasons=reasons,
            calibration=calibration,
            seasoned_brands=seasoned,
            mode=mode,
        )

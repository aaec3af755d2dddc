"""The periodic job that keeps every worker's routing plan and the live accuracy report current.

Every ``SENTIMON_QUALITY_REFRESH_SECONDS`` each worker calls :meth:`QualitySteward.refresh`. One of
them (whoever takes the short Redis lease first) reads the window's answer pairs, tallies and recent
posts, refits the live calibration in a thread (a few hundred milliseconds of numpy), estimates the
accuracy, builds the plan and publishes all three; the others read the published plan. A worker that
cannot reach Redis keeps routing by the plan it has, so steering never stalls scoring.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np
from redis.exceptions import RedisError

from models.recalibration import Recalibration
from stream.metrics import WorkerMetrics
from stream.quality import AccuracyEstimator, AuditPair, QualityReport
from stream.quality_store import QualityStore
from stream.steering import (
    AuditSampler,
    RoutingPlan,
    Steering,
    SteeringConfig,
)

log = logging.getLogger(__name__)


def initial_plan(config: SteeringConfig, model_version: str) -> RoutingPlan:
    """Before any evidence: the fixed threshold (or the warm-up one when steering), audits at warm-up share."""
    threshold = max(config.accept_threshold, config.warmup_threshold) if config.steered else config.accept_threshold
    audit_share, warmup_share = config.audit_shares()
    return RoutingPlan(
        threshold=threshold,
        audit_share=audit_share,
        warmup_share=warmup_share,
        warmup=True,
        reasons=("new_model",),
        calibration=Recalibration.identity(model_version),
        mode="target" if config.target_accuracy is not None else "budget" if config.steered else "fixed",
    )


@dataclass
class LiveRouting:
    """What the post pipeline routes by: the current plan, the audit sampler and the shared store."""

    plan: RoutingPlan
    store: QualityStore
    sampler: AuditSampler = field(default_factory=AuditSampler)


def history_point(report: QualityReport, plan: RoutingPlan, model_version: str) -> dict[str, object]:
    """One compact point of the dashboard's quality-over-time chart."""
    overall = report.overall
    return {
        "at": report.at,
        "accepted": overall.accepted.as_dict() if overall.accepted else None,
        "cascade": overall.cascade.as_dict() if overall.cascade else None,
        "teacher_share": round(report.teacher_share, 4),
        "stale": report.stale,
        "model_version": model_version,
        "threshold": round(plan.threshold, 4),
        "warmup": plan.warmup,
        "reasons": list(plan.reasons),
        "calibration_version": plan.calibration.version,
        "calibration_kind": plan.calibration.kind,
    }


class QualitySteward:
    def __init__(
        self,
        live: LiveRouting,
        steering: Steering,
        estimator: AccuracyEstimator,
        metrics: WorkerMetrics,
        *,
        holder: str,
        refresh_seconds: float,
        window_seconds: float,
    ) -> None:
        self._live = live
        self._store = live.store
        self._steering = steering
        self._estimator = estimator
        self._metrics = metrics
        self._holder = holder
        self._refresh = refresh_seconds
        self._window = window_seconds

    async def refresh(self, model_version: str, now: float | None = None) -> RoutingPlan:
        """Recompute (if this worker holds the lease) or read the plan, and route by it from now on."""
        now = time.time() if now is None else now
        try:
            if await self._store.lease(self._holder, self._refresh * 0.9):
                plan = await self._recompute(model_version, now)
            else:
                plan = await self._store.plan() or self._live.plan
                report = await self._store.report()
                if report is not None:
                    self._metrics.set_quality(report)
        except RedisError as exc:
            log.warning("routing plan not refreshed (keeping the current one): %s", exc)
            return self._live.plan
        if plan.calibration.model_version not in ("", model_version):
            plan = initial_plan(self._steering.config, model_version)
        self._live.plan = plan
        self._metrics.set_plan(plan)
        return plan

    async def _recompute(self, model_version: str, now: float) -> RoutingPlan:
        pairs = await self._store.pairs(now - self._window)
        tallies = await self._store.tallies(now)
        recent = np.array(await self._store.recent_probs(model_version), dtype=np.float64)
        calibration = await self._calibration(pairs, model_version)
        plan = self._steering.plan(recent, pairs, model_version, calibration)
        report = self._estimator.estimate(pairs, tallies, now)
        as_dict = report.as_dict()
        await self._store.publish(plan, as_dict, history_point(report, plan, model_version))
        self._metrics.set_quality(as_dict)
        return plan

    async def _calibration(self, pairs: list[AuditPair], model_version: str) -> Recalibration:
        """The current calibration, refitted when the audits it would be fitted on have moved."""
        current = self._live.plan.calibration
        if not self._steering.refit_due(current, pairs, model_version):
            return current
        fitted = await asyncio.to_thread(self._steering.calibrate, pairs, model_version, 0)
        if fitted.kind == current.kind and fitted.kind == "identity" and current.model_version == model_version:
            # Still identity: no new calibration version to announce, but remember what was seen,
            # or the same audits would trigger a refit at every refresh.
            return replace(current, examples=fitted.examples, newest_at=fitted.newest_at)
        return replace(fitted, version=await self._store.next_calibration_version())

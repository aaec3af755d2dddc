"""What a worker tells Prometheus and the dashboard about itself.

Each worker process serves its own ``/metrics`` (a private registry, so tests running several
workers' code in one process do not collide) and every few seconds writes a one-line summary to
Redis (``Keys.stats_workers``), which is all the dashboard reads.

Two figures per partition, because they answer different questions:

* *in-flight lag*: the offset after the last message this worker read minus the offset it last
  committed: how much a crash would make it read again (about one batch);
* *backlog*: the partition's end offset minus the group's committed offset, both from the broker
  (:mod:`stream.backlog`): how much is waiting. On the embedded broker (Tansu) the end offset is
  low by at most one record batch. ``backlog_seconds`` is the time the backlog needs at the rate
  this worker handled its input since its last report (none while that rate is zero).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.metrics_core import Metric
from redis.asyncio import Redis

from sentimon.records import utcnow
from sentimon.redis_layout import Keys
from stream.backlog import PartitionBacklog, total
from stream.steering import RoutingPlan

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


@dataclass(frozen=True, slots=True)
class PartitionKey:
    topic: str
    partition: int


def in_flight_lag(
    read: Mapping[PartitionKey, int],
    committed: Mapping[PartitionKey, int],
    assigned: Iterable[PartitionKey],
) -> dict[PartitionKey, int]:
    """Per assigned partition: messages read but not yet committed (0 before the first read).

    ``read`` holds the offset of the last message read; ``committed`` the committed offset, which
    by Kafka convention is the offset of the *next* message to read.
    """
    lag = {}
    for tp in assigned:
        last = read.get(tp)
        if last is None:
            lag[tp] = 0
            continue
        lag[tp] = max(0, last + 1 - committed.get(tp, 0))
    return lag


def _drain_seconds(backlog: int, rate: float) -> float | None:
    if backlog == 0:
        return 0.0
    return round(backlog / rate, 1) if rate > 0 else None


class _Both:
    """The worker's own registry plus the process-wide one (teacher accounting, process stats)."""

    def __init__(self, *registries: CollectorRegistry) -> None:
        self._registries = registries

    def collect(self) -> Iterator[Metric]:
        for registry in self._registries:
            yield from registry.collect()


class WorkerMetrics:
    def __init__(self, role: str, worker_id: str) -> None:
        self.role = role
        self.worker_id = worker_id
        self.registry = CollectorRegistry()
        r = self.registry
        self.processed = Counter("sentimon_processed", "Messages taken from the role's input topic.", registry=r)
        self.verdicts = Counter("sentimon_verdicts", "Final verdicts published.", ["decided_by"], registry=r)
        self.latency = Histogram(
            "sentimon_verdict_latency_seconds",
            "From a post entering the worker to its verdict being acknowledged by the broker.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "sentimon_batch_size", "Messages per micro-batch.", buckets=BATCH_BUCKETS, registry=r
        )
        self.escalations = Counter("sentimon_escalations", "Posts sent to the teacher.", ["reason"], registry=r)
        self.budget_exhausted = Counter(
            "sentimon_budget_exhausted", "Uncertain posts kept by the student: teacher budget spent.", registry=r
        )
        self.deferrals = Counter(
            "sentimon_deferrals", "Thread replies by what deferral did with them.", ["outcome"], registry=r
        )
        self.dlq = Counter("sentimon_dlq", "Messages sent to the dead-letter topic.", ["reason"], registry=r)
        self.redelivered = Counter(
            "sentimon_redelivered", "Messages read again after a crash or rebalance, already handled.", registry=r
        )
        self.republished = Counter(
            "sentimon_republished",
            "Posts published again byte for byte at a new offset (a producer retrying), skipped.",
            registry=r,
        )
        self.lag = Gauge(
            "sentimon_consumer_lag",
            "Messages read but not committed yet, per partition (not end-of-partition lag; see module doc).",
            ["topic", "partition"],
            registry=r,
        )
        self.backlog = Gauge(
            "sentimon_backlog",
            "End offset minus the group's committed offset, per assigned partition of the role's main input.",
            ["topic", "partition"],
            registry=r,
        )
        self.model = Gauge("sentimon_model_info", "1 for the student version serving now.", ["version"], registry=r)
        self.audits = Counter("sentimon_audits", "Accepted posts sent to the teacher as audits.", registry=r)
        self.quality = Gauge(
            "sentimon_live_accuracy",
            "Live accuracy estimate from audits (teacher accuracy assumed): scope accepted|cascade, bound"
            " value|low|high; brand '' = all brands.",
            ["scope", "bound", "brand"],
            registry=r,
        )
        self.quality_stale = Gauge(
            "sentimon_live_accuracy_stale", "1 when no audit arrived recently: the estimate is old.", registry=r
        )
        self.quality_audits = Gauge("sentimon_live_accuracy_audits", "Audits in the estimate's window.", registry=r)
        self.teacher_share = Gauge(
            "sentimon_teacher_share", "Share of final verdicts the teacher decided in the window.", registry=r
        )
        self.threshold = Gauge("sentimon_routing_threshold", "Accept threshold routing uses now.", registry=r)
        self.warmup = Gauge(
            "sentimon_routing_warmup", "1 while routing warms up, by reason (new_model, drift).", ["reason"], registry=r
        )
        self.calibration = Gauge(
            "sentimon_calibration_version", "Live calibration version routing uses (0 = none yet).", registry=r
        )
        self.port: int | None = None
        self.processed_total = 0
        self.lag_total = 0
        self.backlog_total = 0
        self.partitions: list[str] = []
        self.model_version = ""
        self._rate_mark = (time.monotonic(), 0)

    def serve(self, port: int) -> int | None:
        """Start the HTTP endpoint (0 = any free port, -1 = none); returns the port bound."""
        if port < 0:
            return None
        server, _thread = start_http_server(port, addr="0.0.0.0", registry=_Both(self.registry, REGISTRY))
        self.port = int(server.server_port)
        return self.port

    def count_processed(self, n: int) -> None:
        self.processed_total += n
        self.processed.inc(n)
        self.batch_size.observe(n)

    def set_model(self, version: str) -> None:
        if version == self.model_version:
            return
        if self.model_version:
            self.model.remove(self.model_version)
        self.model.labels(version).set(1)
        self.model_version = version

    def set_quality(self, report: Mapping[str, Any]) -> None:
        """Gauges from a published live accuracy report (its JSON form, as every worker reads it)."""
        self.quality.clear()
        scopes = {"": report["overall"], **report.get("brands", {})}
        for brand, quality in scopes.items():
            for scope in ("accepted", "cascade"):
                estimate = quality.get(scope)
                for bound in ("value", "low", "high"):
                    if estimate is not None:
                        self.quality.labels(scope, bound, brand).set(estimate[bound])
        self.quality_stale.set(1 if report["stale"] else 0)
        self.quality_audits.set(report["overall"]["audits"])
        self.teacher_share.set(report["teacher_share"])

    def set_plan(self, plan: RoutingPlan) -> None:
        self.threshold.set(plan.threshold)
        self.calibration.set(plan.calibration.version)
        self.warmup.clear()
        for reason in plan.reasons:
            self.warmup.labels(reason).set(1)

    def set_lag(self, lag: Mapping[PartitionKey, int]) -> None:
        """Lag of the partitions assigned now: the keys are the current assignment."""
        self.partitions = sorted(f"{tp.topic}/{tp.partition}" for tp in lag)
        self.lag.clear()
        for tp, value in lag.items():
            self.lag.labels(tp.topic, str(tp.partition)).set(value)
        self.lag_total = sum(lag.values())

    def set_backlog(self, backlog: Sequence[PartitionBacklog]) -> None:
        """Backlog of the partitions assigned now (the group's other members report theirs)."""
        self.backlog.clear()
        for p in backlog:
            self.backlog.labels(p.topic, str(p.partition)).set(p.waiting)
        self.backlog_total = total(backlog)

    def summary(self) -> dict[str, object]:
        """The dashboard's line for this worker; the rate is over the time since the last call."""
        now = time.monotonic()
        then, count = self._rate_mark
        rate = (self.processed_total - count) / (now - then) if now > then else 0.0
        self._rate_mark = (now, self.processed_total)
        return {
            "role": self.role,
            "processed": self.processed_total,
            "posts_per_sec": round(rate, 2),
            "lag": self.lag_total,
            "backlog": self.backlog_total,
            "backlog_seconds": _drain_seconds(self.backlog_total, rate),
            "partitions": self.partitions,
            "model_version": self.model_version,
            "metrics_port": self.port,
            "at": utcnow().isoformat(),
        }

    async def publish(self, redis: Redis, keys: Keys) -> None:
        await redis.hset(keys.stats_workers, self.worker_id, json.dumps(self.summary()))

    async def withdraw(self, redis: Redis, keys: Keys) -> None:
        await redis.hdel(keys.stats_workers, self.worker_id)

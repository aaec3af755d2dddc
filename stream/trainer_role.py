"""The trainer role: teacher labels into the label store, and re-distillation rounds when due.

An agent on ``teacher-labels`` stores every answer (an upsert by post id, so a redelivered
message changes nothing); a timer starts a round once ``retrain_min_labels`` new labels are in,
or ``retrain_interval_minutes`` after the last round when any are. A round trains a network for
minutes, so it runs in a one-thread executor: the event loop keeps heartbeating, committing and
storing labels meanwhile, and the single thread plus the timer's own sequencing mean one round
at a time. That thread lowers its own priority (``train_nice``; on Linux niceness is per
thread, and the threads it starts inherit it) and trains on ``train_threads`` threads, so on a
small machine the scoring workers keep their latency while a round runs. On shutdown a round in
progress is abandoned at its next training step (see :meth:`Retrainer.abandon`), so the process
exits in seconds, leaving neither scratch files nor a registered version behind. A promotion is
announced on ``model-updates`` and in Redis for the dashboard (:mod:`stream.promotion`); the
workers themselves follow the registry's ``current`` pointer and swap between batches.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from redis.asyncio import Redis

from distill.label_store import LabelStore
from distill.redistill import RoundResult, run_round
from models.registry import Registry
from sentimon.records import TeacherLabel
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.dead_letters import INVALID_TEACHER_LABEL, DeadLetters
from stream.metrics import WorkerMetrics
from stream.promotion import announce, publish_models, report_round
from stream.roles import RoleContext
from stream.types import Incoming, Outbox

log = logging.getLogger(__name__)

# How often the timer asks whether a round is due; rounds themselves are far rarer.
CHECK_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class RetrainPolicy:
    """When a round is due, from the settings: enough new labels, or any once the interval has passed."""

    min_labels: int
    interval_seconds: float

    @classmethod
    def of(cls, settings: Settings) -> RetrainPolicy:
        return cls(settings.retrain_min_labels, settings.retrain_interval_minutes * 60)


def round_due(policy: RetrainPolicy, new_labels: int, waited_seconds: float, last_failed: bool) -> bool:
    """Enough new labels, or any once the interval has passed; after a failure, only the interval.

    A failed round leaves its labels new, so without the pause a persistent failure (a broken
    export, a full disk) would retrain every few seconds.
    """
    if new_labels >= policy.min_labels and not last_failed:
        return True
    return new_labels > 0 and waited_seconds >= policy.interval_seconds


def lower_priority(increment: int, idle_class: bool = False) -> None:
    """Raise the calling thread's nice value by ``increment``, and with ``idle_class`` move it to
    Linux's ``SCHED_IDLE`` class (niceness and scheduling class are per thread on Linux).

    Run as the training thread's initializer: PyTorch's intra-op threads are started by the first
    training step, from that thread, and inherit both, while the event loop's thread and any
    worker sharing the machine keep theirs. Nice 10 still gives training about a tenth of a core
    that scoring wants, and evicts its caches: a round beside a worker measured its p95 at 3.7×
    idle with nice alone, 2.4× in the idle class (``bench.stream_e2e``), where training runs on
    what scoring leaves.
    """
    if increment:
        os.nice(increment)
    if idle_class:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class Retrainer:
    """Stores labels as they come and decides when a round is due."""

    def __init__(
        self,
        settings: Settings,
        store: LabelStore,
        registry: Registry,
        outbox: Outbox,
        redis: Redis,
        metrics: WorkerMetrics,
    ) -> None:
        self._settings = settings
        self._store = store
        self._registry = registry
        self._outbox = outbox
        self._redis = redis
        self._keys = Keys(settings.redis_prefix)
        self._metrics = metrics
        self._policy = RetrainPolicy.of(settings)
        self._dead = DeadLetters(metrics, settings.max_message_bytes)
        # Below the workers' priority: a round may take longer, scoring latency must not.
        self._executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="redistill",
            initializer=lower_priority,
            initargs=(settings.train_nice, settings.train_idle_class),
        )
        self._stop = threading.Event()
        self._last_round = time.monotonic()  # the interval counts from start-up until a first round
        self.rounds: list[RoundResult] = []

    async def store_labels(self, batch: Sequence[Incoming]) -> None:
        """Upsert every valid label; a message that is not one goes to the DLQ with its reason."""
        labels, dead = self._dead.parse(batch, TeacherLabel, INVALID_TEACHER_LABEL)
        loop = asyncio.get_running_loop()
        # SQLite may wait for a round's brief write lock; never on the event loop.
        changed = await loop.run_in_executor(None, self._store.add, labels)
        await self._outbox.publish(self._settings.topic_dlq, dead)
        self._metrics.count_processed(len(batch))
        log.debug("stored %d teacher labels (%d new or changed)", len(labels), changed)

    def round_priority(self) -> tuple[int, int]:
        """The niceness and scheduling policy rounds run at (asked on the round thread, where they were set)."""
        return self._executor.submit(lambda: (os.nice(0), os.sched_getscheduler(0))).result()

    def stop(self) -> None:
        """Ask a round in progress to stop at its next step, and start no other; returns at once."""
        self._stop.set()

    def abandon(self) -> None:
        """:meth:`stop`, then wait until the round has ended (its scratch files gone)."""
        self.stop()
        self._executor.shutdown(wait=True)

    async def tick(self) -> RoundResult | None:
        """Run a round if one is due; returns its result (None when nothing was due)."""
        loop = asyncio.get_running_loop()
        new_labels = await loop.run_in_executor(None, self._store.count_new, self._settings.holdout_fraction)
        last_failed = bool(self.rounds) and self.rounds[-1].outcome == "failed"
        due = round_due(self._policy, new_labels, time.monotonic() - self._last_round, last_failed)
        if self._stop.is_set() or not due:
            return None
        log.info("re-distillation due: %d new teacher labels", new_labels)
        try:
            round_now = functools.partial(run_round, self._settings, self._store, self._registry, stop=self._stop)
            result = await loop.run_in_executor(self._executor, round_now)
        finally:
            self._last_round = time.monotonic()
        self.rounds.append(result)
        await report_round(self._redis, self._keys, result)
        if result.promoted:
            update = await announce(
                self._redis, self._keys, self._registry, result, self._outbox, self._settings.topic_model_updates
            )
            self._metrics.set_model(update.version)
        return result


async def trainer_role(ctx: RoleContext) -> None:
    """Store teacher labels; re-distil when enough are new; announce promotions."""
    settings = ctx.settings
    registry = Registry.of(settings)
    retrainer = Retrainer(settings, LabelStore(settings.label_store_path), registry, ctx.outbox, ctx.redis, ctx.metrics)
    current = registry.current()
    if current:
        ctx.metrics.set_model(current)
    await publish_models(ctx.redis, ctx.keys, registry)
    ctx.consume(ctx.topics.teacher_labels, "store-labels", retrainer.store_labels, max(settings.batch_size, 256))

    # At the signal, not at shutdown's turn: training holds the GIL enough to slow the loop, so the
    # sooner it stops, the sooner the consumer and the producer are closed.
    ctx.on_stop_signal.append(retrainer.stop)

    @ctx.app.on_before_shutdown.connect
    async def abandon_round(sender: object, **_: object) -> None:
        await asyncio.get_running_loop().run_in_executor(None, retrainer.abandon)

    ctx.every(min(CHECK_SECONDS, settings.retrain_interval_minutes * 60), "redistill", retrainer.tick)

"""The roles: each is a function that builds its pipelines and registers Faust agents and timers.

A process runs one role (``sentimon worker --role NAME``), so that each role has its own consumer
group and can be scaled on its own. Adding a role (the trainer, say) means writing one more
``async def role(ctx)`` and naming it in :data:`ROLES`; nothing else changes.

Agents consume in micro-batches with ``take_events`` (``take`` with the events, because the
dead-letter topic and the ledger need each message's partition and offset). Faust acknowledges a
batch once the loop body returns, so the body must not return before the batch is really done: an
infrastructure failure (Redis or the broker away for a moment) is retried on the same batch until
it succeeds, while a message that fails every time is found and dead-lettered
(:mod:`stream.poison`). Bad input never gets that far: it is a dead letter, not an exception.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import faust
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from faust.types import EventT
from redis.asyncio import Redis

from distill.registry import Registry
from sentimon.records import Alert
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.abandon import BatchAbandoned, StopLatch, leave_unacked
from stream.aggregates import Aggregator
from stream.alert_summary import Summarizer, SummaryConfig
from stream.backlog import BacklogProbe
from stream.deferral import Deferral
from stream.delivery import DeliveryConfig, Notifier
from stream.ledger import Ledger
from stream.metrics import PartitionKey, WorkerMetrics, in_flight_lag
from stream.pipeline import AggregatePipeline, DeadLetters, PostPipeline, TeacherPipeline
from stream.poison import PoisonGuard, failure
from stream.quality import AccuracyEstimator
from stream.quality_store import QualityStore
from stream.routing import TeacherBudget
from stream.scoring import BatchScorer, ModelHolder
from stream.steering import Steering, SteeringConfig
from stream.steward import LiveRouting, QualitySteward, initial_plan
from stream.topics import TopicNames
from stream.types import Incoming, OutMessage

log = logging.getLogger(__name__)

STATS_SECONDS = 2.0
AGGREGATE_WITHIN_SECONDS = 0.25
TEACH_BATCH_PER_SLOT = 8

Handler = Callable[[Sequence[Incoming]], Awaitable[object]]


class FaustOutbox:
    """Sends through the app's producer and waits for the broker's acknowledgements."""

    def __init__(self, app: faust.App) -> None:
        self._app = app

    async def publish(self, topic: str, messages: Sequence[OutMessage]) -> None:
        if not messages:
            return
        producer = self._app.producer
        pending = [
            await producer.send(topic, key.encode() if key is not None else None, value, None, None, None)
            for key, value in messages
        ]
        await asyncio.gather(*pending)


@dataclass
class RoleContext:
    """What every role gets: the app to register on, and the process's shared resources."""

    app: faust.App
    settings: Settings
    redis: Redis
    metrics: WorkerMetrics
    main_input: str = ""
    """The first topic the role consumes: the one its processed count, rate and backlog describe."""
    on_stop_signal: list[Callable[[], None]] = field(default_factory=list)
    """Called (on the event loop, must not block) the moment SIGTERM or SIGINT arrives."""

    def stop_signalled(self) -> None:
        for hook in self.on_stop_signal:
            hook()

    @property
    def keys(self) -> Keys:
        return Keys(self.settings.redis_prefix)

    @property
    def topics(self) -> TopicNames:
        return TopicNames.of(self.settings)

    @property
    def outbox(self) -> FaustOutbox:
        return FaustOutbox(self.app)

    def ledger(self) -> Ledger:
        return Ledger(self.redis, self.keys, self.settings.context_ttl_seconds)

    def consume(self, topic: str, name: str, handle: Handler, batch_size: int, within: float | None = None) -> None:
        """Register an agent that hands ``topic`` to ``handle`` in micro-batches, retrying failures."""
        self.main_input = self.main_input or topic
        channel = self.app.topic(topic, value_type=bytes, key_type=bytes)
        within = within or self.settings.batch_within
        dead = DeadLetters(self.metrics, self.settings.max_message_bytes)
        outbox, dlq = self.outbox, self.topics.dlq

        async def set_aside(message: Incoming, error: BaseException) -> None:
            await outbox.publish(dlq, [dead.letter(message, failure(error))])

        guard = PoisonGuard(name, handle, set_aside, self.settings.poison_attempts)

        async def agent(stream: faust.StreamT[bytes]) -> None:
            async for events in stream.take_events(batch_size, within=within):
                try:
                    await guard.run([incoming(event) for event in events])
                except BatchAbandoned as abandoned:
                    leave_unacked(events)
                    log.info("%s: %s; the batch of %d is read again after the next start", name, abandoned, len(events))

        agent.__name__ = agent.__qualname__ = name
        self.app.agent(channel, name=name)(agent)

    def every(self, seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """A periodic job whose failures are logged and do not stop the next run."""

        async def timer() -> None:
            try:
                await job()
            except Exception:
                log.exception("%s failed; will run again in %.1f s", name, seconds)

        timer.__name__ = timer.__qualname__ = name
        self.app.timer(seconds, name=name)(timer)


def incoming(event: EventT) -> Incoming:
    message = event.message
    return Incoming(message.topic, message.partition, message.offset, message.key, message.value)


async def worker_role(ctx: RoleContext) -> None:
    """Score posts; keep the aggregates from the verdicts; time out deferred replies; hot-swap models."""
    settings = ctx.settings
    registry = Registry(settings.registry_dir, keep=settings.model_keep)
    if registry.current() is None:
        # Only a bare install gets here (``sentimon up`` bootstraps first); training needs torch,
        # which a worker serving an existing model never imports.
        from distill.bootstrap import ensure_default_student

        ensure_default_student(settings)
    scorer = BatchScorer(ModelHolder(settings, registry))
    ctx.metrics.set_model(scorer.holder.version)
    steering = Steering(SteeringConfig.from_settings(settings))
    store = QualityStore.of(ctx.redis, settings)
    live = LiveRouting(initial_plan(steering.config, scorer.holder.version), store)
    steward = QualitySteward(
        live,
        steering,
        AccuracyEstimator(
            settings.teacher_assumed_accuracy, settings.quality_window_seconds, settings.quality_stale_seconds
        ),
        ctx.metrics,
        holder=ctx.metrics.worker_id,
        refresh_seconds=settings.quality_refresh_seconds,
        window_seconds=settings.quality_window_seconds,
    )
    posts = PostPipeline(
        settings,
        ctx.outbox,
        scorer,
        ctx.ledger(),
        Deferral(ctx.redis, ctx.keys, settings),
        TeacherBudget(ctx.redis, ctx.keys, settings),
        ctx.metrics,
        live,
    )
    aggregates = AggregatePipeline(
        settings, ctx.outbox, Aggregator(ctx.redis, ctx.keys, settings), ctx.metrics, alert_followers(ctx)
    )
    ctx.consume(ctx.topics.posts, "score-posts", posts.handle, settings.batch_size)
    # Aggregates are read every few seconds: larger, rarer batches leave the event loop to scoring.
    ctx.consume(ctx.topics.verdicts, "aggregate-verdicts", aggregates.handle, 512, within=AGGREGATE_WITHIN_SECONDS)
    sweep_seconds = min(1.0, max(0.1, settings.defer_max_seconds / 4))
    ctx.every(sweep_seconds, "sweep-deferred", posts.sweep)

    async def poll_model() -> None:
        if await scorer.refresh():
            ctx.metrics.set_model(scorer.holder.version)

    ctx.every(settings.model_poll_seconds, "poll-model", poll_model)

    async def steer() -> None:
        await steward.refresh(scorer.holder.version)

    ctx.every(settings.quality_refresh_seconds, "steer-routing", steer)


def alert_followers(ctx: RoleContext) -> list[Callable[[Sequence[Alert]], None]]:
    """What happens to a new alert besides the alerts topic: webhooks and an LLM summary, when configured."""
    settings = ctx.settings
    followers: list[Callable[[Sequence[Alert]], None]] = []
    if settings.alert_webhooks:
        dead_letters = functools.partial(ctx.outbox.publish, ctx.topics.dlq)
        followers.append(Notifier(ctx.redis, ctx.keys, DeliveryConfig.of(settings), dead_letters).submit)
    summaries = SummaryConfig.of(settings)
    if summaries is not None:
        followers.append(Summarizer(ctx.redis, ctx.keys, summaries).submit)
    return followers


async def teacher_role(ctx: RoleContext) -> None:
    """Ask the teacher about escalated posts; publish their final verdicts and the teacher labels."""
    from stream.teacher_factory import build_teacher
    from stream.teaching import TeacherDesk

    settings = ctx.settings
    built = await build_teacher(settings)
    stop = StopLatch()  # at stop, posts waiting on the teacher are given up and read again (stream/abandon.py)
    ctx.on_stop_signal.append(stop.stop)
    desk = TeacherDesk(settings, ctx.redis, built, stop)
    teacher = TeacherPipeline(settings, ctx.outbox, desk, ctx.ledger(), ctx.metrics)
    # More posts per batch than requests in flight: the rest queue by deadline (models.teacher.slots), so a
    # hanging teacher makes them fall back at their own deadlines instead of being read only after it.
    batch = settings.teacher_concurrency * TEACH_BATCH_PER_SLOT
    ctx.consume(ctx.topics.escalations, "teach", teacher.handle, batch)

    async def name_teacher() -> None:
        # Once Faust has set up logging: the log should say which teacher labels these posts.
        log.info("teacher: %s", built.name)

    ctx.app.task(name_teacher)


async def trainer_role(ctx: RoleContext) -> None:
    """Store teacher labels; re-distil and promote the student when due (see stream/trainer_role.py)."""
    from stream.trainer_role import trainer_role as run  # training imports torch: only this role pays

    await run(ctx)


ROLES: dict[str, Callable[[RoleContext], Awaitable[None]]] = {
    "worker": worker_role,
    "teacher": teacher_role,
    "trainer": trainer_role,
}


def add_stats(ctx: RoleContext) -> None:
    """Every role reports its lag and throughput to Prometheus and to the dashboard."""
    app, metrics = ctx.app, ctx.metrics
    probe = BacklogProbe(ctx.settings.broker_url)

    async def report() -> None:
        monitor = app.monitor
        read = {PartitionKey(tp.topic, tp.partition): o for tp, o in monitor.tp_read_offsets.items()}
        committed = {PartitionKey(tp.topic, tp.partition): o for tp, o in monitor.tp_committed_offsets.items()}
        assigned = [PartitionKey(tp.topic, tp.partition) for tp in app.consumer.assignment()]
        metrics.set_lag(in_flight_lag(read, committed, assigned))
        mine = [TopicPartition(tp.topic, tp.partition) for tp in assigned if tp.topic == ctx.main_input]
        try:
            async with asyncio.timeout(STATS_SECONDS):
                metrics.set_backlog(await probe.measure(app.conf.id, mine))
        except (TimeoutError, KafkaError) as exc:
            log.warning("backlog not measured this time: %r", exc)
        await metrics.publish(ctx.redis, ctx.keys)

    @app.on_before_shutdown.connect
    async def close_probe(sender: object, **_: object) -> None:
        await probe.close()

    ctx.every(STATS_SECONDS, "report-stats", report)

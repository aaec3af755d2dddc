"""The roles: each is a function that builds its pipelines and registers Faust agents and timers.

A process runs one role (``sentimon worker --role NAME``), so that each role has its own consumer
group and can be scaled on its own. Adding a role (the trainer, say) means writing one more
``async def role(ctx)`` and naming it in :data:`ROLES`; nothing else changes. What a role is
given, and how its agents consume, is in :mod:`stream.roles`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from models.registry import Registry
from models.student import RuntimeOptions
from sentimon.records import Alert
from stream.abandon import StopLatch
from stream.aggregates import Aggregator
from stream.alert_summary import Summarizer, SummaryConfig
from stream.backlog import BacklogProbe
from stream.deferral import Deferral
from stream.delivery import DeliveryConfig, Notifier
from stream.metrics import PartitionKey, in_flight_lag
from stream.pipeline import AggregatePipeline, PostPipeline, TeacherPipeline
from stream.quality import AccuracyEstimator
from stream.quality_store import QualityStore
from stream.roles import RoleContext
from stream.routing import TeacherBudget
from stream.scoring import BatchScorer, ModelHolder
from stream.steering import Steering, SteeringConfig
from stream.steward import LiveRouting, QualitySteward, initial_plan

log = logging.getLogger(__name__)

STATS_SECONDS = 2.0
AGGREGATE_WITHIN_SECONDS = 0.25
TEACH_BATCH_PER_SLOT = 8


async def worker_role(ctx: RoleContext) -> None:
    """Score posts; keep the aggregates from the verdicts; time out deferred replies; hot-swap models."""
    settings = ctx.settings
    # Serving never trains: with no student registered the holder refuses to start, naming
    # `sentimon bootstrap` (which `sentimon up` and compose's one-shot service run before any worker).
    scorer = BatchScorer(ModelHolder(Registry.of(settings), RuntimeOptions.of(settings)), settings.pipeline_depth)
    ctx.metrics.set_model(scorer.holder.version)
    steering = Steering(SteeringConfig.of(settings))
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
    ctx.consume(ctx.topics.posts, "score-posts", posts.handle, settings.batch_size, depth=settings.pipeline_depth)
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

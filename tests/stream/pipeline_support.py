"""The pipelines without Faust or a broker: an outbox that keeps what they publish, and batches as the agents hand them over."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.deferral import Deferral
from stream.ledger import Ledger
from stream.metrics import WorkerMetrics
from stream.pipeline import PostPipeline
from stream.routing import TeacherBudget
from stream.scoring import BatchScorer
from stream.steward import LiveRouting
from stream.types import Incoming, OutMessage


class ListOutbox:
    """Keeps what the pipelines publish, by topic."""

    def __init__(self) -> None:
        self.sent: dict[str, list[OutMessage]] = {}

    async def publish(self, topic: str, messages: Sequence[OutMessage]) -> None:
        self.sent.setdefault(topic, []).extend(messages)

    def take(self, topic: str) -> list[OutMessage]:
        return self.sent.pop(topic, [])


def incoming(topic: str, messages: Sequence[OutMessage], first_offset: int = 0) -> list[Incoming]:
    return [
        Incoming(topic, 0, first_offset + i, key.encode() if key else None, value)
        for i, (key, value) in enumerate(messages)
    ]


def post_pipeline(
    settings: Settings,
    aredis: Redis,
    outbox: ListOutbox,
    scorer: BatchScorer,
    metrics: WorkerMetrics,
    live: LiveRouting,
) -> PostPipeline:
    """The worker's post pipeline on real Redis, publishing into ``outbox``."""
    keys = Keys(settings.redis_prefix)
    return PostPipeline(
        settings,
        outbox,
        scorer,
        Ledger(aredis, keys, settings.context_ttl_seconds),
        Deferral(aredis, keys, settings),
        TeacherBudget(aredis, keys, settings),
        metrics,
        live,
    )

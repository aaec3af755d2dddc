"""Backlog: how many messages a consumer group has still to handle, per partition.

Backlog is the partition's end offset minus the group's committed offset, both asked of the
broker. It is not the in-flight lag of :mod:`stream.metrics` (read but not yet committed), which
stays near one batch however much is waiting.

On the embedded broker (Tansu) the end offset it reports is the first offset of the partition's
last record batch + 1, not the offset after its last record: the backlog shown there is low by
at most one producer batch (a few hundred posts at most under load; exact when producers send
one record per request). Apache Kafka reports the exact end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from sentimon.settings import Settings
from stream.app import group_id
from stream.topics import bootstrap_servers


@dataclass(frozen=True, slots=True)
class PartitionBacklog:
    topic: str
    partition: int
    end: int
    committed: int | None
    """The group's committed offset; None when it never committed here (it then starts at ``start``)."""
    start: int = 0

    @property
    def waiting(self) -> int:
        return max(0, self.end - (self.start if self.committed is None else self.committed))


def total(backlog: Sequence[PartitionBacklog]) -> int:
    return sum(p.waiting for p in backlog)


class BacklogProbe:
    """An admin client and a group-less consumer, opened on first use and kept to measure again and again.

    Opened lazily because aiokafka clients belong to the event loop running when they are made.
    """

    def __init__(self, broker_url: str, request_timeout_ms: int = 5000) -> None:
        self._servers = bootstrap_servers(broker_url)
        self._timeout_ms = request_timeout_ms
        self._clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer] | None = None

    async def _open(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._clients is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._servers, request_timeout_ms=self._timeout_ms)
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._servers,
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=self._timeout_ms,
            )
            await admin.start()
            try:
                await consumer.start()
            except BaseException:
                await admin.close()
                raise
            self._clients = (admin, consumer)
        return self._clients

    async def close(self) -> None:
        if self._clients is not None:
            admin, consumer = self._clients
            self._clients = None
            await consumer.stop()
            await admin.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        _admin, consumer = await self._open()
        await consumer.topics()  # refreshes the metadata the partition lists come from
        found = []
        for topic in topics:
            found += [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return found

    async def measure(self, group: str, partitions: Sequence[TopicPartition]) -> list[PartitionBacklog]:
        """The backlog of ``group`` on each of ``partitions``."""
        if not partitions:
            return []
        admin, consumer = await self._open()
        listed = list(partitions)
        ends = await consumer.end_offsets(listed)
        starts = await consumer.beginning_offsets(listed)
        committed = await admin.list_consumer_group_offsets(group, partitions=listed)
        backlog = []
        for tp in listed:
            meta = committed.get(tp)
            offset = meta.offset if meta is not None and meta.offset >= 0 else None
            backlog.append(PartitionBacklog(tp.topic, tp.partition, ends[tp], offset, starts[tp]))
        return backlog


@dataclass(frozen=True, slots=True)
class Undecided:
    """Posts without a verdict yet: unread by the scoring workers, or escalated and not yet taught."""

    posts: int
    escalations: int

    @property
    def total(self) -> int:
        return self.posts + self.escalations


async def undecided(settings: Settings) -> Undecided:
    """What the scoring and teacher groups have not committed (replies parked in Redis aside)."""
    async with BacklogProbe(settings.broker_url) as probe:
        posts = await probe.measure(group_id(settings, "worker"), await probe.partitions([settings.topic_posts]))
        taught = await probe.partitions([settings.topic_escalations])
        escalations = await probe.measure(group_id(settings, "teacher"), taught)
    return Undecided(total(posts), total(escalations))

"""Backlog on a real Tansu: end offset minus the group's committed offset, per partition."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from sentimon.settings import Settings
from stream.backlog import BacklogProbe, total
from stream.metrics import WorkerMetrics
from stream.topics import bootstrap_servers, ensure_topics
from tests.fixtures.broker import on_broker


async def test_backlog_is_what_the_group_has_not_committed_yet(broker: str, settings: Settings) -> None:
    cfg = on_broker(settings, broker).model_copy(update={"topic_partitions": 3})
    await ensure_topics(cfg)
    servers = bootstrap_servers(cfg.broker_url)
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        # One record per request: Tansu's end offset is then exact (it is low by the last batch's size minus one).
        for i in range(90):
            await producer.send_and_wait(cfg.topic_posts, b"{}", partition=i % 3)
    finally:
        await producer.stop()
    group = f"{cfg.app_id}-backlog-test"

    async with BacklogProbe(cfg.broker_url) as probe:
        partitions = await probe.partitions([cfg.topic_posts])
        assert len(partitions) == 3
        before = await probe.measure(group, partitions)
        assert [(p.end, p.committed, p.waiting) for p in before] == [(30, None, 30)] * 3

        consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning()
            await consumer.commit({TopicPartition(cfg.topic_posts, 0): 30, TopicPartition(cfg.topic_posts, 1): 12})
        finally:
            await consumer.stop()
        after = await probe.measure(group, partitions)
        assert [p.waiting for p in after] == [0, 18, 30]
        assert total(after) == 48

    metrics = WorkerMetrics("worker", "w-test")
    metrics.set_backlog(after)
    assert metrics.summary()["backlog"] == 48 and metrics.summary()["backlog_seconds"] is None  # no rate yet
    metrics.count_processed(12)
    summary = metrics.summary()
    assert summary["backlog_seconds"] == pytest.approx(48 / summary["posts_per_sec"], rel=0.01, abs=0.1)  # type: ignore[operator]

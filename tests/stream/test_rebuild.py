"""Rebuild from a real Tansu: Redis loses everything, the verdicts topic brings every aggregate back."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
import redis
from aiokafka import AIOKafkaProducer
from click.testing import CliRunner

from cli import main
from sentimon.records import Alert, Verdict
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.aggregates import Aggregator
from stream.alerts import SpikeDetector
from stream.rebuild import rebuild
from stream.topics import bootstrap_servers, ensure_topics
from tests.fixtures.broker import on_broker, read_topic, settings_env
from tests.stream.aggregate_support import T0, async_client, dump, random_verdicts


async def test_rebuild_after_redis_lost_gives_back_every_aggregate_and_alert(
    broker: str, settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    cfg = on_broker(settings, broker)
    await ensure_topics(cfg)
    verdicts = random_verdicts(random.Random(7), 500, span_seconds=2 * 3600)
    redelivered = verdicts[:40]
    alert = Alert(
        brand="acme", window="1m", window_start=T0 + timedelta(minutes=3), kind="volume",
        value=40, baseline_mean=10, baseline_std=3.2, z=9.4, volume=40, post_ids=["p1", "p2"],
    )  # fmt: skip

    # The live path: the aggregator counts, the alert is stored and published.
    client = async_client()
    await Aggregator(client, keys, cfg).apply(verdicts)
    assert await SpikeDetector(client, keys, cfg).record([alert]) == [alert]
    live = dump(redis_client, keys.prefix)

    # Linger makes many verdicts share a record batch: Tansu then reports each partition's end
    # inside the last batch, which the rebuild must read past.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(cfg.broker_url), linger_ms=100)
    await producer.start()
    try:
        for v in [*verdicts, *redelivered]:
            await producer.send(cfg.topic_verdicts, v.to_bytes(), key=v.post_id.encode())
        await producer.send(cfg.topic_verdicts, b"{not a verdict", key=b"bad")
        await producer.send(cfg.topic_alerts, alert.to_bytes(), key=alert.brand.encode())
        await producer.flush()
    finally:
        await producer.stop()

    for key in redis_client.scan_iter(f"{keys.prefix}:*"):
        redis_client.delete(key)
    assert await rebuild(cfg, idle_seconds=3.0) == len(verdicts) + len(redelivered)
    assert dump(redis_client, keys.prefix) == live

    # A rebuild also repairs aggregates that went wrong, without touching alerts.
    damaged = keys.agg("1h", "acme", int(T0.timestamp()))
    redis_client.hincrby(damaged, "volume", 1000)
    redis_client.sadd(keys.brands, "ghost")
    await rebuild(cfg, idle_seconds=3.0)
    assert dump(redis_client, keys.prefix) == live
    await client.aclose()


async def test_rebuild_of_an_empty_topic_leaves_empty_aggregates(
    broker: str, settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    cfg = on_broker(settings, broker)
    await ensure_topics(cfg)
    redis_client.sadd(keys.brands, "stale")
    assert await rebuild(cfg, idle_seconds=1.0) == 0
    assert list(redis_client.scan_iter(f"{keys.prefix}:*")) == []


def test_command_refuses_a_missing_topic_and_rebuilds_an_existing_one(
    broker: str, settings: Settings, keys: Keys, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = on_broker(settings, broker)
    for name, value in settings_env(cfg).items():
        monkeypatch.setenv(name, value)
    redis_client.sadd(keys.brands, "kept")

    refused = CliRunner().invoke(main, ["rebuild-aggregates", "--idle-seconds", "1"])
    assert refused.exit_code == 1 and "nothing was wiped" in refused.output
    assert redis_client.smembers(keys.brands) == {"kept"}

    asyncio.run(ensure_topics(cfg))
    done = CliRunner().invoke(main, ["rebuild-aggregates", "--idle-seconds", "1"])
    assert done.exit_code == 0, done.output
    assert "from 0 verdicts" in done.output
    assert not redis_client.exists(keys.brands)


async def test_rebuild_keeps_the_newest_posts_by_event_time_across_partitions(
    broker: str, settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    cfg = on_broker(settings, broker).model_copy(update={"recent_posts": 15, "topic_partitions": 3})
    await ensure_topics(cfg)
    verdicts = random_verdicts(random.Random(11), 300, span_seconds=6 * 3600)
    # Sent oldest first, keyed by post id: every partition holds posts from the whole span, so
    # reading partitions one after another is far from event-time order.
    verdicts.sort(key=lambda v: v.created_at)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(cfg.broker_url), linger_ms=50)
    await producer.start()
    try:
        for v in [*verdicts, *verdicts[-30:]]:
            await producer.send(cfg.topic_verdicts, v.to_bytes(), key=v.post_id.encode())
        await producer.flush()
    finally:
        await producer.stop()
    sent = await read_topic(cfg.broker_url, cfg.topic_verdicts, lambda records: len(records) >= len(verdicts) + 30)
    assert len({record.partition for record in sent}) == 3
    assert await rebuild(cfg, idle_seconds=3.0) == len(verdicts) + 30

    for brand in ("acme", "globex", "initech", "(none)"):
        mine = [v for v in verdicts if (brand in v.brand) or (brand == "(none)" and not v.brand)]
        newest = sorted(mine, key=lambda v: (v.created_at, v.post_id), reverse=True)[:15]
        listed = [Verdict.model_validate_json(raw).post_id for raw in redis_client.lrange(keys.recent(brand), 0, -1)]
        assert listed == [v.post_id for v in newest], brand
        assert redis_client.ttl(keys.recent(brand)) > 0

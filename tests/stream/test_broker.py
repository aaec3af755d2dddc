"""The embedded broker and topic creation, on real Tansu processes."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from sentimon.settings import Settings
from stream.broker import Broker, BrokerError, free_port
from stream.topics import TopicNames, bootstrap_servers, ensure_topics
from tests.fixtures.broker import on_broker


def test_broker_starts_on_a_free_port_and_stops_cleanly() -> None:
    broker = Broker().start()
    try:
        assert broker.running and broker.url == f"kafka://127.0.0.1:{broker.port}"
    finally:
        broker.stop()
    assert not broker.running


def test_a_broker_that_cannot_start_says_so() -> None:
    with pytest.raises(BrokerError, match="exited"):
        Broker(port=free_port(), storage="nonsense://x/").start(timeout=10)


@pytest.mark.parametrize(
    ("url", "servers"),
    [
        ("kafka://127.0.0.1:9092", "127.0.0.1:9092"),
        ("kafka://a:1;kafka://b:2", "a:1,b:2"),
        ("a:1,b:2", "a:1,b:2"),
    ],
)
def test_bootstrap_servers_from_a_faust_url(url: str, servers: str) -> None:
    assert bootstrap_servers(url) == servers


async def test_topics_are_created_once_with_the_configured_partitions(settings: Settings, broker: str) -> None:
    settings = on_broker(settings, broker).model_copy(update={"topic_partitions": 3})
    names = TopicNames.of(settings).all()
    assert sorted(await ensure_topics(settings)) == sorted(names)
    assert await ensure_topics(settings) == []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(broker))
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == dict.fromkeys(names, 3)

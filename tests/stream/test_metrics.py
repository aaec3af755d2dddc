"""Worker metrics: in-flight lag, the Prometheus endpoint, and the dashboard's line in Redis."""

from __future__ import annotations

import json

import httpx
from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from stream.metrics import PartitionKey, WorkerMetrics, in_flight_lag

A0, A1, A2 = (PartitionKey("posts", p) for p in range(3))


def test_lag_is_read_but_not_yet_committed() -> None:
    read = {A0: 99, A1: 10, PartitionKey("posts", 9): 5}
    committed = {A0: 100, A1: 4}
    # A0 fully committed; A1 read up to 10, committed up to (not including) 4; A2 nothing read yet.
    assert in_flight_lag(read, committed, [A0, A1, A2]) == {A0: 0, A1: 7, A2: 0}


def test_lag_before_the_first_commit_counts_everything_read() -> None:
    assert in_flight_lag({A0: 41}, {}, [A0]) == {A0: 42}


async def test_endpoint_and_summary(aredis: Redis, keys: Keys) -> None:
    metrics = WorkerMetrics("worker", "worker@test:1")
    port = metrics.serve(0)
    assert port
    metrics.count_processed(8)
    metrics.latency.observe(0.03)
    metrics.set_model("v0001")
    metrics.set_model("v0002")
    metrics.set_lag({A0: 3, A1: 1})

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "sentimon_processed_total 8.0" in text
    assert 'sentimon_consumer_lag{partition="0",topic="posts"} 3.0' in text
    assert 'sentimon_model_info{version="v0002"} 1.0' in text and "v0001" not in text
    assert "python_info" in text  # the process-wide registry is served too

    await metrics.publish(aredis, keys)
    line = json.loads(await aredis.hget(keys.stats_workers, "worker@test:1"))
    assert line["processed"] == 8 and line["lag"] == 4 and line["model_version"] == "v0002"
    assert line["partitions"] == ["posts/0", "posts/1"] and line["metrics_port"] == port
    await metrics.withdraw(aredis, keys)
    assert not await aredis.hexists(keys.stats_workers, "worker@test:1")


def test_a_negative_port_serves_nothing() -> None:
    assert WorkerMetrics("worker", "w").serve(-1) is None

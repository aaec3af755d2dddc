"""Shared by the end-to-end stream tests: publishing, and checking verdicts and aggregates."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import redis

from sentimon.records import Post, Verdict
from sentimon.redis_layout import SCORE_SUM, Keys
from sentimon.settings import Settings
from stream.producer import Publisher
from stream.topics import ensure_topics
from tests.fixtures.broker import WorkerProcess, distinct_ids, read_topic, verdicts_of
from tests.stream.aggregate_support import expected_counts
from tests.stream.posts import gold_file


def with_oracle(settings: Settings, posts: list[Post], tmp_path: Path, **update: object) -> Settings:
    """``settings`` with the oracle teacher answering these posts' gold labels, and ``update`` on top."""
    gold = str(gold_file(posts, tmp_path / "gold.jsonl"))
    return settings.model_copy(update={"teacher_backends": ["oracle"], "teacher_oracle_file": gold, **update})


async def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.2)


def posts_partitions(worker: WorkerProcess, settings: Settings) -> set[str]:
    """The partitions of the posts topic the worker last reported holding."""
    stats = worker.stats() or {}
    return {p for p in stats.get("partitions", []) if p.startswith(f"{settings.topic_posts}/")}


async def publish(settings: Settings, posts: list[Post] | list[bytes], rate: float | None = None) -> None:
    await ensure_topics(settings)
    async with Publisher(settings.broker_url, settings.topic_posts) as publisher:
        await publisher.publish([p if isinstance(p, bytes) else p.to_bytes() for p in posts], rate)


async def all_verdicts(settings: Settings, count: int, timeout: float = 90.0, idle: float = 1.5) -> list[Verdict]:
    """Every verdict once ``count`` distinct posts have one, read on for ``idle`` s to catch late repeats."""
    records = await read_topic(settings.broker_url, settings.topic_verdicts, distinct_ids(count), timeout, idle)
    return verdicts_of(records)


def aggregate_state(settings: Settings) -> dict[tuple[str, str, int], Counter[str]]:
    """Counter fields of every aggregate hash of this test, score sums left out."""
    keys = Keys(settings.redis_prefix)
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        state = {}
        for key in client.scan_iter(keys.agg("*", "*", "*"), count=1000):
            _, _, window, brand, start = key.rsplit(":", 4)
            fields = client.hgetall(key)
            state[(brand, window, int(start))] = Counter(
                {field: int(value) for field, value in fields.items() if field != SCORE_SUM}
            )
        return state
    finally:
        client.close()


async def assert_aggregates_match(settings: Settings, verdicts: list[Verdict], timeout: float = 15.0) -> None:
    """The Redis aggregates equal the counts computed straight from the verdicts (each post once)."""
    expected = {slot: Counter(dict(c)) for slot, c in expected_counts(verdicts, settings.windows).items()}
    deadline = time.monotonic() + timeout
    while True:
        state = aggregate_state(settings)
        if state == expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    assert state == expected

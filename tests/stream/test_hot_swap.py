"""A model promoted mid-stream is swapped in between batches: no post lost, none scored twice.

A real worker process scores a paced stream on the real broker; halfway through, a new version is
registered and promoted. Every post must end with exactly one verdict, the verdicts must name
both versions, and within each partition the old version must never follow the new one.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

import pytest

from models.registry import Registry
from sentimon.records import Verdict
from sentimon.settings import Settings
from stream.producer import Publisher
from stream.topics import ensure_topics
from tests.fixtures.broker import read_topic, verdicts_of
from tests.stream.posts import make_posts

pytestmark = pytest.mark.slow

POSTS = 600
RATE = 150.0  # posts per second: the swap lands while batches are being scored


async def test_hot_swap_under_load_keeps_exactly_one_verdict_per_post(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings.model_copy(update={"accept_threshold": 0.0, "model_poll_seconds": 0.2})
    registry = Registry.of(settings)
    old = registry.current()
    assert old is not None
    worker = start_worker(settings)
    worker.wait_assigned()
    posts = make_posts(POSTS, tag="swap")
    await ensure_topics(settings)

    async def swap_midway() -> str:
        # Wait until the stream is flowing through the old model, then promote a new version.
        await asyncio.to_thread(worker.wait_for, lambda s: int(s["processed"]) >= POSTS // 3, 60)
        new = registry.register(registry.path(old), registry.manifest(old))
        registry.promote(new)
        return new

    async with Publisher(settings.broker_url, settings.topic_posts) as publisher:
        publishing = asyncio.create_task(publisher.publish([p.to_bytes() for p in posts], RATE))
        new = await swap_midway()
        swapped = await asyncio.to_thread(worker.wait_for, lambda s: s["model_version"] == new, 30)
        assert int(swapped["processed"]) < POSTS, "the stream ended before the swap: nothing tested"
        await publishing

    records = await read_topic(
        settings.broker_url, settings.topic_verdicts, lambda rs: len({r.key for r in rs}) >= POSTS, 90, idle=2.0
    )
    verdicts = verdicts_of(records)

    assert Counter(v.post_id for v in verdicts) == Counter(p.id for p in posts)  # one each, none missing
    assert {v.model_version for v in verdicts} == {old, new}
    by_partition: dict[int, list[Verdict]] = defaultdict(list)
    for record, verdict in zip(records, verdicts, strict=True):
        by_partition[record.partition].append(verdict)
    for partition, in_order in by_partition.items():
        versions = [v.model_version for v in in_order]
        first_new = versions.index(new) if new in versions else len(versions)
        assert set(versions[first_new:]) <= {new}, f"partition {partition}: the old model scored after the new one"
    assert worker.alive()

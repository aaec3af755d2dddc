"""The whole stream on a real Tansu, real Redis and the tiny ONNX student, with workers as processes."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from pathlib import Path

import httpx
import pytest

from models.registry import Registry
from sentimon.records import DlqRecord, Post
from sentimon.settings import Settings
from stream.broker import Broker, S3Server
from tests.fixtures.broker import WorkerProcess, distinct_ids, on_broker, read_topic
from tests.fixtures.student import NEGATIVE_TEXT, POSITIVE_TEXT
from tests.stream.e2e_support import (
    all_verdicts,
    assert_aggregates_match,
    posts_partitions,
    publish,
    wait_until,
    with_oracle,
)
from tests.stream.malformed import MALFORMED
from tests.stream.posts import make_posts

pytestmark = pytest.mark.slow


async def test_each_post_gets_exactly_one_verdict(stream_settings: Settings, start_worker, tmp_path: Path) -> None:
    posts = make_posts(300)
    settings = with_oracle(stream_settings, posts, tmp_path, accept_threshold=0.95)
    worker = start_worker(settings)
    start_worker(settings, "teacher")
    await publish(settings, posts)

    verdicts = await all_verdicts(settings, len(posts))

    assert Counter(v.post_id for v in verdicts) == Counter(p.id for p in posts)
    deciders = Counter(v.decided_by for v in verdicts)
    assert deciders["student"] > 0 and deciders["teacher"] > 0, deciders
    current = Registry.of(settings).current()
    assert {v.model_version for v in verdicts} == {current}
    taught = {v.post_id for v in verdicts if v.decided_by == "teacher"}
    labels = await read_topic(settings.broker_url, settings.topic_teacher_labels, distinct_ids(len(taught)))
    assert {r.key.decode() for r in labels if r.key} == taught
    assert all("escalated" in v.flags for v in verdicts if v.decided_by == "teacher")
    await assert_aggregates_match(settings, verdicts)

    stats = worker.wait_for(lambda s: s["processed"] == len(posts))
    exposition = httpx.get(f"http://127.0.0.1:{stats['metrics_port']}/metrics", timeout=5).text
    assert f"sentimon_processed_total {float(len(posts))}" in exposition
    assert "sentimon_verdict_latency_seconds_bucket" in exposition
    assert "sentimon_consumer_lag" in exposition


async def test_malformed_input_goes_to_the_dlq_and_the_worker_carries_on(
    stream_settings: Settings, start_worker
) -> None:
    settings = stream_settings.model_copy(update={"accept_threshold": 0.0})
    good = make_posts(len(MALFORMED) + 1, tag="good", gibberish_share=0)
    messages: list[bytes] = []
    for post, (_, raw) in zip(good, MALFORMED, strict=False):
        messages += [post.to_bytes(), raw]
    # A producer retrying a send re-publishes the same bytes: once right after the original (same
    # batch), once much later (another batch). Neither is a duplicate_id nor a second verdict.
    messages.insert(1, good[0].to_bytes())
    messages += [good[-1].to_bytes(), good[1].to_bytes()]
    worker = start_worker(settings)
    await publish(settings, messages)

    verdicts = await all_verdicts(settings, len(good))
    dead = await read_topic(settings.broker_url, settings.topic_dlq, lambda r: len(r) >= len(MALFORMED), idle=1.0)

    assert sorted(v.post_id for v in verdicts) == sorted(p.id for p in good)
    records = [DlqRecord.model_validate_json(r.value) for r in dead]
    assert len(records) == len(MALFORMED)
    originals = [(base64.b64decode(r.original_b64), r) for r in records]
    for code, raw in MALFORMED:
        # An oversized original is kept cut to SENTIMON_MAX_MESSAGE_BYTES, and the reason says so.
        kept = raw[: settings.max_message_bytes]
        record = next(r for original, r in originals if original == kept)
        assert record.reason.startswith(f"{code}:"), (code, record.reason)
        assert record.topic == settings.topic_posts and record.offset >= 0
        assert (len(raw) > settings.max_message_bytes) == ("original cut" in record.reason)
    assert len({r.reason.split(":")[0] for r in records}) >= 15
    assert worker.alive()
    stats = worker.wait_for(lambda s: s["processed"] == len(messages))
    exposition = httpx.get(f"http://127.0.0.1:{stats['metrics_port']}/metrics", timeout=5).text
    assert "sentimon_republished_total 2.0" in exposition


async def test_killed_worker_restarts_without_loss_or_double_counting(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings.model_copy(update={"accept_threshold": 0.0})
    posts = make_posts(600, tag="kill")
    first = start_worker(settings)
    first.wait_assigned()
    publishing = asyncio.create_task(publish(settings, posts, rate=150))
    await read_topic(settings.broker_url, settings.topic_verdicts, distinct_ids(100))
    first.kill()
    start_worker(settings)
    await publishing

    verdicts = await all_verdicts(settings, len(posts))

    assert {v.post_id for v in verdicts} == {p.id for p in posts}
    await assert_aggregates_match(settings, verdicts)


async def test_two_workers_split_the_partitions_and_hand_over(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings.model_copy(update={"accept_threshold": 0.0})
    posts = make_posts(500, tag="split")
    one, two = start_worker(settings), start_worker(settings)

    def shares() -> tuple[set[str], set[str]]:
        return posts_partitions(one, settings), posts_partitions(two, settings)

    await wait_until(lambda: all(shares()) and len(set.union(*shares())) == settings.topic_partitions)
    assert not set.intersection(*shares())

    publishing = asyncio.create_task(publish(settings, posts, rate=150))
    await read_topic(settings.broker_url, settings.topic_verdicts, distinct_ids(150))
    assert two.stop() == 0
    await wait_until(lambda: len(posts_partitions(one, settings)) == settings.topic_partitions)
    await publishing

    verdicts = await all_verdicts(settings, len(posts))

    assert {v.post_id for v in verdicts} == {p.id for p in posts}
    assert one.stats()["processed"] > 0
    await assert_aggregates_match(settings, verdicts)


async def test_broker_restart_on_s3_storage_loses_nothing(
    student_settings: Settings, start_worker, tmp_path: Path
) -> None:
    log = (tmp_path / "tansu.log").open("ab")
    with S3Server(log=log) as s3:
        broker = Broker.on_s3(s3, log=log).start()
        try:
            # No teacher runs here: audits (which wait for one) are off, as in ``stream_settings``.
            settings = on_broker(student_settings, broker.url).model_copy(
                update={"accept_threshold": 0.0, "audit_share": 0.0, "audit_warmup_share": 0.0}
            )
            posts = make_posts(200, tag="s3")
            worker = start_worker(settings)
            await publish(settings, posts[:100])
            await all_verdicts(settings, 100, idle=0)

            broker.stop()
            broker.start()
            await publish(settings, posts[100:])
            verdicts = await all_verdicts(settings, len(posts), timeout=120)

            assert {v.post_id for v in verdicts} == {p.id for p in posts}
            assert worker.alive()
            await assert_aggregates_match(settings, verdicts)
        finally:
            broker.stop()
            log.close()


async def test_replies_wait_for_their_parent_and_are_scored_with_it(stream_settings: Settings, start_worker) -> None:
    settings = stream_settings.model_copy(update={"accept_threshold": 0.0, "defer_max_seconds": 2.0})
    negative = Post(id="t-neg", text=NEGATIVE_TEXT, brand=["acme"])
    positive = Post(id="t-pos", text=POSITIVE_TEXT, brand=["acme"])
    replies = [
        Post(id="t-r1", text="same here", parent_id="t-neg", brand=["acme"]),
        Post(id="t-r2", text="same here", parent_id="t-pos", brand=["acme"]),
        Post(id="t-orphan", text="agreed", parent_id="t-never", brand=["acme"]),
    ]
    start_worker(settings).wait_assigned()
    await publish(settings, replies)
    await asyncio.sleep(0.5)  # the replies are parked by now: their parents are unseen
    await publish(settings, [negative, positive])

    verdicts = {v.post_id: v for v in await all_verdicts(settings, 5)}

    assert verdicts["t-r1"].flags == ["deferred"] and verdicts["t-r1"].polarity == "negative"
    assert verdicts["t-r2"].flags == ["deferred"] and verdicts["t-r2"].polarity == "positive"
    assert verdicts["t-orphan"].flags == ["deferred", "deferral_timeout"]
    assert verdicts["t-orphan"].latency_ms >= 2000
    assert verdicts["t-neg"].flags == []


def test_worker_rejects_an_unknown_role(stream_settings: Settings, tmp_path: Path) -> None:
    worker = WorkerProcess(stream_settings, tmp_path / "bad.log", role="nonsense").start()
    assert worker.process is not None and worker.process.wait(60) != 0
    assert "Invalid value for --role" in worker.tail()

"""The worker's batch functions on their own: posts in, verdicts, dead letters and aggregates out.

Real Redis and the real tiny ONNX student; no Faust and no broker: each test hands a batch to
``PostPipeline.handle`` or ``AggregatePipeline.handle`` as the agents would, and reads what they
published from an in-memory outbox.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import pytest
from redis.asyncio import Redis

from models.registry import Registry
from models.student import RuntimeOptions
from sentimon.records import DlqRecord, Post, Verdict
from sentimon.redis_layout import VOLUME, Keys, brands_of, pol_field, window_start_of
from sentimon.settings import Settings
from stream.aggregates import Aggregator
from stream.metrics import WorkerMetrics
from stream.pipeline import AggregatePipeline
from stream.quality_store import QualityStore
from stream.scoring import BatchScorer, ModelHolder
from stream.steering import Steering, SteeringConfig
from stream.steward import LiveRouting, initial_plan
from stream.topics import TopicNames
from stream.types import Incoming, OutMessage
from tests.stream.malformed import MALFORMED
from tests.stream.pipeline_support import ListOutbox, incoming, post_pipeline
from tests.stream.posts import make_posts


class Pipelines:
    """A worker's two pipelines wired as ``stream.agents.worker_role`` wires them, publishing into a list."""

    def __init__(self, settings: Settings, aredis: Redis) -> None:
        keys = Keys(settings.redis_prefix)
        self.settings = settings
        self.topics = TopicNames.of(settings)
        self.outbox = ListOutbox()
        self.metrics = WorkerMetrics("worker", "test-pipeline")
        self.scorer = BatchScorer(ModelHolder(Registry.of(settings), RuntimeOptions.of(settings)))
        steering = Steering(SteeringConfig.of(settings))
        live = LiveRouting(initial_plan(steering.config, self.scorer.holder.version), QualityStore.of(aredis, settings))
        self.posts = post_pipeline(settings, aredis, self.outbox, self.scorer, self.metrics, live)
        self.aggregates = AggregatePipeline(settings, self.outbox, Aggregator(aredis, keys, settings), self.metrics)

    async def post(self, messages: Sequence[OutMessage], first_offset: int = 0) -> list[Incoming]:
        batch = incoming(self.topics.posts, messages, first_offset)
        await self.posts.handle(batch)
        return batch

    def verdicts(self) -> list[Verdict]:
        return [Verdict.model_validate_json(value) for _, value in self.outbox.take(self.topics.verdicts)]

    def dead_letters(self) -> list[DlqRecord]:
        return [DlqRecord.model_validate_json(value) for _, value in self.outbox.take(self.topics.dlq)]

    def count(self, name: str) -> float:
        """A counter's total over all its labels."""
        metrics = self.metrics.registry.collect()
        return sum(sample.value for metric in metrics for sample in metric.samples if sample.name == f"{name}_total")


@pytest.fixture
async def pipelines(student_settings: Settings, aredis: Redis) -> AsyncIterator[Pipelines]:
    # Every post decided by the student and none audited: what reaches the teacher is another test's matter.
    settings = student_settings.model_copy(
        update={"accept_threshold": 0.0, "audit_share": 0.0, "audit_warmup_share": 0.0}
    )
    made = Pipelines(settings, aredis)
    yield made
    made.scorer.executor.shutdown(wait=False, cancel_futures=True)


def messages_of(posts: Sequence[Post]) -> list[OutMessage]:
    return [(post.id, post.to_bytes()) for post in posts]


async def test_valid_posts_become_verdicts_and_their_verdicts_become_aggregates(
    pipelines: Pipelines, aredis: Redis
) -> None:
    posts = make_posts(24, "ok")
    await pipelines.post(messages_of(posts))
    verdicts = pipelines.verdicts()
    assert sorted(v.post_id for v in verdicts) == sorted(p.id for p in posts)
    assert not pipelines.outbox.take(pipelines.topics.escalations) and not pipelines.dead_letters()
    version = pipelines.scorer.holder.version
    assert all(v.decided_by == "student" and v.model_version == version for v in verdicts)

    await pipelines.aggregates.handle(
        incoming(pipelines.topics.verdicts, [(v.post_id, v.to_bytes()) for v in verdicts])
    )
    expected: Counter[tuple[str, int, str]] = Counter()
    for v in verdicts:
        for brand in brands_of(v.brand):
            expected[brand, window_start_of(v.created_at, "1m"), v.polarity] += 1
    keys = Keys(pipelines.settings.redis_prefix)

    async def counted() -> Counter[tuple[str, int, str]]:
        found: Counter[tuple[str, int, str]] = Counter()
        for brand, start, polarity in expected:
            found[brand, start, polarity] = int(await aredis.hget(keys.agg("1m", brand, start), pol_field(polarity)))
        return found

    assert await counted() == expected
    volumes = {(b, s): int(await aredis.hget(keys.agg("1m", b, s), VOLUME)) for b, s, _ in expected}
    assert sum(volumes.values()) == sum(expected.values())

    # The same verdicts again (a redelivered batch): every post id is counted once.
    await pipelines.aggregates.handle(
        incoming(pipelines.topics.verdicts, [(v.post_id, v.to_bytes()) for v in verdicts])
    )
    assert await counted() == expected


async def test_each_bad_post_is_a_dead_letter_with_its_reason_and_its_bytes(pipelines: Pipelines) -> None:
    await pipelines.post(messages_of([Post(id="good-0", text="a fine first post")]))
    assert [v.post_id for v in pipelines.verdicts()] == ["good-0"]

    batch = await pipelines.post([(None, raw) for _, raw in MALFORMED], first_offset=1)
    assert pipelines.verdicts() == []
    letters = pipelines.dead_letters()
    assert [letter.reason.split(":", 1)[0] for letter in letters] == [code for code, _ in MALFORMED]
    keep = pipelines.settings.max_message_bytes
    for letter, message in zip(letters, batch, strict=True):
        assert (letter.topic, letter.partition, letter.offset) == (message.topic, message.partition, message.offset)
        assert base64.b64decode(letter.original_b64) == (message.value or b"")[:keep]
        assert letter.reason.partition(": ")[2], "a reason says what exactly was wrong"
    assert pipelines.count("sentimon_dlq") == len(MALFORMED)


async def test_a_repeat_is_skipped_quietly_and_a_reused_id_is_a_dead_letter(pipelines: Pipelines) -> None:
    first = Post(id="dup", text="the first post with this id")
    other = Post(id="dup", text="another post reusing the id")
    # In one batch: the first keeps the id, the second is a producer bug.
    await pipelines.post(messages_of([first, other]))
    assert [v.text for v in pipelines.verdicts()] == [first.text]
    (letter,) = pipelines.dead_letters()
    assert letter.reason.startswith("duplicate_id:") and "offset 0" in letter.reason and letter.offset == 1

    # The same message read again (a redelivery after a crash): nothing new, no dead letter.
    await pipelines.post(messages_of([first]))
    # The same bytes published again at a new offset (a producer retrying): skipped as well.
    await pipelines.post(messages_of([first]), first_offset=7)
    assert pipelines.verdicts() == [] and pipelines.dead_letters() == []
    assert pipelines.count("sentimon_redelivered") == 1 and pipelines.count("sentimon_republished") == 1

    # Other content under a decided id in a later batch: a dead letter naming where the id was first used.
    await pipelines.post(messages_of([other]), first_offset=9)
    assert pipelines.verdicts() == []
    (late,) = pipelines.dead_letters()
    assert late.reason.startswith("duplicate_id:") and "offset 0" in late.reason and late.offset == 9


async def test_a_repeat_in_a_batch_decided_at_the_same_time_is_caught_as_well(pipelines: Pipelines) -> None:
    """With ``pipeline_depth`` 2 the next batch starts before the one before it is marked in the ledger."""
    first = Post(id="twice", text="a post published twice")
    other = Post(id="twice", text="a different post reusing the id")
    fresh = make_posts(6, "overlap")
    await asyncio.gather(
        pipelines.post(messages_of([first, *fresh[:3]])),
        pipelines.post(messages_of([first, *fresh[3:], other]), first_offset=4),
    )
    verdicts = pipelines.verdicts()
    assert sorted(v.post_id for v in verdicts) == sorted([first.id, *(p.id for p in fresh)])
    assert pipelines.count("sentimon_republished") == 1
    (letter,) = pipelines.dead_letters()
    # Whichever batch claimed the id first keeps it: the other copy of the same bytes is a repeat.
    assert letter.reason.startswith("duplicate_id:") and letter.offset == 8
    assert "offset 0" in letter.reason or "offset 4" in letter.reason
    # Nothing is left behind as "being decided": the same bytes later are a plain repeat from the ledger.
    await pipelines.post(messages_of([first]), first_offset=20)
    assert pipelines.verdicts() == [] and pipelines.count("sentimon_republished") == 2


async def test_a_message_on_verdicts_that_is_not_a_verdict_is_a_dead_letter(pipelines: Pipelines) -> None:
    await pipelines.post(messages_of(make_posts(3, "agg")))
    good = [(v.post_id, v.to_bytes()) for v in pipelines.verdicts()]
    await pipelines.aggregates.handle(incoming(pipelines.topics.verdicts, [*good, ("x", b'{"post_id": "x"}')]))
    (letter,) = pipelines.dead_letters()
    assert letter.reason.startswith("invalid_verdict:") and letter.topic == pipelines.topics.verdicts
    assert letter.offset == len(good)

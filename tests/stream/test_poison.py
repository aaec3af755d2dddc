"""A message that makes scoring fail every time is found, dead-lettered with the exception, and passed;
an outage (Redis or the broker away) is waited out and dead-letters nothing.

The failure is a real one: a model whose manifest promises longer inputs (600 tokens) than its
encoder has positions for (512). Short posts score; one long post makes ONNX Runtime raise for any
batch it is padded into, which is exactly a poison message.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, NotLeaderForPartitionError
from faust.exceptions import ProducerSendError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from models.manifest import Manifest
from models.registry import Registry
from sentimon.records import DlqRecord, Post
from sentimon.settings import Settings
from stream.poison import PoisonGuard, failure, is_transient, through_outages
from stream.types import Incoming
from tests.fixtures.broker import read_topic
from tests.stream.e2e_support import all_verdicts, publish
from tests.stream.posts import make_posts


def overpromise_positions(settings: Settings, max_seq_len: int) -> None:
    """Rewrite the serving model's manifest to claim more tokens than its position embeddings hold."""
    registry = Registry.of(settings)
    version = registry.current()
    assert version is not None
    model_dir = registry.path(version)
    manifest = Manifest.read(model_dir)
    manifest.model_copy(update={"max_seq_len": max_seq_len}).write(model_dir)


@pytest.mark.slow
async def test_a_post_that_makes_scoring_raise_is_dead_lettered_and_the_rest_decided(
    stream_settings: Settings, start_worker
) -> None:
    settings = stream_settings.model_copy(
        update={"accept_threshold": 0.0, "poison_attempts": 2, "batch_size": 16, "defer_max_seconds": 1.0}
    )
    overpromise_positions(settings, 600)
    long_text = " ".join("abcdefghij" * 80)  # 800 one-letter tokens
    good = make_posts(40, tag="ok", gibberish_share=0)
    poison = Post(id="poison", text=long_text, brand=["acme"])
    # Replies to a parent that never comes wait, then a sweep scores them together: the poison
    # reply among them must not hold the others back.
    replies = [Post(id=f"reply-{i}", text="same here", parent_id="never-posted") for i in range(3)]
    poison_reply = Post(id="poison-reply", text=long_text, parent_id="never-posted")
    posts = [*good[:20], poison, replies[0], poison_reply, *replies[1:], *good[20:]]
    worker = start_worker(settings)
    await publish(settings, posts)

    verdicts = await all_verdicts(settings, len(good) + len(replies), timeout=120)
    dead = await read_topic(settings.broker_url, settings.topic_dlq, lambda r: len(r) >= 2, idle=1.0)

    assert Counter(v.post_id for v in verdicts) == Counter(p.id for p in [*good, *replies])
    assert all("deferral_timeout" in v.flags for v in verdicts if v.post_id.startswith("reply-"))
    records = {
        DlqRecord.model_validate_json(r.value).original_b64: DlqRecord.model_validate_json(r.value) for r in dead
    }
    assert len(dead) == 2
    for post in (poison, poison_reply):
        record = records[base64.b64encode(post.to_bytes()).decode()]
        code, exception, detail = record.reason.split(": ", 2)
        assert code == "processing_error" and exception.isidentifier() and detail, record.reason
        assert record.topic == settings.topic_posts and record.offset >= 0
    assert worker.alive()


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError("redis down"),
        TimeoutError(),
        RedisConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        ResponseError("OOM command not allowed when used memory > 'maxmemory'"),
        KafkaConnectionError("broker away"),
        NotLeaderForPartitionError(),
    ],
)
def test_outages_are_transient_even_when_wrapped(error: Exception) -> None:
    assert is_transient(error)
    try:
        try:
            raise error
        except Exception as cause:
            raise ProducerSendError("Error while sending") from cause
    except ProducerSendError as wrapped:
        assert is_transient(wrapped)


@pytest.mark.parametrize(
    "error",
    [ValueError("bad"), KeyError("k"), ResponseError("WRONGTYPE Operation"), MessageSizeTooLargeError()],
)
def test_bugs_and_refusals_of_one_message_are_not(error: Exception) -> None:
    assert not is_transient(error)


def test_the_reason_names_the_exception_on_one_line() -> None:
    assert (
        failure(RuntimeError("index 600\nout of range")).reason
        == "processing_error: RuntimeError: index 600 out of range"
    )
    assert failure(KeyError()).reason == "processing_error: KeyError"


def batch_of(*values: bytes) -> list[Incoming]:
    return [Incoming("posts", 0, offset, None, value) for offset, value in enumerate(values)]


async def test_an_outage_is_waited_out_and_never_sets_anything_aside() -> None:
    outages = [RedisConnectionError("down"), KafkaConnectionError("away"), TimeoutError()]
    handled: list[bytes | None] = []
    aside: list[tuple[Incoming, BaseException]] = []

    async def handle(batch: Sequence[Incoming]) -> None:
        if outages:
            raise outages.pop()
        handled.extend(m.value for m in batch)

    async def set_aside(message: Incoming, error: BaseException) -> None:
        aside.append((message, error))

    await PoisonGuard("t", handle, set_aside, attempts=1).run(batch_of(b"a", b"b"))
    assert (handled, aside) == ([b"a", b"b"], [])


async def test_a_step_after_publishing_waits_out_an_outage_in_place() -> None:
    """The ledger mark after a batch's verdicts are out: retried alone, not with the whole batch,
    which would find no mark and publish the verdicts again."""
    outages = [RedisConnectionError("Connection closed by server."), RedisConnectionError("Error 111")]
    calls: list[str] = []

    async def mark() -> str:
        calls.append("mark")
        if outages:
            raise outages.pop()
        return "marked"

    assert await through_outages("ledger mark", mark) == "marked"
    assert calls == ["mark"] * 3


async def test_a_step_failing_for_another_reason_is_not_retried() -> None:
    calls: list[str] = []

    async def refused() -> None:
        calls.append("mark")
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    with pytest.raises(ResponseError):
        await through_outages("ledger mark", refused)
    assert calls == ["mark"]


async def test_only_the_failing_item_is_set_aside_and_order_is_kept() -> None:
    calls: list[list[bytes | None]] = []
    aside: list[tuple[bytes | None, str]] = []

    async def handle(batch: Sequence[Incoming]) -> None:
        calls.append([m.value for m in batch])
        if any(m.value == b"bad" for m in batch):
            raise ValueError("cannot score this")

    async def set_aside(message: Incoming, error: BaseException) -> None:
        aside.append((message.value, failure(error).reason))

    await PoisonGuard("t", handle, set_aside, attempts=2).run(batch_of(b"1", b"2", b"bad", b"4", b"5"))
    handled = [value for batch in calls if b"bad" not in batch for value in batch]
    assert handled == [b"1", b"2", b"4", b"5"]
    assert calls.count([b"bad"]) == 2  # a lone item fails as often as the whole batch did before it goes
    assert aside == [(b"bad", "processing_error: ValueError: cannot score this")]

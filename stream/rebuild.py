"""Rebuild every aggregate from the verdicts topic: the answer to "Redis lost its data".

The verdicts topic holds one final verdict per post and is the durable record; the aggregates are
a view of it. A rebuild wipes this prefix's aggregate keys (hashes, seen sets, indexes, recent
lists, the brand set), reads the topic from the beginning with a plain assigned consumer (no
group, so no offsets are committed and no live worker loses partitions to it) and applies every
verdict through the same :class:`~stream.aggregates.Aggregator` as the live path, so both count
alike. Recent-post lists are the exception: partitions are read one after another, so pushing in
reading order would fill each list with the last partition read. They are kept aside instead, the
newest ``recent_posts`` per brand by event time across every partition, and written at the end. Alerts are not re-derived from the replay, which sees windows fill in a different order
than live traffic did; they are history, kept if Redis still has them and otherwise put back from
the alerts topic, which holds exactly what was raised.

When to stop reading: Tansu reports a wrong end of partition (the first offset of the last
record batch + 1, not the offset after the last record), so the high watermark alone would stop
too early there. Reading stops when either

* no record arrived for ``idle_seconds`` (works on any broker), or
* every partition's position has reached the high watermark taken at the start. On Kafka that is
  exactly the end. On Tansu the reported value lies inside the last batch; records come out of a
  fetch a whole batch at a time (``getmany`` without ``max_records`` drains what was fetched), so
  once the position has reached it the whole last batch has been read. Either way it is only a
  faster exit: the idle rule still guards a broker that reports an end never reached.

Run it with the aggregating workers stopped: a worker counting a post while the wipe sweeps the
keys can lose the post's seen-set entry but keep its count, and the replay would count it again.
A record that is not a valid verdict is logged with its offset and counted, never applied.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import TypeVar

import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from sentimon.records import Alert, Verdict
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.aggregates import Aggregator, verdict_brands
from stream.alerts import SpikeDetector
from stream.topics import bootstrap_servers

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 5.0
POLL_MS = 200
APPLY_CHUNK = 1000
"""Verdicts per aggregator call: keeps each Lua call short, so Redis stays responsive to live readers."""

R = TypeVar("R", Verdict, Alert)


class MissingTopicError(LookupError):
    """The topic to read does not exist: for the verdicts topic, a rebuild refuses to wipe anything."""


async def rebuild(settings: Settings, *, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> int:
    """Wipe this prefix's aggregates and re-apply the verdicts topic; returns verdicts applied.

    The broker is reached and the verdicts topic found before anything is wiped, so a wrong URL or
    topic name fails without losing the aggregates Redis still has.
    """
    keys = Keys(settings.redis_prefix)
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        async with TopicReader(settings, settings.topic_verdicts) as verdicts_in:
            wiped = await wipe_aggregates(client, keys)
            log.info("wiped %d aggregate keys under %r", wiped, keys.prefix)
            aggregator = Aggregator(client, keys, settings, raise_alerts=False, recent=False)
            newest = NewestPosts(settings.recent_posts)
            applied = skipped = 0
            async for records in verdicts_in.chunks(idle_seconds):
                verdicts = _parse(records, Verdict)
                for i in range(0, len(verdicts), APPLY_CHUNK):
                    await aggregator.apply(verdicts[i : i + APPLY_CHUNK])
                newest.add(verdicts)
                applied += len(verdicts)
                skipped += len(records) - len(verdicts)
            await aggregator.replace_recent(newest.lists())
        restored = await _restore_alerts(client, keys, settings, idle_seconds)
        log.info(
            "rebuilt aggregates from %d verdicts (%d invalid records skipped); %d alerts put back",
            applied,
            skipped,
            restored,
        )
        return applied
    finally:
        await client.aclose()


class NewestPosts:
    """The newest ``cap`` verdicts per brand by event time, whatever order they are read in.

    One min-heap per brand keyed by (created_at, post id): memory stays ``cap`` entries a brand
    however long the topic. A redelivered post keeps its first verdict, as the aggregates do; an
    evicted post cannot come back, since its copy sorts exactly where it was evicted from.
    """

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._heaps: dict[str, list[tuple[datetime, str, bytes]]] = {}
        self._held: dict[str, set[str]] = {}

    def add(self, verdicts: Sequence[Verdict]) -> None:
        for verdict in verdicts:
            entry = (verdict.created_at, verdict.post_id, verdict.to_bytes())
            for brand in verdict_brands(verdict):
                held = self._held.setdefault(brand, set())
                if verdict.post_id in held:
                    continue
                heap = self._heaps.setdefault(brand, [])
                if len(heap) < self._cap:
                    heapq.heappush(heap, entry)
                    held.add(verdict.post_id)
                elif entry[:2] > heap[0][:2]:
                    held.discard(heapq.heapreplace(heap, entry)[1])
                    held.add(verdict.post_id)

    def lists(self) -> dict[str, list[bytes]]:
        """Each brand's entries, newest first, as the live list keeps them."""
        return {
            brand: [e[2] for e in sorted(heap, key=lambda e: e[:2], reverse=True)]
            for brand, heap in self._heaps.items()
        }


async def _restore_alerts(client: aioredis.Redis, keys: Keys, settings: Settings, idle_seconds: float) -> int:
    detector = SpikeDetector(client, keys, settings)
    restored = 0
    try:
        async with TopicReader(settings, settings.topic_alerts) as alerts_in:
            async for records in alerts_in.chunks(idle_seconds):
                restored += len(await detector.record(_parse(records, Alert)))
    except MissingTopicError as exc:
        log.warning("%s: no alerts to put back", exc)
    return restored


async def wipe_aggregates(client: aioredis.Redis, keys: Keys) -> int:
    """Delete every aggregate key of this prefix (alerts stay); returns keys deleted."""
    deleted = 0
    for pattern in keys.aggregate_patterns():
        batch: list[bytes] = []
        async for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted += await client.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await client.unlink(*batch)
    return deleted


class TopicReader:
    """A whole topic from its beginning through a group-less, assigned consumer."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(settings.broker_url),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._assigned: list[TopicPartition] = []
        self._ends: dict[TopicPartition, int] = {}

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        try:
            # Asking the broker (not only the cached metadata) also lets aiokafka's start-up tasks run:
            # stopping a consumer before they ever ran raises CancelledError from stop().
            listed = await self._consumer.topics()
            partitions = self._consumer.partitions_for_topic(self.topic)
            if self.topic not in listed or not partitions:
                raise MissingTopicError(f"topic {self.topic!r} does not exist")
            self._assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            self._consumer.assign(self._assigned)
            await self._consumer.seek_to_beginning(*self._assigned)
            self._ends = await self._consumer.end_offsets(self._assigned)
        except BaseException:
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._consumer.stop()

    async def chunks(self, idle_seconds: float) -> AsyncIterator[list[ConsumerRecord]]:
        """Records in fetched chunks until the end, judged as the module docstring says."""
        last_record = time.monotonic()
        while not await self._reached_ends():
            # No max_records: a fetch is drained whole, so positions land on record-batch ends.
            fetched = await self._consumer.getmany(*self._assigned, timeout_ms=POLL_MS)
            records = [record for chunk in fetched.values() for record in chunk]
            if records:
                last_record = time.monotonic()
                yield records
            elif time.monotonic() - last_record >= idle_seconds:
                log.info("no record on %r for %.1f s: taking it as the end", self.topic, idle_seconds)
                return

    async def _reached_ends(self) -> bool:
        for tp, end in self._ends.items():
            if await self._consumer.position(tp) < end:
                return False
        return True


def _parse(records: list[ConsumerRecord], record_type: type[R]) -> list[R]:
    parsed: list[R] = []
    for record in records:
        try:
            parsed.append(record_type.model_validate_json(record.value or b""))
        except ValidationError as exc:
            log.warning(
                "skipping %s:%d@%d, not a valid %s: %s",
                record.topic,
                record.partition,
                record.offset,
                record_type.__name__,
                exc.errors(include_url=False)[:1],
            )
    return parsed

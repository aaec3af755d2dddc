"""Per-brand tumbling-window aggregates in Redis, each post counted once however often it arrives.

Delivery is at-least-once (the embedded broker has no transactions), so a post can reach the
aggregates twice: after a worker crash, a rebalance, or a rebuild running beside live workers.
Counting is therefore made idempotent where the counts live: ``aggregate.lua`` adds the post id
to the window's seen set and increments the counters only when the id was new, in one atomic step
per brand×window. Two aggregators racing on the same posts, or a redelivered batch split
differently, still count every post once.

A verdict belongs to the windows holding its ``created_at`` (the post's own time, not when it was
scored), so a teacher verdict that arrives late lands in the window the post was written in. A
verdict without a brand counts under ``(none)`` so it still shows in totals. One batch becomes one
script call per brand×window, all sent in one pipeline: one round trip per batch.

The brand's recent-verdicts list is pushed by the longest window's script only (the one whose seen
set lives longest), so a post enters the list once, and only when it was newly counted. Live, the
list is in arrival order, which is event-time order up to a batch. A replay reads partition after
partition, so arrival order there means nothing: it counts with ``recent=False`` and writes each
list once at the end with :meth:`Aggregator.replace_recent`, newest posts by event time first.

Every key expires with its window's retention (``redis_layout.retention_seconds``), except the seen
sets: they hold every post id of their window, and for four months of hourly windows that is far
more memory than the counts. They live ``dedupe_seconds`` after their window's last update, which
covers any redelivery of at-least-once delivery; a rebuild recounts from scratch anyway.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources

import redis.asyncio as aioredis

from sentimon.labels import emotion_groups
from sentimon.records import Alert, Verdict
from sentimon.redis_layout import (
    DEFERRED,
    ESCALATED,
    SCORE_SUM,
    VOLUME,
    Keys,
    asp_field,
    brands_of,
    decided_field,
    emo_field,
    flag_field,
    longest_retention,
    pol_field,
    retention_seconds,
    window_seconds,
    window_start_of,
)
from sentimon.settings import Settings
from stream.alerts import NEGATIVE, SpikeDetector, WindowCount

ESCALATING_DECIDERS = ("teacher", "fallback")

_SCRIPT = resources.files(__package__).joinpath("aggregate.lua").read_text()


def counter_fields(verdict: Verdict) -> list[str]:
    """The hash fields one verdict adds 1 to (``score_sum`` aside), each at most once."""
    fields = [VOLUME, pol_field(verdict.polarity), decided_field(verdict.decided_by)]
    fields += [emo_field(group) for group in emotion_groups(verdict.emotions)]
    fields += [asp_field(a.aspect, a.polarity) for a in verdict.aspects]
    fields += [flag_field(flag) for flag in verdict.flags]
    if verdict.decided_by in ESCALATING_DECIDERS or "escalated" in verdict.flags:
        fields.append(ESCALATED)
    if "deferred" in verdict.flags:
        fields.append(DEFERRED)
    return list(dict.fromkeys(fields))


def verdict_brands(verdict: Verdict) -> list[str]:
    return list(brands_of(verdict.brand))


class Aggregator:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        settings: Settings,
        *,
        raise_alerts: bool = True,
        recent: bool = True,
    ) -> None:
        """``raise_alerts=False`` and ``recent=False`` are for replays (rebuild): alerts of the past come
        from the alerts topic, and recent lists are written whole by :meth:`replace_recent`."""
        if not settings.windows:
            raise ValueError("settings.windows is empty: there is nothing to aggregate into")
        self._redis = redis
        self._keys = keys
        self._windows = list(dict.fromkeys(settings.windows))
        self._recent_window = max(self._windows, key=window_seconds)
        self._recent_cap = settings.recent_posts if recent else 0
        self._dedupe_seconds = settings.dedupe_seconds
        self._retention_windows = settings.retention_windows
        self._brand_ttl = longest_retention(self._windows, self._retention_windows)
        self._script = redis.register_script(_SCRIPT)
        self._detector = SpikeDetector(redis, keys, settings) if raise_alerts else None

    def _owns_recent(self, window: str) -> bool:
        return self._recent_cap > 0 and window == self._recent_window

    async def replace_recent(self, lists: dict[str, list[bytes]]) -> None:
        """Set each brand's recent list to ``entries`` (newest first), with the TTL the live path gives it."""
        pipe = self._redis.pipeline(transaction=True)
        for brand, entries in lists.items():
            key = self._keys.recent(brand)
            pipe.delete(key)
            if entries:
                pipe.rpush(key, *entries)
                pipe.expire(key, self._brand_ttl)
        await pipe.execute()

    async def apply(self, verdicts: Sequence[Verdict]) -> list[Alert]:
        """Count each verdict once per (brand, window) — idempotent under redelivery — and return alerts raised."""
        groups: dict[tuple[str, str, int], list[str | bytes]] = defaultdict(list)
        for verdict in verdicts:
            item = json.dumps([verdict.post_id, repr(verdict.score), counter_fields(verdict)], ensure_ascii=False)
            entry = verdict.to_bytes()
            for brand in verdict_brands(verdict):
                for window in self._windows:
                    recent = entry if self._owns_recent(window) else b""
                    groups[(brand, window, window_start_of(verdict.created_at, window))] += [item, recent]
        if not groups:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for (brand, window, start), args in groups.items():
            retention = retention_seconds(window, self._retention_windows)
            await self._script(
                keys=[
                    self._keys.agg(window, brand, start),
                    self._keys.agg_seen(window, brand, start),
                    self._keys.agg_index(window, brand),
                    self._keys.brands,
                    self._keys.recent(brand),
                ],
                args=[
                    brand,
                    start,
                    retention,
                    min(retention, self._dedupe_seconds),
                    self._brand_ttl,
                    self._recent_cap if self._owns_recent(window) else 0,
                    start - retention,
                    SCORE_SUM,
                    VOLUME,
                    pol_field(NEGATIVE),
                    *args,
                ],
                client=pipe,
            )
        replies = await pipe.execute()
        if self._detector is None:
            return []
        counts = [
            WindowCount(brand, window, start, int(counted), int(volume), int(negative))
            for (brand, window, start), (counted, volume, negative) in zip(groups, replies, strict=True)
        ]
        return await self._detector.check(counts)

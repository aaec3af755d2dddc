"""Aggregates against real Redis: exact counts, once per post under any redelivery, right windows, TTLs."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone

import pytest
import redis

from sentimon.records import Verdict
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.aggregates import Aggregator
from tests.stream.aggregate_support import (
    T0,
    async_client,
    dump,
    expected_counts,
    expected_score_sums,
    random_verdicts,
    verdict,
)

WINDOWS = ("1m", "1h")


def batches(verdicts: list[Verdict], size: int) -> list[list[Verdict]]:
    return [verdicts[i : i + size] for i in range(0, len(verdicts), size)]


def assert_counts_match(client: redis.Redis, keys: Keys, verdicts: list[Verdict]) -> None:
    expected = expected_counts(verdicts, WINDOWS)
    sums = expected_score_sums(verdicts, WINDOWS)
    stored = sorted(client.scan_iter(f"{keys.prefix}:agg:*"))
    assert stored == sorted(keys.agg(w, b, s) for b, w, s in expected)
    for (brand, window, start), counts in expected.items():
        fields = client.hgetall(keys.agg(window, brand, start))
        assert float(fields.pop("score_sum")) == pytest.approx(sums[(brand, window, start)], abs=1e-9)
        assert {f: int(v) for f, v in fields.items()} == dict(counts)
    brands = {b for b, _, _ in expected}
    assert client.smembers(keys.brands) == brands
    for brand in brands:
        for window in WINDOWS:
            starts = [int(s) for _, s in client.zrange(keys.agg_index(window, brand), 0, -1, withscores=True)]
            assert starts == sorted(s for b, w, s in expected if (b, w) == (brand, window))
        ids = [Verdict.model_validate_json(raw).post_id for raw in client.lrange(keys.recent(brand), 0, -1)]
        assert sorted(ids) == sorted({v.post_id for v in verdicts if brand in (v.brand or ["(none)"])})


async def test_counts_equal_counts_computed_from_the_verdicts(
    settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    verdicts = random_verdicts(random.Random(1), 400, span_seconds=3 * 3600)
    client = async_client()
    aggregator = Aggregator(client, keys, settings)
    for batch in batches(verdicts, 37):
        await aggregator.apply(batch)
    await client.aclose()

    assert_counts_match(redis_client, keys, verdicts)
    assert redis_client.smembers(keys.brands) >= {"(none)", "acme", "globex", "initech"}


async def test_applying_again_changes_nothing(settings: Settings, keys: Keys, redis_client: redis.Redis) -> None:
    verdicts = random_verdicts(random.Random(2), 150, span_seconds=600)
    client = async_client(decode=True)
    aggregator = Aggregator(client, keys, settings)
    for batch in batches(verdicts, 50):
        await aggregator.apply(batch)
    once = {k: redis_client.lrange(k, 0, -1) for k in redis_client.scan_iter(f"{keys.prefix}:recent:*")}
    before = dump(redis_client, keys.prefix)

    await aggregator.apply(verdicts + verdicts[:10])
    await client.aclose()

    assert dump(redis_client, keys.prefix) == before
    assert {k: redis_client.lrange(k, 0, -1) for k in once} == once


async def test_redelivery_in_other_splits_from_two_aggregators_at_once_counts_once(
    settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    verdicts = random_verdicts(random.Random(3), 600, span_seconds=900)
    shuffled = random.Random(4).sample(verdicts, len(verdicts))
    # Two workers, each with its own connection (one decoding replies, one not), see overlapping
    # redeliveries in different batch shapes, interleaved on the wire.
    first, second = async_client(), async_client(decode=True)
    one, two = Aggregator(first, keys, settings), Aggregator(second, keys, settings)

    async def feed(aggregator: Aggregator, parts: list[list[Verdict]]) -> None:
        for part in parts:
            await aggregator.apply(part)

    await asyncio.gather(
        feed(one, batches(verdicts, 23) + batches(verdicts[:200], 7)),
        feed(two, batches(shuffled, 64)),
        feed(one, batches(shuffled[300:], 101)),
    )
    await first.aclose()
    await second.aclose()

    assert_counts_match(redis_client, keys, verdicts)
    for key in redis_client.scan_iter(f"{keys.prefix}:recent:*"):
        ids = [Verdict.model_validate_json(raw).post_id for raw in redis_client.lrange(key, 0, -1)]
        assert len(ids) == len(set(ids))


async def test_window_is_chosen_by_post_time_at_the_boundaries(
    settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    cases = {
        "before": T0 - timedelta(microseconds=1),  # last instant of 09:59 and of hour 09
        "at": T0,
        "end-of-minute": T0 + timedelta(seconds=59, microseconds=999_999),
        "next-minute": T0 + timedelta(minutes=1),
        "naive": datetime(2024, 3, 1, 10, 0, 30),  # no zone: taken as UTC, like posts
        "plus-two": datetime(2024, 3, 1, 12, 0, 30, tzinfo=timezone(timedelta(hours=2))),
        "next-hour": T0 + timedelta(hours=1),
    }
    client = async_client()
    await Aggregator(client, keys, settings).apply([verdict(name, at) for name, at in cases.items()])
    await client.aclose()

    def volume(window: str, start: datetime) -> int:
        return int(redis_client.hget(keys.agg(window, "acme", int(start.timestamp())), "volume") or 0)

    minute = timedelta(minutes=1)
    assert volume("1m", T0 - minute) == 1
    assert volume("1m", T0) == 4  # at, end-of-minute, naive, plus-two
    assert volume("1m", T0 + minute) == 1
    assert volume("1h", T0 - timedelta(hours=1)) == 1
    assert volume("1h", T0) == 5
    assert volume("1h", T0 + timedelta(hours=1)) == 1


async def test_every_key_expires_with_its_window_retention(
    settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    short_dedupe = settings.model_copy(update={"dedupe_seconds": 3600})
    client = async_client()
    await Aggregator(client, keys, short_dedupe).apply(random_verdicts(random.Random(5), 50, span_seconds=120))
    await client.aclose()

    day2, month4 = 60 * 2880, 3600 * 2880
    key_names = list(redis_client.scan_iter(f"{keys.prefix}:*"))
    assert any(":1m:" in k for k in key_names) and any(":1h:" in k for k in key_names)
    for key in key_names:
        ttl = redis_client.ttl(key)
        retention = day2 if ":1m:" in key else month4
        # Seen sets live the dedupe horizon, here shorter than either retention.
        expected = 3600 if key.startswith(f"{keys.prefix}:aggseen:") else retention
        assert expected - 60 <= ttl <= expected, (key, ttl)


async def test_recent_list_is_capped_newest_first_and_holds_the_verdicts(
    settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    capped = settings.model_copy(update={"recent_posts": 5})
    verdicts = [verdict(f"r{i}", T0 + timedelta(seconds=i), polarity="negative") for i in range(12)]
    client = async_client()
    aggregator = Aggregator(client, keys, capped)
    for batch in batches(verdicts, 4):
        await aggregator.apply(batch)
    await aggregator.apply(verdicts[:3])  # redelivered: must not reappear at the head
    await client.aclose()

    stored = [Verdict.model_validate_json(raw) for raw in redis_client.lrange(keys.recent("acme"), 0, -1)]
    assert stored == list(reversed(verdicts))[:5]


async def test_non_ascii_ids_brands_and_aspects_count_once(
    settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    verdicts = [
        verdict(f'😀-{i}\n"é"', T0, brand=["Café ☕", 'q"uote'], aspects=[("préis", "negative")], polarity="negative")
        for i in range(3)
    ]
    client = async_client()
    aggregator = Aggregator(client, keys, settings)
    await aggregator.apply(verdicts)
    await aggregator.apply(verdicts[::-1])
    await client.aclose()

    assert_counts_match(redis_client, keys, verdicts)
    assert redis_client.hget(keys.agg("1m", "Café ☕", int(T0.timestamp())), "asp:préis:negative") == "3"


async def test_retention_is_the_setting(settings: Settings, keys: Keys, redis_client: redis.Redis) -> None:
    """SENTIMON_RETENTION_WINDOWS=10 keeps ten windows of each length: 10 minutes of 1m, 10 hours of 1h."""
    short = settings.model_copy(update={"retention_windows": 10, "dedupe_seconds": 60})
    client = async_client()
    await Aggregator(client, keys, short).apply([verdict("p1", T0, brand=["acme"])])
    await client.aclose()
    assert 540 <= redis_client.ttl(keys.agg("1m", "acme", int(T0.timestamp()))) <= 600
    assert 35_940 <= redis_client.ttl(keys.agg("1h", "acme", int(T0.timestamp()))) <= 36_000
    assert 35_940 <= redis_client.ttl(keys.recent("acme")) <= 36_000

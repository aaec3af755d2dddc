"""Spike alerts against real Redis: a planted spike fires once, a flat stream never does."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
import redis

from sentimon.records import Alert, Verdict
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.aggregates import Aggregator
from stream.alerts import WindowCount, find_spikes, measure
from tests.stream.aggregate_support import T0, async_client, verdict

MINUTE = timedelta(minutes=1)


@pytest.fixture
def alert_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"alert_baseline_windows": 10, "alert_min_volume": 20, "alert_z": 3.0, "alert_share_std_floor": 0.05}
    )


def minute_of_posts(
    tag: str, start: datetime, volume: int, negatives: int, brand: str = "acme"
) -> tuple[list[Verdict], list[str]]:
    """``volume`` posts inside one minute, negatives spread evenly; returns them and the negative ids."""
    step = volume / negatives if negatives else 0
    negative_at = {int(i * step) for i in range(negatives)}
    posts = [
        verdict(
            f"{tag}-{i}",
            start + timedelta(seconds=i * 59 / volume),
            brand=[brand],
            polarity="negative" if i in negative_at else "positive",
            score=-0.8 if i in negative_at else 0.7,
        )
        for i in range(volume)
    ]
    return posts, [p.post_id for p in posts if p.polarity == "negative"]


def stored_alerts(client: redis.Redis, keys: Keys) -> list[Alert]:
    return [Alert.model_validate_json(raw) for raw in client.zrange(keys.alerts, 0, -1)]


async def test_planted_negative_spike_alerts_once_with_its_negative_posts(
    alert_settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    client = async_client()
    aggregator = Aggregator(client, keys, alert_settings)
    for k in range(12):
        posts, _ = minute_of_posts(f"base{k}", T0 + k * MINUTE, volume=25, negatives=4 + k % 3)
        assert await aggregator.apply(posts) == []

    spike_start = T0 + 12 * MINUTE
    spike, negative_ids = minute_of_posts("spike", spike_start, volume=30, negatives=24)
    assert await aggregator.apply(spike[:10]) == []  # 10 posts: below the minimum volume
    raised = await aggregator.apply(spike[10:20])
    later = await aggregator.apply(spike[20:]) + await aggregator.apply(spike)
    await client.aclose()

    assert later == []
    assert [(a.brand, a.window, a.kind) for a in raised] == [("acme", "1m", "negative_share")]
    alert = raised[0]
    assert alert.window_start == spike_start
    assert alert.volume == 20
    first_twenty_negative = {p.post_id for p in spike[:20] if p.polarity == "negative"}
    assert set(alert.post_ids) == first_twenty_negative <= set(negative_ids)
    assert alert.value == pytest.approx(len(first_twenty_negative) / 20)
    assert alert.baseline_mean == pytest.approx(sum((4 + k % 3) / 25 for k in range(2, 12)) / 10)
    assert alert.z >= 3.0
    assert stored_alerts(redis_client, keys) == raised
    marker = keys.alerted("1m", "acme", int(spike_start.timestamp()), "negative_share")
    assert redis_client.ttl(marker) > 0


async def test_flat_stream_never_alerts(settings: Settings, keys: Keys, redis_client: redis.Redis) -> None:
    """Exactly flat baselines (std 0) and a small blip: the std floors keep z small."""
    flat = settings.model_copy(update={"alert_baseline_windows": 10})
    client = async_client()
    aggregator = Aggregator(client, keys, flat)
    raised: list[Alert] = []
    for k in range(40):
        volume, negatives = (27, 6) if k == 35 else (25, 5)
        posts, _ = minute_of_posts(f"m{k}", T0 + k * MINUTE, volume, negatives)
        raised += await aggregator.apply(posts)
    await client.aclose()

    assert raised == []
    assert redis_client.zcard(keys.alerts) == 0


async def test_volume_spike_alerts_and_silence_counts_as_zero(
    alert_settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    client = async_client()
    aggregator = Aggregator(client, keys, alert_settings)
    for k in range(12):
        await aggregator.apply(minute_of_posts(f"a{k}", T0 + k * MINUTE, volume=10, negatives=2)[0])
    for k in (0, 5):  # seen since T0, then one small window in the baseline, silence otherwise
        await aggregator.apply(minute_of_posts(f"g{k}", T0 + k * MINUTE, volume=3, negatives=0, brand="globex")[0])

    burst_start = T0 + 12 * MINUTE
    burst, burst_negative = minute_of_posts("a-burst", burst_start, volume=60, negatives=12)
    after_silence, _ = minute_of_posts("g-burst", burst_start, volume=25, negatives=5, brand="globex")
    first_minute, _ = minute_of_posts("i0", burst_start, volume=60, negatives=12, brand="initech")
    raised = await aggregator.apply(burst + after_silence + first_minute)
    await client.aclose()

    by_brand = {a.brand: a for a in raised}
    assert sorted((a.brand, a.kind) for a in raised) == [("acme", "volume"), ("globex", "volume")]
    assert by_brand["acme"].value == 60 and by_brand["acme"].baseline_mean == pytest.approx(10)
    assert sorted(by_brand["acme"].post_ids) == sorted(burst_negative)
    # globex: one window of 3 posts, nine silent ones count as zeros.
    assert by_brand["globex"].baseline_mean == pytest.approx(0.3)
    # initech has no history: its zeros would mean "not watched yet", so no alert.
    assert "initech" not in by_brand
    assert len(stored_alerts(redis_client, keys)) == 2


async def test_two_aggregators_on_the_same_spike_raise_it_once(
    alert_settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    clients = [async_client(), async_client(decode=True)]
    one, two = (Aggregator(c, keys, alert_settings) for c in clients)
    for k in range(12):
        await one.apply(minute_of_posts(f"base{k}", T0 + k * MINUTE, volume=25, negatives=5)[0])
    spike, _ = minute_of_posts("spike", T0 + 12 * MINUTE, volume=34, negatives=28)

    async def feed(aggregator: Aggregator, size: int) -> list[Alert]:
        raised: list[Alert] = []
        for i in range(0, len(spike), size):
            raised += await aggregator.apply(spike[i : i + size])
        return raised

    results = await asyncio.gather(feed(one, 5), feed(two, 8), feed(one, 13))
    for client in clients:
        await client.aclose()

    raised = [a for result in results for a in result]
    assert [(a.brand, a.kind) for a in raised] == [("acme", "negative_share")]
    assert stored_alerts(redis_client, keys) == raised


def test_share_rule_floors_the_spread_and_needs_a_baseline(alert_settings: Settings) -> None:
    flat = [(25, 5)] * 10  # share 0.2, std 0

    def kinds(volume: int, negative: int, previous: list[tuple[int, int]]) -> list[str]:
        count = WindowCount("acme", "1m", 0, counted=1, volume=volume, negative=negative)
        return [s.kind for s in find_spikes(count, previous, full_history=True, settings=alert_settings)]

    # 25 posts: binomial noise √(0.2·0.8/25) = 0.08 is the spread
    assert kinds(25, 7, flat) == []  # 0.28: z = 0.08 / 0.08 = 1.0
    assert kinds(25, 9, flat) == []  # 0.36: z = 2.0, within the noise of 25 posts
    assert kinds(25, 12, flat) == ["negative_share"]  # 0.48: z = 3.5
    # 400 posts: binomial noise 0.02, so the configured floor 0.05 is the spread
    busy = [(400, 80)] * 10  # share 0.2 on a steady 400 posts a window
    assert kinds(400, 112, busy) == []  # 0.28: z = 1.6
    assert kinds(400, 144, busy) == ["negative_share"]  # 0.36: z = 3.2
    assert kinds(25, 25, [(0, 0)] * 8 + [(25, 5)] * 2) == []  # two windows with posts are no baseline
    assert kinds(19, 19, flat) == []  # below the minimum volume


async def test_a_brand_that_stays_high_raises_one_alert_resolved_once_back_in_the_band(
    alert_settings: Settings, keys: Keys, redis_client: redis.Redis
) -> None:
    wide = alert_settings.model_copy(update={"alert_baseline_windows": 20})
    client = async_client()
    aggregator = Aggregator(client, keys, wide)
    for k in range(22):
        assert await aggregator.apply(minute_of_posts(f"base{k}", T0 + k * MINUTE, 25, 4 + k % 3)[0]) == []
    raised: list[Alert] = []
    for k in (22, 23, 24):  # three high minutes in a row: each alone would alert
        raised += await aggregator.apply(minute_of_posts(f"high{k}", T0 + k * MINUTE, 25, 24)[0])
    assert [(a.kind, a.window_start) for a in raised] == [("negative_share", T0 + 22 * MINUTE)]
    alert = raised[0]
    open_key = keys.alert_open("1m", "acme", "negative_share")
    assert redis_client.exists(open_key)
    assert not redis_client.hexists(keys.alerts_resolved, alert.ident)

    assert await aggregator.apply(minute_of_posts("calm", T0 + 25 * MINUTE, 25, 5)[0]) == []
    await client.aclose()
    assert redis_client.hget(keys.alerts_resolved, alert.ident) == (T0 + 25 * MINUTE).isoformat()
    assert not redis_client.exists(open_key)
    assert alert.backfill  # 2024 posts: a replay of the past, never delivered


def test_measure_reports_calm_windows_too(alert_settings: Settings) -> None:
    """Resolution needs the z of windows that do not spike; find_spikes keeps only the spikes."""
    count = WindowCount("acme", "1m", 0, counted=1, volume=25, negative=5)
    measured = measure(count, [(25, 5)] * 10, full_history=True, settings=alert_settings)
    assert {s.kind for s in measured} == {"negative_share", "volume"}
    assert all(s.z < alert_settings.alert_resolve_z for s in measured)
    assert find_spikes(count, [(25, 5)] * 10, full_history=True, settings=alert_settings) == []

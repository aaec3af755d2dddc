"""Thread deferral on real Redis: parking, release by the parent, timeouts, bounds, leases, races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from sentimon.records import Post
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream import deferral as deferral_module
from stream.deferral import Deferral
from stream.ledger import Origin

NOW = datetime(2024, 1, 1, tzinfo=UTC)
PARENT = Post(id="parent", text="the parent post")


def reply(n: int, parent: str = "parent") -> Post:
    return Post(id=f"reply-{n}", text=f"reply {n}", parent_id=parent)


def arriving(*posts: Post) -> list[tuple[Post, Origin, datetime]]:
    return [(post, Origin(0, i), NOW) for i, post in enumerate(posts)]


def make(aredis: Redis, keys: Keys, **settings: object) -> Deferral:
    return Deferral(aredis, keys, Settings(**{"defer_max_seconds": 5.0, **settings}))


async def test_a_reply_waits_and_its_parent_releases_it_with_context(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys)
    first = await deferral.arrive(arriving(reply(1)))
    assert first.parked == ["reply-1"] and not first.released
    assert await deferral.pending() == 1

    second = await deferral.arrive(arriving(PARENT))
    assert [(r.parked.post.id, r.context) for r in second.released] == [("reply-1", PARENT.text)]
    assert second.released[0].parked.origin == Origin(0, 0)
    await deferral.finish(["reply-1"])
    assert await deferral.pending() == 0
    assert await aredis.hlen(keys.deferred_data) == 0


async def test_a_parent_in_the_same_batch_is_found_whatever_the_order(aredis: Redis, keys: Keys) -> None:
    arrival = await make(aredis, keys).arrive(arriving(reply(1), PARENT))
    assert arrival.contexts == {"reply-1": PARENT.text}
    assert not arrival.parked and not arrival.released


async def test_a_parent_seen_earlier_is_context_at_once_and_texts_expire(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys, context_ttl_seconds=600)
    await deferral.arrive(arriving(PARENT))
    assert (await deferral.arrive(arriving(reply(1)))).contexts == {"reply-1": PARENT.text}
    assert 590 <= await aredis.ttl(keys.post_text(PARENT.id)) <= 600


async def test_a_reply_whose_parent_never_comes_times_out_once(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys, defer_max_seconds=0.2)
    await deferral.arrive(arriving(reply(1, parent="missing")))
    assert await deferral.claim_expired() == []
    await asyncio.sleep(0.3)
    taken = await deferral.claim_expired()
    assert [(r.parked.post.id, r.context) for r in taken] == [("reply-1", None)]
    assert await deferral.claim_expired() == []  # leased to the taker
    await deferral.finish(["reply-1"])
    assert await deferral.pending() == 0


async def test_a_taker_that_dies_leaves_the_reply_to_the_next_sweep(
    aredis: Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deferral_module, "CLAIM_LEASE_SECONDS", 0.2)
    deferral = make(aredis, keys, defer_max_seconds=0.1)
    await deferral.arrive(arriving(reply(1)))
    await asyncio.sleep(0.15)
    assert len(await deferral.claim_expired()) == 1  # ... and the taker dies without finishing
    await deferral.arrive(arriving(PARENT))  # the parent comes meanwhile: it must not release it twice
    await asyncio.sleep(0.25)
    again = await deferral.claim_expired()
    assert [(r.parked.post.id, r.context) for r in again] == [("reply-1", PARENT.text)]


async def test_a_released_reply_is_not_timed_out_as_well(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys, defer_max_seconds=0.1)
    await deferral.arrive(arriving(reply(1)))
    await asyncio.sleep(0.15)  # overdue, but the parent comes before any sweep
    assert len((await deferral.arrive(arriving(PARENT))).released) == 1
    assert await deferral.claim_expired() == []


async def test_waiting_is_bounded_in_number(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys, defer_max_pending=2)
    arrival = await deferral.arrive(arriving(reply(1), reply(2), reply(3)))
    assert arrival.parked == ["reply-1", "reply-2"] and arrival.overflow == ["reply-3"]


async def test_disabled_deferral_parks_nothing(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys, defer_max_seconds=0)
    assert not deferral.enabled
    arrival = await deferral.arrive(arriving(reply(1)))
    assert arrival.overflow == ["reply-1"] and await deferral.pending() == 0


async def test_a_redelivered_reply_is_parked_once(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys)
    await deferral.arrive(arriving(reply(1)))
    assert (await deferral.arrive(arriving(reply(1)))).parked == ["reply-1"]
    assert await deferral.pending() == 1
    assert len((await deferral.arrive(arriving(PARENT))).released) == 1


async def test_parent_and_sweeps_racing_take_each_reply_exactly_once(aredis: Redis, keys: Keys) -> None:
    deferral = make(aredis, keys, defer_max_seconds=0.05)
    replies = [reply(n) for n in range(200)]
    await deferral.arrive(arriving(*replies))
    await asyncio.sleep(0.1)
    sweepers = [make(aredis, keys, defer_max_seconds=0.05) for _ in range(3)]
    results = await asyncio.gather(deferral.arrive(arriving(PARENT)), *(s.claim_expired(limit=500) for s in sweepers))
    taken = [r.parked.post.id for r in results[0].released]
    for claimed in results[1:]:
        taken += [r.parked.post.id for r in claimed]
    assert sorted(taken) == sorted(r.id for r in replies)

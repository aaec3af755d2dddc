"""The ledger tells a redelivery (same message again) and a re-publication (same bytes, new offset) from a
duplicate (another message, same id)."""

from __future__ import annotations

from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from stream.ledger import Ledger, Origin, Repeat, Stage, digest


async def test_marks_tell_redeliveries_from_duplicates(aredis: Redis, keys: Keys) -> None:
    ledger = Ledger(aredis, keys, ttl_seconds=600)
    assert await ledger.lookup(["a", "b"]) == {}
    await ledger.mark([("a", Stage.STUDENT, Origin(2, 40)), ("b", Stage.DEFERRED, Origin(1, 7))])

    marks = await ledger.lookup(["a", "b", "c"])
    assert set(marks) == {"a", "b"}
    assert marks["a"].stage is Stage.STUDENT
    assert marks["a"].repeat_of(Origin(2, 40)) is Repeat.REDELIVERY
    assert marks["a"].repeat_of(Origin(2, 41)) is Repeat.DUPLICATE
    assert marks["a"].repeat_of(Origin(3, 40)) is Repeat.DUPLICATE
    assert 590 <= await aredis.ttl(keys.verdict_done("a")) <= 600


async def test_a_later_stage_keeps_the_origin(aredis: Redis, keys: Keys) -> None:
    ledger = Ledger(aredis, keys, ttl_seconds=600)
    await ledger.mark([("a", Stage.ESCALATED, Origin(0, 3))])
    await ledger.mark_stage(["a"], Stage.TEACHER)
    assert await ledger.stages(["a", "z"]) == {"a": Stage.TEACHER}
    assert (await ledger.lookup(["a"]))["a"].origin == Origin(0, 3)


async def test_the_digest_of_the_first_mark_tells_a_republication(aredis: Redis, keys: Keys) -> None:
    ledger = Ledger(aredis, keys, ttl_seconds=600)
    first, other = digest(b'{"id": "a", "text": "hi"}'), digest(b'{"id": "a", "text": "hi!"}')
    await ledger.mark([("a", Stage.DEFERRED, Origin(0, 3))], {"a": first})
    await ledger.mark([("a", Stage.STUDENT, Origin(0, 3))])  # the parked reply scored later keeps its digest

    (mark,) = (await ledger.lookup(["a"])).values()
    assert (mark.stage, mark.digest) == (Stage.STUDENT, first)
    assert mark.repeat_of(Origin(0, 3), other) is Repeat.REDELIVERY
    assert mark.repeat_of(Origin(1, 9), first) is Repeat.REPUBLISHED
    assert mark.repeat_of(Origin(1, 9), other) is Repeat.DUPLICATE

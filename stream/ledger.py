"""Which posts have been decided, and from which message.

Delivery is at-least-once, so after a crash a worker re-reads up to one commit interval of posts it
has already handled. Remembering *where* each post was read from (partition and offset of the
``posts`` topic) tells two cases apart that look alike by id alone: the same message read again
(a redelivery, skipped quietly) and a different message reusing a decided id (a producer bug, sent
to the dead-letter topic). A digest of the message's bytes tells a third case apart: the very same
bytes published again at a new offset, which is what an at-least-once producer does when it
retries a send whose acknowledgement it missed; that is skipped quietly too, and counted. A mark is
written only after the broker acknowledged what it records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

from sentimon.redis_layout import Keys

# One script call per batch, not one command per post: a worker's Redis client spent more CPU
# packing and parsing the per-post commands than Redis spent running them.
_LOOKUP = """
local rows = {}
for i, key in ipairs(KEYS) do
  rows[i] = redis.call('HMGET', key, 'stage', 'origin', 'digest')
end
return rows
"""

# ARGV: the TTL, then stage, origin and digest per key ('' keeps the digest a first mark wrote).
_MARK = """
for i, key in ipairs(KEYS) do
  local at = 2 + (i - 1) * 3
  redis.call('HSET', key, 'stage', ARGV[at], 'origin', ARGV[at + 1])
  if ARGV[at + 2] ~= '' then redis.call('HSET', key, 'digest', ARGV[at + 2]) end
  redis.call('EXPIRE', key, ARGV[1])
end
return #KEYS
"""


class Stage(StrEnum):
    DEFERRED = "deferred"  # parked until its thread's parent arrives
    STUDENT = "student"  # the worker published the final verdict
    ESCALATED = "escalated"  # handed to the teacher, whose verdict is still to come
    TEACHER = "teacher"  # the teacher role published the final verdict


class Repeat(StrEnum):
    REDELIVERY = "redelivery"  # the same message, read again
    REPUBLISHED = "republished"  # the same bytes, published again at another offset
    DUPLICATE = "duplicate"  # another message with the same id


def digest(value: bytes | None) -> str:
    """A short fingerprint of a message's bytes: equal bytes, equal digest."""
    return hashlib.blake2b(value or b"", digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where in the ``posts`` topic a post was read."""

    partition: int
    offset: int

    def encode(self) -> str:
        return f"{self.partition}:{self.offset}"

    @classmethod
    def decode(cls, text: str) -> Origin:
        partition, offset = text.split(":")
        return cls(int(partition), int(offset))


@dataclass(frozen=True, slots=True)
class Mark:
    stage: Stage
    origin: Origin
    digest: str | None = None

    def repeat_of(self, origin: Origin, digest: str | None = None) -> Repeat:
        if origin == self.origin:
            return Repeat.REDELIVERY
        if digest is not None and digest == self.digest:
            return Repeat.REPUBLISHED
        return Repeat.DUPLICATE


class Ledger:
    def __init__(self, redis: Redis, keys: Keys, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds
        self._lookup = redis.register_script(_LOOKUP)
        self._mark = redis.register_script(_MARK)

    async def lookup(self, post_ids: Sequence[str]) -> dict[str, Mark]:
        """Marks of those ids that have one."""
        if not post_ids:
            return {}
        rows = await self._lookup(keys=[self._keys.verdict_done(post_id) for post_id in post_ids])
        marks = {}
        for post_id, (stage, origin, content) in zip(post_ids, rows, strict=True):
            if stage and origin:
                marks[post_id] = Mark(Stage(stage), Origin.decode(origin), content)
        return marks

    async def mark(
        self, entries: Iterable[tuple[str, Stage, Origin]], digests: Mapping[str, str] | None = None
    ) -> None:
        """Record each post's stage and origin, and the digest of its bytes where ``digests`` has one.

        A post's later marks (a parked reply finally scored) need no digest: its first one keeps it.
        """
        digests = digests or {}
        keys: list[str] = []
        args: list[str | int] = [self._ttl]
        for post_id, stage, origin in entries:
            keys.append(self._keys.verdict_done(post_id))
            args += [stage.value, origin.encode(), digests.get(post_id, "")]
        if keys:
            await self._mark(keys=keys, args=args)

    async def stages(self, post_ids: Sequence[str]) -> dict[str, Stage]:
        if not post_ids:
            return {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for post_id in post_ids:
                pipe.hget(self._keys.verdict_done(post_id), "stage")
            rows = await pipe.execute()
        return {post_id: Stage(s) for post_id, s in zip(post_ids, rows, strict=True) if s}

    async def mark_stage(self, post_ids: Iterable[str], stage: Stage) -> None:
        """Move posts to a later stage, keeping the origin the worker recorded."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for post_id in post_ids:
                key = self._keys.verdict_done(post_id)
                pipe.hset(key, "stage", stage.value)
                pipe.expire(key, self._ttl)
            await pipe.execute()

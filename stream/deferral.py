"""Replies that arrive before their thread's parent wait for it, bounded in time and in number.

"same here" means nothing without the post it answers, so a reply is scored with its parent's text
as context. Posts are keyed by their own id, so a reply and its parent usually land on different
partitions, possibly different workers: all state therefore lives in Redis, and every post's text
is kept there (with a TTL) for replies that come later. The three Lua scripts make each hand-over
atomic, so that a parent arriving on one worker and a timeout sweep on another never both take the
same reply:

* ``remember`` stores a post's text and hands out the replies that were waiting for it;
* ``park`` returns the parent's text when it is known, and otherwise parks the reply;
* ``claim`` takes replies whose deadline passed.

Taking a reply does not delete it: its deadline moves a lease into the future, and :meth:`finish`
deletes it after its verdict is published. A worker that dies in between leaves the reply to be
taken again when the lease runs out, so a deferred post is never lost to a crash.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from redis.asyncio import Redis

from sentimon.records import Post
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.ledger import Origin

# How long a taken reply stays with the worker that took it before others may take it again.
CLAIM_LEASE_SECONDS = 30.0

# A whole batch in one call. KEYS: the deferred set and its data, then each post's text key and
# waiting set; ARGV: the TTL, the lease, then each post's text.
_REMEMBER = """
local released = {}
for i = 3, #KEYS, 2 do
  redis.call('SET', KEYS[i], ARGV[2 + (i - 1) / 2], 'EX', ARGV[1])
  local waiting = redis.call('SMEMBERS', KEYS[i + 1])
  redis.call('DEL', KEYS[i + 1])
  for _, id in ipairs(waiting) do
    if redis.call('ZSCORE', KEYS[1], id) then
      redis.call('ZADD', KEYS[1], ARGV[2], id)
      local data = redis.call('HGET', KEYS[2], id)
      if data then table.insert(released, data) end
    end
  end
end
return released
"""

_PARK = """
local text = redis.call('GET', KEYS[1])
if text then return {'context', text} end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return {'parked'} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return {'overflow'} end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[5])
return {'parked'}
"""

_CLAIM = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return false end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
local data = redis.call('HGET', KEYS[2], ARGV[1])
local parent = redis.call('GET', KEYS[4])
return {data or '', parent or ''}
"""


@dataclass(frozen=True, slots=True)
class Parked:
    """What a waiting reply needs to be scored later, on whichever worker takes it."""

    post: Post
    origin: Origin
    received_at: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "post": self.post.model_dump(mode="json", exclude_none=True),
                "origin": self.origin.encode(),
                "received_at": self.received_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Parked:
        data = json.loads(text)
        return cls(
            post=Post.model_validate_json(json.dumps(data["post"])),
            origin=Origin.decode(data["origin"]),
            received_at=datetime.fromisoformat(data["received_at"]),
        )


@dataclass(frozen=True, slots=True)
class Released:
    """A parked reply now taken for scoring, with its parent's text when the parent came."""

    parked: Parked
    context: str | None


@dataclass
class Arrival:
    """What became of a batch of new posts, as far as threads are concerned."""

    contexts: dict[str, str] = field(default_factory=dict)  # reply id → parent text, known now
    parked: list[str] = field(default_factory=list)  # reply ids now waiting
    overflow: list[str] = field(default_factory=list)  # replies to score alone: too many waiting
    released: list[Released] = field(default_factory=list)  # earlier replies whose parent came


class Deferral:
    def __init__(self, redis: Redis, keys: Keys, settings: Settings) -> None:
        self._redis = redis
        self._keys = keys
        self._max_seconds = settings.defer_max_seconds
        self._max_pending = settings.defer_max_pending
        self._ttl = settings.context_ttl_seconds
        self._remember = redis.register_script(_REMEMBER)
        self._park = redis.register_script(_PARK)
        self._claim = redis.register_script(_CLAIM)

    @property
    def enabled(self) -> bool:
        return self._max_seconds > 0 and self._max_pending > 0

    async def arrive(self, posts: Sequence[tuple[Post, Origin, datetime]]) -> Arrival:
        """Remember every post's text first, so a reply finds a parent from the same batch."""
        arrival = Arrival()
        if not posts:
            return arrival
        now = time.time()
        lease = now + CLAIM_LEASE_SECONDS
        replies = [(p, o, t) for p, o, t in posts if p.parent_id is not None]
        keys = [self._keys.deferred, self._keys.deferred_data]
        texts: list[str | float] = [self._ttl, lease]
        for post, _, _ in posts:
            keys += [self._keys.post_text(post.id), self._keys.waiting_for(post.id)]
            texts.append(post.text)
        # Called on its own, not in the parks' pipeline: a pipeline holding scripts first asks Redis
        # whether it knows them, one more round trip for every batch, and most batches park nothing.
        released = await self._remember(keys=keys, args=texts)
        outcomes: list[list[str]] = []
        if replies:
            async with self._redis.pipeline(transaction=False) as pipe:
                for post, origin, received_at in replies:
                    assert post.parent_id is not None
                    parked = Parked(post, origin, received_at).to_json()
                    await self._park(
                        keys=[
                            self._keys.post_text(post.parent_id),
                            self._keys.deferred,
                            self._keys.deferred_data,
                            self._keys.waiting_for(post.parent_id),
                        ],
                        args=[post.id, parked, now + self._max_seconds, self._pending_limit(), self._ttl],
                        client=pipe,
                    )
                outcomes = await pipe.execute()
        by_id = {post.id: post.text for post, _, _ in posts}
        for data in released:
            parked = Parked.from_json(data)
            parent = parked.post.parent_id
            arrival.released.append(Released(parked, by_id.get(parent) if parent else None))
        for (post, _, _), outcome in zip(replies, outcomes, strict=True):
            kind = outcome[0]
            if kind == "context":
                arrival.contexts[post.id] = outcome[1]
            elif kind == "parked":
                arrival.parked.append(post.id)
            else:
                arrival.overflow.append(post.id)
        return arrival

    def _pending_limit(self) -> int:
        # Disabled deferral is a limit of zero: every unknown parent is an immediate overflow.
        return self._max_pending if self.enabled else 0

    async def claim_expired(self, limit: int = 256) -> list[Released]:
        """Take replies whose wait is over, plus any whose taker died (its lease ran out)."""
        now = time.time()
        due = await self._redis.zrangebyscore(self._keys.deferred, "-inf", now, start=0, num=limit)
        if not due:
            return []
        ids = list(due)
        stored = await self._redis.hmget(self._keys.deferred_data, ids)
        claims = []
        async with self._redis.pipeline(transaction=False) as pipe:
            for post_id, data in zip(ids, stored, strict=True):
                parent = Parked.from_json(data).post.parent_id if data else None
                await self._claim(
                    keys=[
                        self._keys.deferred,
                        self._keys.deferred_data,
                        self._keys.waiting_for(parent or ""),
                        self._keys.post_text(parent or ""),
                    ],
                    args=[post_id, now, now + CLAIM_LEASE_SECONDS],
                    client=pipe,
                )
                claims.append(post_id)
            results = await pipe.execute()
        released = []
        orphans = []
        for post_id, result in zip(claims, results, strict=True):
            if not result:
                continue  # a parent arrived, or another worker took it, since we looked
            data, parent_text = result[0], result[1]
            if not data:
                orphans.append(post_id)
                continue
            released.append(Released(Parked.from_json(data), parent_text or None))
        if orphans:
            await self._redis.zrem(self._keys.deferred, *orphans)
        return released

    async def finish(self, post_ids: Sequence[str]) -> None:
        """Forget replies whose verdict or escalation is published."""
        if not post_ids:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(self._keys.deferred, *post_ids)
            pipe.hdel(self._keys.deferred_data, *post_ids)
            await pipe.execute()

    async def pending(self) -> int:
        return int(await self._redis.zcard(self._keys.deferred))

"""The live-quality state every worker shares, in Redis: answer pairs, decider tallies, recent posts, the plan.

Workers write what they decided (tallies, recent served probabilities); the teacher role writes the
student/teacher answer pairs; one worker at a time (a short lease) turns them into the report and the
routing plan, which every worker then reads. Everything is bounded: pairs are capped at
``SENTIMON_AUDIT_KEEP``, tallies live in per-minute hashes that expire after the window, recent
probabilities and the report history are capped lists.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence

from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.quality import AuditPair, Tallies, Tally
from stream.steering import RoutingPlan

RECENT_PROBS_KEEP = 2000
HISTORY_KEEP = 2000
_TALLY_FIELDS = ("accepted", "teacher", "low")

# Write a pair once per post (a redelivered or repeated answer is ignored), then keep the newest ``cap``.
_ADD_PAIR = """
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[1], 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
  redis.call('HDEL', KEYS[2], unpack(old))
end
return 1
"""


def pair_to_json(pair: AuditPair) -> str:
    return json.dumps(
        {
            "post_id": pair.post_id,
            "brands": list(pair.brands),
            "student": pair.student,
            "teacher": pair.teacher,
            "probs": list(pair.probs),
            "model_version": pair.model_version,
            "at": pair.at,
            "kind": pair.kind,
        }
    )


def pair_from_json(text: str) -> AuditPair:
    data = json.loads(text)
    return AuditPair(
        post_id=data["post_id"],
        brands=tuple(data["brands"]),
        student=int(data["student"]),
        teacher=int(data["teacher"]),
        probs=tuple(float(p) for p in data["probs"]),  # type: ignore[arg-type]
        model_version=data["model_version"],
        at=float(data["at"]),
        kind=data["kind"],
    )


class QualityStore:
    def __init__(self, redis: Redis, keys: Keys, *, keep_pairs: int, window_seconds: float) -> None:
        self._redis = redis
        self._keys = keys
        self._keep = keep_pairs
        self._window = window_seconds
        self._add_pair = redis.register_script(_ADD_PAIR)

    @classmethod
    def of(cls, redis: Redis, settings: Settings) -> QualityStore:
        return cls(
            redis,
            Keys(settings.redis_prefix),
            keep_pairs=settings.audit_keep,
            window_seconds=settings.quality_window_seconds,
        )

    # --- answer pairs (teacher role) ------------------------------------------------------
    async def add_pair(self, pair: AuditPair) -> bool:
        """Keep one student/teacher pair; False when this post already has one (the repeat is ignored)."""
        added = await self._add_pair(
            keys=[self._keys.audits, self._keys.audit_data],
            args=[pair.post_id, pair.at, pair_to_json(pair), self._keep],
        )
        return bool(added)

    async def pairs(self, since: float) -> list[AuditPair]:
        """Pairs answered at or after ``since``, oldest first."""
        ids = await self._redis.zrangebyscore(self._keys.audits, since, "+inf")
        if not ids:
            return []
        rows = await self._redis.hmget(self._keys.audit_data, ids)
        return [pair_from_json(row) for row in rows if row]

    # --- decider tallies (workers, and the teacher role on fallback) -----------------------
    async def tally(self, counts: Iterable[tuple[str, Sequence[str], int]], now: float | None = None) -> None:
        """Add ``(decider, brands, n)`` counts to this minute's tally; decider in accepted/teacher/low."""
        now = time.time() if now is None else now
        key = self._keys.route_tally(int(now // 60))
        # Summed here first: a batch's posts share a few deciders and brands, and one command per
        # field instead of one per post is what keeps this off a busy worker's CPU profile.
        fields: Counter[str] = Counter()
        for decider, brands, n in counts:
            fields[decider] += n
            for brand in brands:
                fields[f"{decider}|{brand}"] += n
        pipe = self._redis.pipeline(transaction=False)
        for field, n in fields.items():
            if n:
                pipe.hincrby(key, field, n)
        pipe.expire(key, int(self._window) + 120)
        await pipe.execute()

    async def tallies(self, now: float | None = None) -> Tallies:
        """The tallies of the minutes within the window."""
        now = time.time() if now is None else now
        minutes = range(int((now - self._window) // 60) + 1, int(now // 60) + 1)
        pipe = self._redis.pipeline(transaction=False)
        for minute in minutes:
            pipe.hgetall(self._keys.route_tally(minute))
        result = Tallies()
        for row in await pipe.execute():
            for name, value in row.items():
                decider, _, brand = name.partition("|")
                if decider not in _TALLY_FIELDS:
                    continue
                tally = result.brand(brand) if brand else result.overall
                setattr(tally, decider, getattr(tally, decider) + int(value))
        for tally in result.brands.values():
            _clip(tally)
        _clip(result.overall)
        return result

    # --- recent served probabilities (workers) ---------------------------------------------
    async def remember_probs(self, model_version: str, probs: Sequence[Sequence[float]]) -> None:
        if not probs:
            return
        rows = [",".join([model_version, *(f"{p:.5f}" for p in row)]) for row in probs]
        pipe = self._redis.pipeline(transaction=False)
        pipe.lpush(self._keys.recent_probs, *rows)
        pipe.ltrim(self._keys.recent_probs, 0, RECENT_PROBS_KEEP - 1)
        await pipe.execute()

    async def recent_probs(self, model_version: str) -> list[tuple[float, float, float]]:
        rows = await self._redis.lrange(self._keys.recent_probs, 0, -1)
        recent = []
        for row in rows:
            version, *values = row.rsplit(",", 3)
            if version == model_version:
                recent.append((float(values[0]), float(values[1]), float(values[2])))
        return recent

    # --- plan and report (one worker writes, every worker reads) ---------------------------
    async def lease(self, holder: str, seconds: float) -> bool:
        """True for the one caller per period that should refresh the plan and the report."""
        return bool(await self._redis.set(self._keys.quality_lock, holder, nx=True, px=int(seconds * 1000)))

    async def publish(self, plan: RoutingPlan, report: dict[str, object], point: dict[str, object]) -> None:
        at = float(point["at"])  # type: ignore[arg-type]
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self._keys.routing_plan, plan.to_json())
        pipe.set(self._keys.quality_report, json.dumps(report))
        pipe.zadd(self._keys.quality_history, {json.dumps(point): at})
        pipe.zremrangebyrank(self._keys.quality_history, 0, -HISTORY_KEEP - 1)
        await pipe.execute()

    async def plan(self) -> RoutingPlan | None:
        text = await self._redis.get(self._keys.routing_plan)
        return RoutingPlan.from_json(text) if text else None

    async def report(self) -> dict[str, object] | None:
        text = await self._redis.get(self._keys.quality_report)
        return json.loads(text) if text else None

    async def next_calibration_version(self) -> int:
        return int(await self._redis.incr(self._keys.calibration_version))


def _clip(tally: Tally) -> None:
    """A fallback moves a post from ``teacher`` to ``low`` in the minute it failed, which may not be the
    minute it was sent in; near the window's edge that can leave one side a little negative."""
    tally.teacher = max(0, tally.teacher)

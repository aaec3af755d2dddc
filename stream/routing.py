"""Who decides a post: the student when it is confident, the teacher when not and budget remains.

The decision itself is a pure function of the calibrated top probability, so the threshold means
what the calibration curve says: at ``accept_threshold`` = 0.8 the student is right about 80 % of
the time on posts it scores 0.8 (see the README on choosing it). The teacher budget is global,
shared by every worker through Redis counters in fixed one-second and one-minute buckets; what
does not fit stays a student verdict flagged ``budget_exhausted``, so an LLM bill can never run
away with a traffic spike.
"""

from __future__ import annotations

import math
import time
from enum import StrEnum

from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings


class Route(StrEnum):
    ACCEPT = "accept"
    ESCALATE = "escalate"


def route(max_prob: float, accept_threshold: float) -> Route:
    return Route.ACCEPT if max_prob >= accept_threshold else Route.ESCALATE


def second_bucket(rate_per_second: float) -> tuple[int, int]:
    """(bucket length in seconds, escalations per bucket) for a per-second rate.

    Fixed buckets need whole numbers: a rate of 20/s is 20 per 1 s bucket; a rate below 1/s
    becomes one escalation per ⌈1/rate⌉ s (0.3/s → one per 4 s); fractions above 1 round down.
    """
    if rate_per_second <= 0:
        return 1, 0
    if rate_per_second >= 1:
        return 1, math.floor(rate_per_second)
    return math.ceil(1 / rate_per_second), 1


# Grant as many of ARGV[1] as both buckets still allow, and count them, in one atomic step.
_TAKE = """
local wanted = tonumber(ARGV[1])
local used_s = tonumber(redis.call('GET', KEYS[1]) or '0')
local used_m = tonumber(redis.call('GET', KEYS[2]) or '0')
local granted = math.min(wanted, tonumber(ARGV[2]) - used_s, tonumber(ARGV[3]) - used_m)
if granted <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], granted)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('INCRBY', KEYS[2], granted)
redis.call('EXPIRE', KEYS[2], 120)
return granted
"""


class TeacherBudget:
    def __init__(self, redis: Redis, keys: Keys, settings: Settings) -> None:
        self._keys = keys
        self._second_length, self._per_bucket = second_bucket(settings.teacher_budget_per_second)
        self._per_minute = settings.teacher_budget_per_minute
        self._take = redis.register_script(_TAKE)

    async def take(self, wanted: int, now: float | None = None) -> int:
        """How many of ``wanted`` escalations may go to the teacher now (they are counted as spent)."""
        if wanted <= 0:
            return 0
        now = time.time() if now is None else now
        second = self._keys.budget(f"{self._second_length}s", int(now // self._second_length))
        minute = self._keys.budget("1m", int(now // 60))
        granted = await self._take(
            keys=[second, minute],
            args=[wanted, self._per_bucket, self._per_minute, self._second_length * 2],
        )
        return int(granted)

"""Shared by the aggregate, alert and rebuild tests: verdict makers, counts computed straight from
verdicts (without the code under test), and a dump of every Redis key of a test's prefix."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import redis
from redis.asyncio import Redis as AsyncRedis

from sentimon.labels import GOEMOTIONS, GROUP_OF, POLARITIES
from sentimon.records import Verdict
from tests.fixtures.redis import REDIS_URL

BRAND_CHOICES: tuple[list[str], ...] = (["acme"], ["globex"], ["acme", "globex"], [], ["initech"])
FLAGS = ("deferred", "deferral_timeout", "budget_exhausted", "teacher_failed", "escalated")
WINDOW_SECONDS = {"1m": 60, "1h": 3600}
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)

Slot = tuple[str, str, int]  # brand, window, window start


def async_client(decode: bool = False) -> AsyncRedis:
    return AsyncRedis.from_url(REDIS_URL, decode_responses=decode)


def verdict(
    post_id: str,
    created_at: datetime,
    *,
    brand: list[str] | None = None,
    polarity: str = "neutral",
    emotions: list[str] | None = None,
    aspects: list[tuple[str, str]] | None = None,
    decided_by: str = "student",
    flags: list[str] | None = None,
    score: float = 0.0,
) -> Verdict:
    return Verdict.model_validate(
        {
            "post_id": post_id,
            "brand": ["acme"] if brand is None else brand,
            "created_at": created_at,
            "text": f"text of {post_id}",
            "polarity": polarity,
            "probs": {"negative": 0.2, "neutral": 0.6, "positive": 0.2},
            "score": score,
            "emotions": emotions or [],
            "aspects": [{"aspect": a, "polarity": p} for a, p in aspects or []],
            "decided_by": decided_by,
            "flags": flags or [],
            "model_version": "v-test",
            "latency_ms": 1.0,
        }
    )


def random_verdicts(rng: random.Random, n: int, span_seconds: int, since: datetime = T0) -> list[Verdict]:
    """``n`` verdicts with distinct ids spread over ``span_seconds`` from ``since``."""
    return [
        verdict(
            f"p{i}",
            since + timedelta(seconds=rng.uniform(0, span_seconds)),
            brand=list(rng.choice(BRAND_CHOICES)),
            polarity=rng.choice(POLARITIES),
            emotions=rng.sample(GOEMOTIONS, rng.randint(0, 3)),
            aspects=[(a, rng.choice(POLARITIES)) for a in rng.sample(["price", "service", "app"], rng.randint(0, 2))],
            decided_by=rng.choice(("student", "student", "teacher", "fallback")),
            flags=rng.sample(FLAGS, rng.randint(0, 2)),
            score=round(rng.uniform(-1, 1), 6),
        )
        for i in range(n)
    ]


def expected_counts(verdicts: Iterable[Verdict], windows: Iterable[str]) -> dict[Slot, Counter[str]]:
    """Counter fields per brand×window, counted directly: what the aggregates must hold."""
    counts: dict[Slot, Counter[str]] = defaultdict(Counter)
    unique = {v.post_id: v for v in verdicts}.values()
    for v in unique:
        for brand in set(v.brand) or {"(none)"}:
            for window in windows:
                size = WINDOW_SECONDS[window]
                counter = counts[(brand, window, int(v.created_at.timestamp()) // size * size)]
                counter["volume"] += 1
                counter[f"pol:{v.polarity}"] += 1
                counter[f"decided:{v.decided_by}"] += 1
                counter.update(f"emo:{group}" for group in {GROUP_OF[e] for e in v.emotions})
                counter.update(f"asp:{a.aspect}:{a.polarity}" for a in v.aspects)
                counter.update(f"flag:{flag}" for flag in v.flags)
                if v.decided_by != "student" or "escalated" in v.flags:
                    counter["escalated"] += 1
                if "deferred" in v.flags:
                    counter["deferred"] += 1
    return dict(counts)


def expected_score_sums(verdicts: Iterable[Verdict], windows: Iterable[str]) -> dict[Slot, float]:
    sums: dict[Slot, float] = defaultdict(float)
    for v in {v.post_id: v for v in verdicts}.values():
        for brand in set(v.brand) or {"(none)"}:
            for window in windows:
                size = WINDOW_SECONDS[window]
                sums[(brand, window, int(v.created_at.timestamp()) // size * size)] += v.score
    return dict(sums)


def dump(client: redis.Redis, prefix: str) -> dict[str, object]:
    """Every key of the prefix with its content, lists sorted (order is checked where it matters)."""
    state: dict[str, object] = {}
    for key in sorted(client.scan_iter(f"{prefix}:*", count=1000)):
        kind = client.type(key)
        if kind == "hash":
            value = client.hgetall(key)
            state[key] = {f: (round(float(v), 6) if f == "score_sum" else v) for f, v in value.items()}
        elif kind == "set":
            state[key] = sorted(client.smembers(key))
        elif kind == "zset":
            state[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            state[key] = sorted(client.lrange(key, 0, -1))
        else:
            state[key] = client.get(key)
    return state

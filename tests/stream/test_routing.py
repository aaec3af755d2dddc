"""Routing: the pure accept/escalate rule, and the global teacher budget on real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.routing import Route, TeacherBudget, route, second_bucket


def test_confident_posts_are_accepted_and_the_threshold_itself_counts_as_confident() -> None:
    assert route(0.95, 0.8) is Route.ACCEPT
    assert route(0.8, 0.8) is Route.ACCEPT
    assert route(0.79, 0.8) is Route.ESCALATE
    assert route(1.0, 1.0) is Route.ACCEPT
    assert route(0.34, 0.0) is Route.ACCEPT


@pytest.mark.parametrize(
    ("rate", "bucket"), [(20.0, (1, 20)), (2.5, (1, 2)), (1.0, (1, 1)), (0.5, (2, 1)), (0.3, (4, 1)), (0.0, (1, 0))]
)
def test_per_second_rates_become_whole_buckets(rate: float, bucket: tuple[int, int]) -> None:
    assert second_bucket(rate) == bucket


async def test_budget_grants_up_to_the_per_second_limit(aredis: Redis, keys: Keys) -> None:
    budget = TeacherBudget(aredis, keys, Settings(teacher_budget_per_second=5, teacher_budget_per_minute=100))
    now = 1_700_000_000.2
    assert await budget.take(3, now) == 3
    assert await budget.take(3, now) == 2
    assert await budget.take(1, now) == 0
    assert await budget.take(4, now + 1) == 4  # a new second, a new bucket


async def test_budget_grants_up_to_the_per_minute_limit(aredis: Redis, keys: Keys) -> None:
    budget = TeacherBudget(aredis, keys, Settings(teacher_budget_per_second=10, teacher_budget_per_minute=12))
    minute = 1_700_000_040.0  # a minute boundary
    granted = [await budget.take(10, minute + s) for s in range(3)]
    assert granted == [10, 2, 0]
    assert await budget.take(10, minute + 60) == 10


async def test_zero_budget_grants_nothing(aredis: Redis, keys: Keys) -> None:
    budget = TeacherBudget(aredis, keys, Settings(teacher_budget_per_second=0))
    assert await budget.take(5) == 0


async def test_workers_sharing_the_budget_never_overspend_it(aredis: Redis, keys: Keys) -> None:
    settings = Settings(teacher_budget_per_second=50, teacher_budget_per_minute=1000)
    budgets = [TeacherBudget(aredis, keys, settings) for _ in range(4)]
    now = 1_700_000_100.5
    granted = await asyncio.gather(*(b.take(7, now) for b in budgets for _ in range(5)))
    assert sum(granted) == 50

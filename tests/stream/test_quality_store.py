"""The shared live-quality state on real Redis, and the steward that turns it into every worker's plan."""

from __future__ import annotations

import numpy as np
from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.metrics import WorkerMetrics
from stream.quality import AccuracyEstimator, AuditPair
from stream.quality_store import RECENT_PROBS_KEEP, QualityStore
from stream.steering import Steering, SteeringConfig
from stream.steward import LiveRouting, QualitySteward, initial_plan


def pair(post_id: str, at: float, *, student: int = 0, teacher: int = 0, kind: str = "audit") -> AuditPair:
    return AuditPair(
        post_id=post_id,
        brands=("acme",),
        student=student,
        teacher=teacher,
        probs=(0.5, 0.3, 0.2),
        model_version="v1",
        at=at,
        kind=kind,  # type: ignore[arg-type]
    )


def store_of(aredis: Redis, keys: Keys, keep: int = 100, window: float = 600.0) -> QualityStore:
    return QualityStore(aredis, keys, keep_pairs=keep, window_seconds=window)


async def test_a_post_keeps_its_first_pair_and_a_repeat_is_ignored(aredis: Redis, keys: Keys) -> None:
    store = store_of(aredis, keys)
    assert await store.add_pair(pair("p1", 100.0, teacher=0))
    assert not await store.add_pair(pair("p1", 101.0, teacher=2))
    [kept] = await store.pairs(since=0)
    assert kept == pair("p1", 100.0, teacher=0)


async def test_pairs_are_bounded_and_the_oldest_go_first(aredis: Redis, keys: Keys) -> None:
    store = store_of(aredis, keys, keep=100)
    for i in range(105):
        await store.add_pair(pair(f"p{i}", float(i)))
    kept = await store.pairs(since=0)
    assert [p.post_id for p in kept] == [f"p{i}" for i in range(5, 105)]
    assert await aredis.hlen(keys.audit_data) == 100
    assert [p.post_id for p in await store.pairs(since=100)] == [f"p{i}" for i in range(100, 105)]


async def test_tallies_add_up_per_decider_and_brand_within_the_window(aredis: Redis, keys: Keys) -> None:
    store = store_of(aredis, keys, window=600)
    now = 1_700_000_000.0
    await store.tally([("accepted", ("a",), 8), ("teacher", ("a", "b"), 3), ("low", ("b",), 1)], now - 3600)
    await store.tally([("accepted", ("a",), 5), ("teacher", ("a", "b"), 2), ("low", ("b",), 1)], now - 60)
    await store.tally([("teacher", ("a",), -1), ("accepted", ("a",), 1)], now)  # an audit the teacher failed
    tallies = await store.tallies(now)
    assert (tallies.overall.accepted, tallies.overall.teacher, tallies.overall.low) == (6, 1, 1)
    assert (tallies.brands["a"].accepted, tallies.brands["a"].teacher) == (6, 1)
    assert (tallies.brands["b"].teacher, tallies.brands["b"].low) == (2, 1)


async def test_recent_probabilities_are_capped_and_kept_per_version(aredis: Redis, keys: Keys) -> None:
    store = store_of(aredis, keys)
    await store.remember_probs("v0", [(0.2, 0.3, 0.5)])
    await store.remember_probs("v1", [(0.1, 0.1, 0.8)] * (RECENT_PROBS_KEEP + 10))
    assert len(await store.recent_probs("v1")) == RECENT_PROBS_KEEP
    assert await store.recent_probs("v0") == []  # pushed out by the newer posts


async def test_one_worker_per_period_recomputes_and_the_others_read_its_plan(
    aredis: Redis, keys: Keys, settings: Settings
) -> None:
    settings = settings.model_copy(update={"target_accuracy": 0.85, "warmup_audits": 20})
    steering = Steering(SteeringConfig.of(settings))
    estimator = AccuracyEstimator(0.9, 600, 120)
    store = store_of(aredis, keys, keep=1000)
    rng = np.random.default_rng(0)
    now = 1_700_000_000.0
    # The student says "negative" with 0.5 but the stream is mostly positive: a prior shift to learn.
    for i in range(200):
        teacher = 2 if rng.random() < 0.7 else 0
        await store.add_pair(pair(f"p{i}", now - 100 + i * 0.1, teacher=teacher))
    await store.remember_probs("v1", [(0.5, 0.3, 0.2)] * 100 + [(0.2, 0.2, 0.6)] * 100)
    await store.tally([("accepted", ("acme",), 150), ("teacher", ("acme",), 50)], now)

    stewards = []
    for name in ("w1", "w2"):
        live = LiveRouting(initial_plan(steering.config, "v1"), store)
        stewards.append(
            (
                live,
                QualitySteward(
                    live,
                    steering,
                    estimator,
                    WorkerMetrics("worker", name),
                    holder=name,
                    refresh_seconds=5,
                    window_seconds=600,
                ),
            )
        )
    first = await stewards[0][1].refresh("v1", now)
    second = await stewards[1][1].refresh("v1", now)
    assert first == second == stewards[1][0].plan
    assert first.calibration.kind != "identity" and first.calibration.version == 1
    assert first.calibration.model_version == "v1" and not first.warmup
    recalibrated = first.calibration.apply(np.array([[0.5, 0.3, 0.2]]))
    assert recalibrated[0, 2] > recalibrated[0, 0]  # the stream's mix moved the answer
    report = await store.report()
    assert report is not None and report["overall"]["accepted"]["n"] == 200
    history = await aredis.zrange(keys.quality_history, 0, -1)
    assert len(history) == 1 and '"calibration_version": 1' in history[0]
    # A swap to another model version starts that version's warm-up with no calibration borrowed.
    swapped = await stewards[1][1].refresh("v2", now + 1)
    assert swapped.warmup and swapped.calibration.kind == "identity"

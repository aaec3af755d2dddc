"""How re-distillation reaches the running system: rounds and promotions, told to the dashboard and the topic.

The trainer role and ``sentimon redistill`` both announce a promotion through :func:`announce`, so
the dashboard and ``model-updates`` consumers see the same thing whichever ran the round. Workers
do not wait for the announcement: they follow the registry's ``current`` pointer themselves.
"""

from __future__ import annotations

from redis.asyncio import Redis

from distill.redistill import RoundResult, promoted_manifest
from models.registry import Registry
from sentimon.records import ModelUpdate, RoundRecord
from sentimon.redis_layout import Keys
from stream.types import Outbox

# Round records kept in Redis for the dashboard; the label store keeps every one.
ROUNDS_KEPT = 50


async def publish_models(redis: Redis, keys: Keys, registry: Registry) -> None:
    """Every registered version's manifest and the current pointer, as the dashboard reads them.

    The gate's figures for a promoted version are added by :func:`announce`.
    """
    current = registry.current()
    pipe = redis.pipeline(transaction=False)
    for manifest in registry.versions():
        # Only versions not yet there: an announced one carries gate figures its manifest lacks.
        pipe.hsetnx(keys.models, manifest.version, manifest.model_dump_json())
    if current:
        pipe.set(keys.model_current, current)
    await pipe.execute()


async def report_round(redis: Redis, keys: Keys, result: RoundResult) -> None:
    """Put a round's outcome and reason where the dashboard reads it, newest first."""
    record = RoundRecord(
        round_id=result.round_id,
        outcome=result.outcome,
        reason=result.reason,
        previous_version=result.previous_version,
        current_version=result.current_version,
        candidate_version=result.candidate_version,
        new_labels=result.new_labels,
        train_examples=result.train_examples,
    )
    pipe = redis.pipeline(transaction=False)
    pipe.lpush(keys.rounds, record.model_dump_json())
    pipe.ltrim(keys.rounds, 0, ROUNDS_KEPT - 1)
    await pipe.execute()


async def announce(
    redis: Redis, keys: Keys, registry: Registry, result: RoundResult, outbox: Outbox, topic: str
) -> ModelUpdate:
    """Write a promoted version to Redis for the dashboard and publish its update on ``topic`` (``model-updates``)."""
    manifest = promoted_manifest(registry, result)
    await publish_models(redis, keys, registry)
    await redis.hset(keys.models, manifest.version, manifest.model_dump_json())
    update = ModelUpdate(
        version=manifest.version,
        parent_version=manifest.parent_version,
        path=str(registry.path(manifest.version)),
        metrics=manifest.metrics,
    )
    await outbox.publish(topic, [(update.version, update.to_bytes())])
    return update

"""Re-distillation from the shell: run a round now, and read what earlier rounds decided and why."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

import click

from sentimon.settings import Settings

if TYPE_CHECKING:
    from distill.redistill import RoundResult

# How long announcing a promotion may wait for the broker before the command gives up on it.
ANNOUNCE_TIMEOUT_SECONDS = 15.0


@click.command("redistill")
def redistill_cmd() -> None:
    """Run one re-distillation round now, whatever the trigger settings say.

    Exits with status 1 when the round failed; a refusal by the gate is a normal outcome.
    """
    from distill.redistill import run_round

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    result = run_round(settings)
    click.echo(
        json.dumps(
            {
                "round": result.round_id,
                "outcome": result.outcome,
                "reason": result.reason,
                "previous_version": result.previous_version,
                "current_version": result.current_version,
                "candidate_version": result.candidate_version,
                "new_labels": result.new_labels,
                "train_examples": result.train_examples,
                "metrics": {k: round(v, 4) for k, v in sorted(result.metrics.items())},
            },
            indent=2,
        )
    )
    if result.promoted:
        try:
            asyncio.run(asyncio.wait_for(_announce(settings, result), ANNOUNCE_TIMEOUT_SECONDS))
        except Exception as exc:  # the promotion stands; workers follow the registry, not the topic
            click.echo(f"warning: promotion not announced on the broker or in Redis: {exc}", err=True)
    if result.outcome == "failed":
        raise SystemExit(1)


async def _announce(settings: Settings, result: RoundResult) -> None:
    from redis.asyncio import Redis

    from models.registry import Registry
    from sentimon.redis_layout import Keys
    from stream.producer import BrokerOutbox
    from stream.promotion import announce

    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        registry = Registry.of(settings)
        outbox = BrokerOutbox(settings.broker_url)
        await announce(redis, Keys(settings.redis_prefix), registry, result, outbox, settings.topic_model_updates)
    finally:
        await redis.aclose()


@click.command("rounds")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
def rounds_cmd(limit: int) -> None:
    """Recorded re-distillation rounds, newest first: outcome, reason and the gate's figures."""
    from distill.label_store import LabelStore

    settings = Settings()
    store = LabelStore(settings.label_store_path)
    click.echo(f"{store.count()} teacher labels stored, {store.count_new(settings.holdout_fraction)} new")
    for r in store.rounds(limit):
        click.echo(
            f"#{r.id} {r.finished_at:%Y-%m-%d %H:%M:%S} {r.outcome:<8} {r.current_version or '-'}"
            f" (candidate {r.candidate_version or '-'}, {r.new_labels} new labels): {r.reason}"
        )


COMMANDS: list[click.Command] = [redistill_cmd, rounds_cmd]

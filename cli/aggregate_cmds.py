"""Commands about the Redis aggregates."""

from __future__ import annotations

import asyncio
import logging

import click

from sentimon.settings import Settings
from stream.rebuild import DEFAULT_IDLE_SECONDS, MissingTopicError, rebuild


@click.command("rebuild-aggregates")
@click.option(
    "--idle-seconds",
    type=float,
    default=DEFAULT_IDLE_SECONDS,
    show_default=True,
    help="Take a topic as fully read after this long without a record (Tansu misreports partition ends).",
)
def rebuild_aggregates_cmd(idle_seconds: float) -> None:
    """Rebuild every aggregate from the verdicts topic, e.g. after Redis lost its data.

    Stop the workers first: one counting while the keys are wiped could count a post twice.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        applied = asyncio.run(rebuild(Settings(), idle_seconds=idle_seconds))
    except MissingTopicError as exc:
        raise click.ClickException(f"{exc}; nothing was wiped") from exc
    click.echo(f"rebuilt aggregates from {applied} verdicts")


COMMANDS: list[click.Command] = [rebuild_aggregates_cmd]

"""Commands of the streaming core: the embedded broker, publishing posts, and running a role."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from urllib.parse import urlparse

import click

from sentimon.settings import Settings


@click.command("broker")
@click.option("--port", type=int, default=None, help="Port to listen on; default the port of SENTIMON_BROKER_URL.")
@click.option(
    "--storage",
    default="memory://tansu/",
    show_default=True,
    help="Tansu storage engine: memory://tansu/ (lost on exit) or s3://BUCKET/ (AWS_* variables reach it).",
)
@click.option("--moto", is_flag=True, help="Durable storage on a moto_server started alongside (development).")
def broker_cmd(port: int | None, storage: str, moto: bool) -> None:
    """Run the embedded Kafka-compatible broker (Tansu) on localhost until interrupted."""
    from stream.broker import Broker, S3Server

    port = port or urlparse(Settings().broker_url.split(",")[0]).port or 9092
    s3 = S3Server().start() if moto else None
    broker = Broker.on_s3(s3, port=port) if s3 is not None else Broker(port=port, storage=storage)
    broker.start()
    click.echo(f"broker ready: SENTIMON_BROKER_URL={broker.url} (storage {broker.storage})")
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
        if s3 is not None:
            s3.stop()


@click.command("publish")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--rate", type=float, default=None, help="Posts per second; default as fast as the broker takes them.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None, help="Default: by extension.")
@click.option("--topic", default=None, help="Default SENTIMON_TOPIC_POSTS.")
def publish_cmd(source: Path, rate: float | None, fmt: str | None, topic: str | None) -> None:
    """Publish posts from a JSONL or CSV file (or - for stdin JSONL), keyed by post id."""
    from stream.producer import Publisher, format_of, read_messages
    from stream.topics import ensure_topics

    settings = Settings()
    from_stdin = str(source) == "-"
    fmt = fmt or format_of(None if from_stdin else source)

    async def run() -> int:
        await ensure_topics(settings)
        async with Publisher(settings.broker_url, topic or settings.topic_posts) as publisher:
            if from_stdin:
                return await publisher.publish(read_messages(sys.stdin.buffer, fmt), rate)
            with source.open("rb") as stream:
                return await publisher.publish(read_messages(stream, fmt), rate)

    count = asyncio.run(run())
    click.echo(f"published {count} posts to {topic or settings.topic_posts}")


@click.command("worker")
@click.option("--role", default="worker", show_default=True, help="worker (score posts) or teacher.")
@click.option("--loglevel", default="info", show_default=True)
def worker_cmd(role: str, loglevel: str) -> None:
    """Run one stream role as a Faust worker until SIGTERM/SIGINT."""
    from stream.agents import ROLES
    from stream.worker import run_worker

    if role not in ROLES:
        raise click.BadParameter(f"choose one of {', '.join(sorted(ROLES))}", param_hint="--role")
    run_worker(Settings(), role, loglevel)


COMMANDS: list[click.Command] = [broker_cmd, publish_cmd, worker_cmd]

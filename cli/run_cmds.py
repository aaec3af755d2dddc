"""Commands that run the whole system: the embedded default and its demo stream."""

from __future__ import annotations

import asyncio

import click

from sentimon.settings import Settings


@click.command("up")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True, help="Scoring worker processes.")
@click.option("--demo-speed", type=float, default=1.0, show_default=True, help="Demo stream replay speed factor.")
@click.option("--no-demo", is_flag=True, help="Start no demo producer; publish your own posts.")
@click.option("--no-dashboard", is_flag=True, help="Start no dashboard.")
@click.option(
    "--external-broker",
    is_flag=True,
    help="Use the Kafka at SENTIMON_BROKER_URL instead of starting the embedded Tansu broker.",
)
@click.option(
    "--durable",
    is_flag=True,
    help="Keep the embedded broker's data (S3 storage on a moto_server, saved in SENTIMON_DATA_DIR on stop): "
    "posts undecided at Ctrl-C are decided after the next start. Needs the s3 extra.",
)
def up_cmd(
    workers: int, demo_speed: float, no_demo: bool, no_dashboard: bool, external_broker: bool, durable: bool
) -> None:
    """Run everything on this machine until Ctrl-C: broker, Redis, student, workers, teacher, trainer, demo, dashboard."""
    from stream.embedded import Stack, StackError

    try:
        Stack(
            Settings(),
            workers=workers,
            demo_speed=None if no_demo else demo_speed,
            dashboard=not no_dashboard,
            external_broker=external_broker,
            durable=durable,
        ).run()
    except StackError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("demo")
@click.option("--speed", type=float, default=1.0, show_default=True, help="Replay this many times faster.")
@click.option("--rounds", type=click.IntRange(1), default=1, show_default=True, help="Passes over the demo stream.")
@click.option("--loop", is_flag=True, help="Replay forever (overrides --rounds).")
def demo_cmd(speed: float, rounds: int, loop: bool) -> None:
    """Publish the built-in demo stream (five brands, a launch burst, an outage spike) to the posts topic."""
    from stream.demo import replay

    sent = asyncio.run(replay(Settings(), speed=speed, rounds=None if loop else rounds))
    click.echo(f"published {sent} demo messages")


COMMANDS: list[click.Command] = [up_cmd, demo_cmd]

"""``sentimon alerts ...``: commands about alert delivery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click

from sentimon.records import Alert, Explanation, Lift, RepresentativePost
from sentimon.settings import Settings

TEST_TEXT = "This is a test alert sent by `sentimon alerts test`; no spike happened."


def sample_alert(brand: str) -> Alert:
    """An alert shaped like a real one, so a receiver sees every field it will have to handle."""
    return Alert(
        brand=brand,
        window="1m",
        window_start=datetime.now(UTC).replace(second=0, microsecond=0),
        kind="negative_share",
        value=0.5,
        baseline_mean=0.1,
        baseline_std=0.05,
        z=8.0,
        volume=40,
        explanation=Explanation(
            terms=[Lift(item="test alert", count=20, baseline_count=0, lift=40.0, z=5.0)],
            posts=[RepresentativePost(post_id="sentimon-test", text=TEST_TEXT)],
            window_posts=20,
        ),
    )


@click.group("alerts")
def alerts_group() -> None:
    """Alert delivery."""


@alerts_group.command("test")
@click.option("--brand", default="sentimon-test", show_default=True, help="Brand of the test alert (routing).")
def test_cmd(brand: str) -> None:
    """Send a test alert to every webhook configured for BRAND (SENTIMON_ALERT_WEBHOOKS), once each, now."""
    from stream.delivery import DeliveryConfig, Sender

    try:
        config = DeliveryConfig.of(Settings())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    hooks = [hook for hook in config.webhooks if hook.wants(brand)]
    if not hooks:
        raise click.ClickException(f"no webhook in SENTIMON_ALERT_WEBHOOKS takes brand {brand!r}")
    alert = sample_alert(brand)

    async def run() -> list[str | None]:
        sender = Sender(config)
        try:
            return list(await asyncio.gather(*(sender.send(alert, hook) for hook in hooks)))
        finally:
            await sender.aclose()

    errors = asyncio.run(run())
    for hook, error in zip(hooks, errors, strict=True):
        target = f"{hook.style} webhook {hook.name} ({hook.brand or 'every brand'})"
        click.echo(f"{target}: " + ("delivered" if error is None else f"FAILED after retries: {error}"))
    if any(errors):
        raise click.ClickException("some webhooks did not take the test alert")


COMMANDS: list[click.Command] = [alerts_group]

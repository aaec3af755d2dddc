"""Webhook delivery against a real local HTTP receiver and real Redis."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Sequence

import pytest
import redis
from click.testing import CliRunner
from pydantic import SecretStr

from cli import main
from cli.alert_cmds import sample_alert
from sentimon.records import Alert, DlqRecord, Explanation, Lift, RepresentativePost
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.delivery import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryConfig,
    Notifier,
    Webhook,
    parse_webhooks,
)
from stream.types import OutMessage
from tests.fixtures.webhook import Receiver
from tests.stream.aggregate_support import async_client

SECRET = "s3cret"


def alert(brand: str = "acme", *, backfill: bool = False, post: str = "parcel late <!channel>") -> Alert:
    """The CLI's sample alert with an explanation worth rendering, and a post that tries to ping a channel."""
    explanation = Explanation(
        terms=[Lift(item="late", count=20, baseline_count=1, lift=9.5, z=6.1)],
        aspects=[Lift(item="delivery (negative)", count=24, baseline_count=0, lift=30.0, z=7.0)],
        posts=[RepresentativePost(post_id="p1", text=post)],
    )
    return sample_alert(brand).model_copy(update={"backfill": backfill, "explanation": explanation})


def config(settings: Settings, hooks: str, retries: int = 3) -> DeliveryConfig:
    return DeliveryConfig.of(
        settings.model_copy(
            update={
                "alert_webhooks": hooks.split(","),
                "alert_webhook_secret": SecretStr(SECRET),
                "alert_webhook_retries": retries,
                "alert_webhook_backoff_seconds": 0.01,
                "alert_webhook_timeout": 5.0,
            }
        )
    )


class Dead:
    def __init__(self) -> None:
        self.records: list[DlqRecord] = []

    async def __call__(self, messages: Sequence[OutMessage]) -> None:
        self.records += [DlqRecord.model_validate_json(value) for _, value in messages]


def verify(received_headers: dict[str, str], body: bytes) -> bool:
    timestamp = received_headers[TIMESTAMP_HEADER]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received_headers[SIGNATURE_HEADER], f"sha256={expected}")


def test_webhook_entries_parse_brand_style_and_url() -> None:
    hooks = parse_webhooks(["http://h/all?x=1", "acme=slack:https://hooks.slack.test/T/B", "globex=json:http://h/g"])
    assert hooks == [
        Webhook("http://h/all?x=1", None, "json"),
        Webhook("https://hooks.slack.test/T/B", "acme", "slack"),
        Webhook("http://h/g", "globex", "json"),
    ]
    with pytest.raises(ValueError, match="expected"):
        parse_webhooks(["acme=ftp://nope"])


async def test_two_workers_deliver_an_alert_once_signed(settings: Settings, keys: Keys, receiver: Receiver) -> None:
    cfg = config(settings, f"{receiver.url}/all")
    clients = [async_client(), async_client(decode=True)]
    dead = Dead()
    workers = [Notifier(client, keys, cfg, dead) for client in clients]
    the_alert = alert()
    outcomes = await asyncio.gather(*(w.deliver(the_alert) for w in workers), workers[0].deliver(the_alert))
    for client in clients:
        await client.aclose()

    assert sorted(o for result in outcomes for o in result.values()) == [
        "claimed_elsewhere",
        "claimed_elsewhere",
        "delivered",
    ]
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert verify(request.headers, request.body)
    assert Alert.model_validate_json(request.body) == the_alert
    forged = request.body.replace(b'"acme"', b'"evil"')
    assert forged != request.body
    assert not verify(request.headers, forged)
    assert dead.records == []


async def test_a_500_is_retried_until_the_receiver_takes_it(settings: Settings, keys: Keys, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    client = async_client()
    outcome = await Notifier(client, keys, config(settings, receiver.url), Dead()).deliver(alert())
    await client.aclose()
    assert list(outcome.values()) == ["delivered"]
    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1


async def test_after_the_last_try_the_alert_is_a_dead_letter(
    settings: Settings, keys: Keys, receiver: Receiver, redis_client: redis.Redis
) -> None:
    receiver.statuses = [500] * 10
    client = async_client()
    dead = Dead()
    the_alert = alert()
    outcome = await Notifier(client, keys, config(settings, receiver.url, retries=2), dead).deliver(the_alert)
    again = await Notifier(client, keys, config(settings, receiver.url, retries=2), dead).deliver(the_alert)
    await client.aclose()
    assert list(outcome.values()) == ["failed"]
    assert list(again.values()) == ["claimed_elsewhere"]  # at most once: a failed alert is not re-sent
    assert len(receiver.requests) == 3
    assert len(dead.records) == 1
    assert dead.records[0].reason.startswith("webhook_failed: webhook ")
    assert "HTTP 500" in dead.records[0].reason
    assert Alert.model_validate_json(base64.b64decode(dead.records[0].original_b64)) == the_alert


async def test_a_4xx_is_not_retried(settings: Settings, keys: Keys, receiver: Receiver) -> None:
    receiver.statuses = [404]
    client = async_client()
    dead = Dead()
    outcome = await Notifier(client, keys, config(settings, receiver.url), dead).deliver(alert())
    await client.aclose()
    assert list(outcome.values()) == ["failed"] and len(receiver.requests) == 1 and len(dead.records) == 1


async def test_routing_by_brand_slack_payload_backfill_and_mute(
    settings: Settings, keys: Keys, receiver: Receiver, redis_client: redis.Redis
) -> None:
    cfg = config(settings, f"acme=slack:{receiver.url}/slack,globex={receiver.url}/globex")
    client = async_client()
    notifier = Notifier(client, keys, cfg, Dead())
    notifier.submit([alert("acme")])
    await notifier.background.drain()
    assert await notifier.deliver(alert("initech")) == {}
    backfill = await notifier.deliver(alert("globex", backfill=True))
    redis_client.set(keys.mute("globex"), json.dumps({"by": "ops"}), ex=60)
    muted = await notifier.deliver(alert("globex"))
    await client.aclose()

    assert [r.path for r in receiver.requests] == ["/slack"]
    text = json.loads(receiver.requests[0].body)["text"]
    assert "acme" in text and "delivery (negative)" in text and "late" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert list(backfill.values()) == ["backfill"]
    assert list(muted.values()) == ["muted"]


def test_alerts_test_command_sends_a_signed_sample(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMON_ALERT_WEBHOOKS", f"acme=slack:{receiver.url}/s,{receiver.url}/j")
    monkeypatch.setenv("SENTIMON_ALERT_WEBHOOK_SECRET", SECRET)
    result = CliRunner().invoke(main, ["alerts", "test", "--brand", "acme"])
    assert result.exit_code == 0, result.output
    assert result.output.count("delivered") == 2
    assert sorted(r.path for r in receiver.requests) == ["/j", "/s"]
    assert all(verify(r.headers, r.body) for r in receiver.requests)

    receiver.requests.clear()
    receiver.statuses = [400]
    result = CliRunner().invoke(main, ["alerts", "test", "--brand", "globex"])
    assert result.exit_code != 0 and "FAILED" in result.output and "HTTP 400" in result.output

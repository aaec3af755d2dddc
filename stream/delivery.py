"""Alert delivery to webhooks: generic JSON or Slack incoming-webhook payloads, signed, at most once.

Where each alert goes comes from ``SENTIMON_ALERT_WEBHOOKS``: entries ``[BRAND=][json:|slack:]URL``,
an entry without a brand taking every brand. For each alert and webhook:

* **Not sent at all** when the alert is ``backfill`` (raised on replayed old posts: news of the past
  paged to nobody) or its brand is muted from the dashboard (``Keys.mute``; the alert is still shown).
* **At most once across workers.** The sender first claims ``Keys.delivery(alert, webhook)`` with
  SET NX; a worker that finds it taken leaves the alert alone. The claim is a lease while sending
  and is then kept as the outcome (``delivered`` or ``failed``), so a redelivered alert is not sent
  again either. A worker killed mid-send leaves an expired lease and an undelivered alert: at most
  once, not at least once (the alert still shows on the dashboard).
* **Retries** after a network error, a timeout, a 429 or a 5xx, ``alert_webhook_retries`` times,
  waiting ``alert_webhook_backoff_seconds`` doubled each time (a 429's ``Retry-After`` when longer,
  up to ``MAX_WAIT_SECONDS``). Any other 4xx is the receiver saying no: no retry. After the last
  try the alert goes to the dead-letter topic with reason ``webhook_failed`` and the last error.
* **Signed** when ``alert_webhook_secret`` is set: ``X-Sentimon-Signature: sha256=<hex>`` is the
  HMAC-SHA256 of ``<X-Sentimon-Timestamp>.<body>``; a receiver recomputes it and also rejects old
  timestamps, so a captured request cannot be replayed later.

Delivery runs in the background of the aggregating agent (:meth:`Notifier.submit`): a slow or dead
receiver never holds up counting.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import httpx
import redis.asyncio as aioredis

from sentimon.records import Alert, DlqRecord
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.background import Background
from stream.dead_letters import WEBHOOK_FAILED
from stream.types import OutMessage

log = logging.getLogger(__name__)

Style = Literal["json", "slack"]
Outcome = Literal["delivered", "failed", "claimed_elsewhere", "muted", "backfill"]
STYLES: tuple[Style, ...] = ("json", "slack")
SIGNATURE_HEADER = "X-Sentimon-Signature"
TIMESTAMP_HEADER = "X-Sentimon-Timestamp"
MAX_WAIT_SECONDS = 60.0
OUTCOME_TTL_SECONDS = 7 * 86_400

DeadLetterSink = Callable[[Sequence[OutMessage]], Awaitable[None]]
"""Publishes dead letters (the outbox bound to ``dlq``); named apart from :class:`stream.dead_letters.DeadLetters`."""


@dataclass(frozen=True)
class Webhook:
    url: str
    brand: str | None
    style: Style

    @property
    def name(self) -> str:
        """A stable short name for keys and logs that does not leak the URL (Slack URLs are secrets)."""
        return hashlib.sha256(self.url.encode()).hexdigest()[:16]

    def wants(self, brand: str) -> bool:
        return self.brand is None or self.brand == brand


def parse_webhooks(entries: Iterable[str]) -> list[Webhook]:
    """``[BRAND=][json:|slack:]URL`` entries; a malformed one is a start-up error, not a silent drop."""
    hooks = []
    for entry in entries:
        brand, _, rest = entry.partition("=") if "=" in entry.split("://", 1)[0] else ("", "", entry)
        style, _, url = rest.partition(":") if rest.split(":", 1)[0] in STYLES else ("json", "", rest)
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook {entry!r}: expected [BRAND=][json:|slack:]http(s)://...")
        hooks.append(Webhook(url=url, brand=brand or None, style=style))  # type: ignore[arg-type]
    return hooks


def slack_escape(text: str) -> str:
    """Slack's three control characters, so post text cannot ping ``<!channel>`` or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(alert: Alert) -> str:
    what = "Negative share" if alert.kind == "negative_share" else "Volume"
    value = f"{alert.value:.0%}" if alert.kind == "negative_share" else f"{alert.value:,.0f} posts"
    lines = [
        f"*{what} spike for {slack_escape(alert.brand)}* in the {alert.window} window from"
        f" {alert.window_start:%Y-%m-%d %H:%M} UTC: {value} against {alert.baseline_mean:.3g} usually"
        f" (z = {alert.z:.1f}, {alert.volume:,} posts)"
    ]
    why = alert.explanation
    if why is not None:
        for label, lifts in (("Aspects", why.aspects), ("Emotions", why.emotions), ("Terms", why.terms)):
            if lifts:
                lines.append(f"{label}: " + ", ".join(f"{slack_escape(x.item)} ×{x.lift:.1f}" for x in lifts[:5]))
        lines += [f"> {slack_escape(' '.join(p.text.split()))}" for p in why.posts[:3]]
    return "\n".join(lines)


def payload(alert: Alert, style: Style) -> bytes:
    """The request body: the alert record itself, or a Slack message made from it."""
    if style == "slack":
        return json.dumps({"text": slack_text(alert)}, ensure_ascii=False).encode()
    return alert.to_bytes()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class DeliveryConfig:
    """The slice of settings delivery needs."""

    webhooks: tuple[Webhook, ...]
    secret: str
    retries: int
    backoff_seconds: float
    timeout: float
    alerts_topic: str

    @classmethod
    def of(cls, settings: Settings) -> DeliveryConfig:
        return cls(
            webhooks=tuple(parse_webhooks(settings.alert_webhooks)),
            secret=settings.alert_webhook_secret.get_secret_value(),
            retries=settings.alert_webhook_retries,
            backoff_seconds=settings.alert_webhook_backoff_seconds,
            timeout=settings.alert_webhook_timeout,
            alerts_topic=settings.topic_alerts,
        )

    @property
    def lease_seconds(self) -> int:
        """Longest one delivery can take: every try timing out plus every wait at its longest."""
        return int((self.retries + 1) * (self.timeout + MAX_WAIT_SECONDS)) + 1


class WebhookError(Exception):
    def __init__(self, message: str, retry: bool, wait: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.wait = wait


class Sender:
    """HTTP only: one webhook, one alert, with retries. Knows nothing of Redis (``sentimon alerts test`` uses it)."""

    def __init__(self, config: DeliveryConfig, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._client = client or httpx.AsyncClient(timeout=config.timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, alert: Alert, hook: Webhook) -> str | None:
        """None once the receiver took it; else the last error, after every retry."""
        body = payload(alert, hook.style)
        error = ""
        for attempt in range(self._config.retries + 1):
            try:
                await self._post(hook, body)
                return None
            except WebhookError as exc:
                error = str(exc)
                if not exc.retry or attempt == self._config.retries:
                    break
                wait = max(self._config.backoff_seconds * 2**attempt, exc.wait or 0.0)
                await asyncio.sleep(min(wait, MAX_WAIT_SECONDS))
        return error

    async def _post(self, hook: Webhook, body: bytes) -> None:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "User-Agent": "sentimon", TIMESTAMP_HEADER: timestamp}
        if self._config.secret:
            headers[SIGNATURE_HEADER] = signature(self._config.secret, timestamp, body)
        try:
            response = await self._client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise WebhookError(f"{type(exc).__name__}: {exc}", retry=True) from exc
        if response.is_success:
            return
        status = response.status_code
        retry = status == 429 or status >= 500
        wait = _retry_after(response.headers.get("Retry-After")) if status == 429 else None
        raise WebhookError(f"HTTP {status}", retry=retry, wait=wait)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class Notifier:
    """Sends new alerts to their webhooks, each at most once across every worker."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        config: DeliveryConfig,
        dead_letters: DeadLetterSink,
        sender: Sender | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._config = config
        self._dead_letters = dead_letters
        self._sender = sender or Sender(config)
        self.background = Background()

    def submit(self, alerts: Sequence[Alert]) -> None:
        """Deliver in the background; the caller goes on counting."""
        for alert in alerts:
            self.background.start(self.deliver(alert))

    async def deliver(self, alert: Alert) -> dict[str, Outcome]:
        """What happened for each webhook that wants this alert's brand, by webhook name."""
        hooks = [hook for hook in self._config.webhooks if hook.wants(alert.brand)]
        if not hooks:
            return {}
        if alert.backfill:
            return dict.fromkeys((hook.name for hook in hooks), "backfill")
        if await self._redis.exists(self._keys.mute(alert.brand)):
            return dict.fromkeys((hook.name for hook in hooks), "muted")
        outcomes = await asyncio.gather(*(self._deliver_one(alert, hook) for hook in hooks))
        return {hook.name: outcome for hook, outcome in zip(hooks, outcomes, strict=True)}

    async def _deliver_one(self, alert: Alert, hook: Webhook) -> Outcome:
        claim = self._keys.delivery(alert.ident, hook.name)
        if not await self._redis.set(claim, f"sending:{uuid.uuid4().hex}", nx=True, ex=self._config.lease_seconds):
            return "claimed_elsewhere"
        error = await self._sender.send(alert, hook)
        outcome: Outcome = "delivered" if error is None else "failed"
        await self._redis.set(claim, outcome, ex=OUTCOME_TTL_SECONDS)
        if error is not None:
            log.warning("alert %s to webhook %s failed for good: %s", alert.ident, hook.name, error)
            dead = DlqRecord.of(
                alert.to_bytes(), f"{WEBHOOK_FAILED}: webhook {hook.name}: {error}", self._config.alerts_topic, -1, -1
            )
            await self._dead_letters([(alert.brand, dead.to_bytes())])
        return outcome

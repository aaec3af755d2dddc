"""An LLM's one-paragraph summary of an alert, written in the background after the alert fired.

Only when an OpenAI-compatible teacher is configured (``SENTIMON_TEACHER_URL``) and
``alert_summary_per_hour`` is above zero. Never in the way of the alert itself: the alert is stored,
published and delivered without it; the summary lands later in ``Keys.alert_summaries`` and the
dashboard shows it next to the alert when it is there. Budgeted: at most ``alert_summary_per_hour``
requests per clock hour across every worker (a shared Redis counter), so an alert storm on many
brands cannot run up an LLM bill. Backfill alerts get none (nobody is waiting for news of the past).
A failed request is logged and leaves the alert without a summary; it is not retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import redis.asyncio as aioredis

from models.teacher.openai_compat import completions_url
from models.teacher.summary_prompt import build_summary_prompt
from sentimon.records import Alert
from sentimon.redis_layout import Keys, longest_retention
from sentimon.settings import Settings
from stream.background import Background

log = logging.getLogger(__name__)

SUMMARY_MAX_TOKENS = 200
SUMMARY_MAX_CHARS = 1200


@dataclass(frozen=True)
class SummaryConfig:
    """The slice of settings a summary needs."""

    url: str
    model: str
    api_key: str
    timeout: float
    per_hour: int
    retention_seconds: int

    @classmethod
    def of(cls, settings: Settings) -> SummaryConfig | None:
        """None when no LLM is configured or summaries are off."""
        if not settings.teacher_url or settings.alert_summary_per_hour == 0:
            return None
        return cls(
            url=completions_url(settings.teacher_url),
            model=settings.teacher_model,
            api_key=settings.teacher_api_key.get_secret_value(),
            timeout=settings.teacher_timeout,
            per_hour=settings.alert_summary_per_hour,
            retention_seconds=longest_retention(settings.windows, settings.retention_windows),
        )


class Summarizer:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, config: SummaryConfig, client: httpx.AsyncClient | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._client = client or httpx.AsyncClient(timeout=config.timeout, headers=headers)
        self.background = Background()

    def submit(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            if not alert.backfill:
                self.background.start(self.summarize(alert))

    async def summarize(self, alert: Alert) -> str | None:
        """The summary, stored; None when the budget is spent or the LLM failed (logged)."""
        bucket = self._keys.alert_summary_budget(int(time.time() // 3600))
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(bucket)
        pipe.expire(bucket, 7200)
        used, _ = await pipe.execute()
        if int(used) > self._config.per_hour:
            log.info("alert %s: summary budget of %d an hour spent", alert.ident, self._config.per_hour)
            return None
        prompt = build_summary_prompt(alert)
        body = {
            "model": self._config.model,
            "messages": prompt.messages,
            "temperature": 0,
            "max_tokens": SUMMARY_MAX_TOKENS,
        }
        try:
            response = await self._client.post(self._config.url, json=body)
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("alert %s: no summary (%s: %s)", alert.ident, type(exc).__name__, exc)
            return None
        if not isinstance(text, str) or not text.strip():
            log.warning("alert %s: the LLM's summary is empty", alert.ident)
            return None
        summary = " ".join(text.split())[:SUMMARY_MAX_CHARS]
        await self._redis.hset(self._keys.alert_summaries, alert.ident, summary)
        await self._redis.expire(self._keys.alert_summaries, self._config.retention_seconds)
        return summary

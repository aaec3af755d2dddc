"""The dashboard's only writes: an operator acknowledging an alert or muting a brand's notifications.

Kept apart from the reader so that everything the page can change in Redis is in this one short
module. Both writes are small JSON values under keys the stream reads (``Keys.alert_acks`` for the
page, ``Keys.mute`` for webhook delivery), so they need no coordination with the workers.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import redis

from sentimon.redis_layout import Keys

NAME_CHARS = 80
MUTE_CHOICES: dict[str, int] = {"1 hour": 3600, "4 hours": 4 * 3600, "24 hours": 86_400, "7 days": 7 * 86_400}


def operator_name(name: str) -> str:
    """Who did it, as typed, trimmed; an empty name is refused so that every ack says who."""
    cleaned = " ".join(name.split())[:NAME_CHARS]
    if not cleaned:
        raise ValueError("say who you are")
    return cleaned


class Actions:
    def __init__(self, client: redis.Redis, keys: Keys, retention_seconds: int) -> None:
        self._client = client
        self._keys = keys
        self._retention = retention_seconds

    def acknowledge(self, alert_id: str, by: str, now: datetime) -> None:
        self._client.hset(self._keys.alert_acks, alert_id, json.dumps({"by": operator_name(by), "at": now.isoformat()}))
        self._client.expire(self._keys.alert_acks, self._retention)

    def mute(self, brand: str, by: str, seconds: int, now: datetime) -> None:
        until = now + timedelta(seconds=seconds)
        doc = {"by": operator_name(by), "until": until.isoformat()}
        self._client.set(self._keys.mute(brand), json.dumps(doc), ex=seconds)

    def unmute(self, brand: str) -> None:
        self._client.delete(self._keys.mute(brand))

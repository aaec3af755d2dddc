"""`sentimon up --durable` gives its roles a fetch wait that Tansu's S3 storage can serve.

With the default wait of a few tens of milliseconds, every idle consumer made Tansu list the
partition's objects on the S3 server dozens of times a second; after a broker restart two scoring
workers then decided about one post a second for minutes (bench/chaos.py, README "Chaos").
"""

from __future__ import annotations

from sentimon.settings import Settings
from stream.embedded import DURABLE_FETCH_WAIT_MS, Stack

BROKER, REDIS = "kafka://127.0.0.1:9", "redis://127.0.0.1:9/0"
FETCH_WAIT = "SENTIMON_FETCH_MAX_WAIT_MS"


def test_durable_roles_wait_longer_per_fetch_than_the_in_memory_default(settings: Settings) -> None:
    durable = Stack(settings, durable=True, dashboard=False)._child_env(BROKER, REDIS)
    in_memory = Stack(settings, dashboard=False)._child_env(BROKER, REDIS)

    assert int(durable[FETCH_WAIT]) >= DURABLE_FETCH_WAIT_MS > settings.fetch_max_wait_ms
    assert int(in_memory.get(FETCH_WAIT, settings.fetch_max_wait_ms)) == settings.fetch_max_wait_ms


def test_a_fetch_wait_the_user_set_is_kept_in_durable_mode(settings: Settings) -> None:
    chosen = Settings(**{**settings.model_dump(), "fetch_max_wait_ms": 40})

    env = Stack(chosen, durable=True, dashboard=False)._child_env(BROKER, REDIS)

    assert env.get(FETCH_WAIT, "40") == "40"

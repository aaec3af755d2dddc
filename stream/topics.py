"""The topics of the pipeline, named and sized by the settings, and created before any agent starts.

Faust could declare topics itself, but it would do so lazily and with its own partition counts;
creating them up front through the admin API means producers started before the first worker,
and several workers racing at start-up, all see the same partitions.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, fields

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from sentimon.settings import Settings

log = logging.getLogger(__name__)


def bootstrap_servers(broker_url: str) -> str:
    """``kafka://host:port;host2:port`` as Faust takes it → ``host:port,host2:port`` as aiokafka takes it."""
    servers = []
    for part in broker_url.replace(";", ",").split(","):
        part = part.strip()
        if part:
            servers.append(part.split("://", 1)[-1].rstrip("/"))
    return ",".join(servers)


@dataclass(frozen=True)
class TopicNames:
    """The pipeline's topics; each field is the setting ``topic_<field>``, which is the one source of its name."""

    posts: str
    verdicts: str
    escalations: str
    teacher_labels: str
    dlq: str
    alerts: str
    model_updates: str

    @classmethod
    def of(cls, settings: Settings) -> TopicNames:
        return cls(**{f.name: getattr(settings, f"topic_{f.name}") for f in fields(cls)})

    def all(self) -> list[str]:
        return [getattr(self, f.name) for f in fields(self)]


def isolated(settings: Settings, tag: str, broker_url: str | None = None) -> Settings:
    """Settings whose topics, consumer groups and Redis keys all carry ``tag``: ``TAG.posts`` and so on.

    Lets tests and benchmarks share one broker and one Redis without seeing each other's data.
    """
    topics = {
        f"topic_{f.name}": f"{tag}.{Settings.model_fields[f'topic_{f.name}'].default}" for f in fields(TopicNames)
    }
    return settings.model_copy(
        update={
            **topics,
            "app_id": tag,
            "redis_prefix": tag,
            "broker_url": broker_url or settings.broker_url,
        }
    )


async def ensure_topics(settings: Settings, attempts: int = 20) -> list[str]:
    """Create the missing topics; returns those created. Retries while the broker is still starting."""
    names = TopicNames.of(settings).all()
    for attempt in range(1, attempts + 1):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(settings.broker_url))
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [name for name in names if name not in existing]
            if missing:
                await _create(admin, missing, settings)
                log.info("created topics %s", ", ".join(missing))
            return missing
        except KafkaError as exc:
            if attempt == attempts:
                raise
            log.warning("broker not ready for topic creation (%s); retrying", exc)
            await asyncio.sleep(min(0.2 * attempt, 2.0))
        finally:
            await admin.close()
    return []


async def _create(admin: AIOKafkaAdminClient, names: list[str], settings: Settings) -> None:
    topics = [NewTopic(name, settings.topic_partitions, settings.topic_replication) for name in names]
    response = await admin.create_topics(topics)
    for name, code, *_ in response.topic_errors:
        # Another worker may have won the race; the topic exists, which is all we wanted.
        if code not in (0, TopicAlreadyExistsError.errno):
            raise for_code(code)(f"cannot create topic {name}")

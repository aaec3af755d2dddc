"""Topic names come from the settings alone: the named set, the isolated copies and the list to create agree."""

from __future__ import annotations

from sentimon.settings import Settings
from stream.topics import TopicNames, isolated


def test_every_topic_setting_is_a_named_topic() -> None:
    settings = Settings(topic_alerts="my-alerts")
    names = TopicNames.of(settings)
    named = {f"topic_{field}" for field in vars(names)}
    assert named == {f for f in Settings.model_fields if f.startswith("topic_")} - {
        "topic_partitions",
        "topic_replication",
    }
    assert names.alerts == "my-alerts"
    assert names.all() == [getattr(settings, field) for field in sorted(named, key=list(Settings.model_fields).index)]


def test_isolated_tags_every_topic_with_its_default_name() -> None:
    settings = isolated(Settings(topic_posts="elsewhere"), "t1", broker_url="kafka://other:9092")
    assert TopicNames.of(settings).all() == [
        "t1.posts",
        "t1.verdicts",
        "t1.escalations",
        "t1.teacher-labels",
        "t1.dlq",
        "t1.alerts",
        "t1.model-updates",
    ]
    assert (settings.app_id, settings.redis_prefix, settings.broker_url) == ("t1", "t1", "kafka://other:9092")

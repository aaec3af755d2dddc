"""The trainer role as a process: labels from the topic into the store, a round when due, a promotion announced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import redis

from distill.label_store import LabelStore
from models.registry import Registry
from sentimon.records import DlqRecord, ModelUpdate, RoundRecord
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.app import create_app
from stream.metrics import WorkerMetrics
from stream.producer import Publisher
from stream.roles import FaustOutbox
from stream.topics import ensure_topics
from stream.trainer_role import Retrainer, RetrainPolicy, round_due
from stream.worker import connect_redis
from tests.distill.redistill_support import round_settings, teacher_labels
from tests.fixtures.broker import read_topic
from tests.stream.e2e_support import wait_until

LABELS = 60


def offline_retrainer(settings: Settings) -> Retrainer:
    """A retrainer whose outbox and Redis are never used: for its scheduling and its executor."""
    return Retrainer(
        settings,
        LabelStore(settings.label_store_path),
        Registry.of(settings),
        FaustOutbox(create_app(settings, "trainer")),
        connect_redis(settings),
        WorkerMetrics("trainer", "test"),
    )


def test_a_round_is_due_on_enough_labels_or_on_time_and_waits_after_a_failure() -> None:
    policy = RetrainPolicy.of(Settings(retrain_min_labels=10, retrain_interval_minutes=1.0))
    assert policy == RetrainPolicy(min_labels=10, interval_seconds=60.0)
    assert not round_due(policy, 0, 3600, last_failed=False)  # nothing new: never
    assert round_due(policy, 10, 0, last_failed=False)  # enough labels: at once
    assert not round_due(policy, 9, 59.9, last_failed=False)
    assert round_due(policy, 1, 60, last_failed=False)  # any label, once the interval has passed
    assert not round_due(policy, 50, 59.9, last_failed=True)  # a failure waits out the interval before trying again
    assert round_due(policy, 50, 60, last_failed=True)


@pytest.mark.parametrize("idle_class", [True, False])
def test_rounds_run_on_a_thread_that_yields_the_cpu_to_scoring(settings: Settings, idle_class: bool) -> None:
    settings = settings.model_copy(update={"train_nice": 7, "train_idle_class": idle_class})
    retrainer = offline_retrainer(settings)
    ours, our_policy = os.nice(0), os.sched_getscheduler(0)
    # The round thread is niced (and in the idle class if asked); the event loop's thread (this one) keeps its own.
    assert retrainer.round_priority() == (min(19, ours + 7), os.SCHED_IDLE if idle_class else our_policy)
    assert (os.nice(0), os.sched_getscheduler(0)) == (ours, our_policy)


@pytest.mark.slow
async def test_labels_are_stored_and_a_due_round_promotes_and_announces(
    stream_settings: Settings, start_worker, tmp_path: Path
) -> None:
    settings = round_settings(stream_settings, tmp_path).model_copy(update={"retrain_min_labels": 40})
    registry = Registry.of(settings)
    before = registry.current()
    assert before is not None
    labels = teacher_labels(before, n=LABELS)
    await ensure_topics(settings)
    worker = start_worker(settings, "trainer")
    async with Publisher(settings.broker_url, settings.topic_teacher_labels) as publisher:
        for label in labels:
            await publisher.send(label.to_bytes(), key=label.post_id)
        await publisher.send(b'{"post_id": "broken"}', key="broken")
        for label in labels[:10]:  # redelivered: stored once
            await publisher.send(label.to_bytes(), key=label.post_id)

    updates = await read_topic(settings.broker_url, settings.topic_model_updates, lambda rs: len(rs) >= 1, 240)
    update = ModelUpdate.model_validate_json(updates[0].value)
    assert update.parent_version == before
    assert registry.current() == update.version != before
    assert update.metrics["gate_candidate_gold_accuracy"] >= update.metrics["gate_current_gold_accuracy"] - 0.1

    store = LabelStore(settings.label_store_path)
    assert store.count() == LABELS
    last = store.last_round()
    assert last is not None and (last.outcome, last.current_version) == ("promoted", update.version)

    dead = await read_topic(settings.broker_url, settings.topic_dlq, lambda rs: len(rs) >= 1, 30)
    record = DlqRecord.model_validate_json(dead[0].value)
    assert record.reason.startswith("invalid_teacher_label:") and record.topic == settings.topic_teacher_labels

    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    keys = Keys(settings.redis_prefix)
    try:
        await wait_until(lambda: client.get(keys.model_current) == update.version, 10)
        shown = json.loads(client.hget(keys.models, update.version) or "{}")
        assert shown["metrics"]["gate_candidate_gold_accuracy"] == update.metrics["gate_candidate_gold_accuracy"]
        assert before in client.hkeys(keys.models)
        shown_round = RoundRecord.model_validate_json(client.lindex(keys.rounds, 0) or "{}")
        assert (shown_round.round_id, shown_round.outcome, shown_round.current_version) == (
            last.id,
            "promoted",
            update.version,
        )
        assert shown_round.reason == last.reason and shown_round.previous_version == before
    finally:
        client.close()
    # Every message was taken once, the broken one and the repeats included.
    worker.wait_for(lambda s: s["model_version"] == update.version and s["processed"] == LABELS + 11, 10)

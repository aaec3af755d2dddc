"""A stop signal abandons the batch in hand: a teacher role waiting on a hanging LLM stops at once,
publishes nothing half-done, and the next teacher decides the same escalations."""

from __future__ import annotations

import time

from aiokafka import AIOKafkaProducer
from pydantic import SecretStr

from sentimon.settings import Settings
from stream.topics import bootstrap_servers, ensure_topics
from tests.fixtures.broker import read_topic, verdicts_of
from tests.fixtures.teacher import ChatCompletionsServer
from tests.stream.test_teaching import escalation


async def test_a_stop_abandons_a_hanging_teacher_batch_and_the_next_teacher_decides_it(
    stream_settings: Settings, llm_server: ChatCompletionsServer, start_worker
) -> None:
    llm_server.default = "slow"
    llm_server.slow_seconds = 600  # hangs for longer than the test runs
    settings = stream_settings.model_copy(
        update={
            "teacher_backends": ["openai"],
            "teacher_url": llm_server.url,
            "teacher_model": "lexicon-1",
            "teacher_api_key": SecretStr("sk-test"),
            "teacher_timeout": 300.0,
            "teacher_deadline_seconds": 300.0,  # the batch could not end by itself for minutes
        }
    )
    await ensure_topics(settings)
    escalations = [escalation(f"h{i}", "the battery died again") for i in range(3)]
    first = start_worker(settings, role="teacher")
    first.wait_for(lambda s: any(p.startswith(f"{settings.topic_escalations}/") for p in s["partitions"]))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(settings.broker_url))
    await producer.start()
    try:
        for e in escalations:
            await producer.send_and_wait(settings.topic_escalations, e.to_bytes(), key=e.post.id.encode())
    finally:
        await producer.stop()
    deadline = time.monotonic() + 120
    while len(llm_server.received) < len(escalations) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(llm_server.received) == len(escalations), first.tail()

    # The 30 s default of stop() is a tenth of what the batch in hand would take to end by itself.
    assert first.stop() == 0

    llm_server.default = "ok"
    start_worker(settings, role="teacher")
    verdicts = verdicts_of(
        await read_topic(settings.broker_url, settings.topic_verdicts, lambda r: len(r) >= 3, idle=2)
    )
    assert sorted(v.post_id for v in verdicts) == ["h0", "h1", "h2"], "each decided once, by the second teacher"
    assert {v.decided_by for v in verdicts} == {"teacher"}

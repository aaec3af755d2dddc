"""A teacher role stopped while its posts wait on a hanging teacher gives them up and exits by itself.

Before, it finished the batch in hand first, which with a teacher that does not answer meant waiting
for every post's deadline: ``sentimon up`` killed it for overstaying its stop budget. Given up, the
batch is uncommitted, so the next teacher process reads and decides it: nothing lost, nothing twice.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from pydantic import SecretStr

from sentimon.settings import Settings
from tests.fixtures.teacher import ChatCompletionsServer
from tests.stream.e2e_support import all_verdicts, publish
from tests.stream.posts import make_posts

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 300.0
"""Far longer than the stop is given below: a role that waits for its posts' deadlines cannot pass."""
STOP_WAIT_SECONDS = 60.0
"""Generous for a busy machine; the bound itself (``SENTIMON_STOP_SECONDS``) is the supervisor's, not tested here."""


async def test_a_stopping_teacher_role_gives_up_posts_waiting_on_the_teacher_and_they_are_decided_later(
    stream_settings: Settings, llm_server: ChatCompletionsServer, start_worker
) -> None:
    llm_server.default = "slow"
    llm_server.slow_seconds = DEADLINE_SECONDS * 2  # hangs until the server closes
    settings = stream_settings.model_copy(
        update={
            "accept_threshold": 1.0,  # every post escalates
            "teacher_budget_per_second": 1000.0,
            "teacher_budget_per_minute": 100_000,
            "teacher_backends": ["openai"],
            "teacher_url": llm_server.url,
            "teacher_model": "lexicon-1",
            "teacher_api_key": SecretStr("sk-test"),
            "teacher_timeout": DEADLINE_SECONDS,
            "teacher_max_retries": 0,
            "teacher_deadline_seconds": DEADLINE_SECONDS,
            "teacher_breaker_failures": 1000,
        }
    )
    posts = make_posts(24, tag="stop")
    start_worker(settings)
    hanging = start_worker(settings, "teacher")
    await publish(settings, posts)
    wait_until = time.monotonic() + 120
    while not llm_server.received:  # the first batch may hold fewer posts than requests may be in flight
        assert time.monotonic() < wait_until, hanging.tail()
        assert hanging.alive(), hanging.tail()
        time.sleep(0.2)

    assert hanging.stop(timeout=STOP_WAIT_SECONDS) == 0  # exits by itself; stop() fails if it had to kill
    assert "read again after the next start" in hanging.log_path.read_text(), hanging.tail()

    llm_server.default = "ok"
    start_worker(settings, "teacher")
    verdicts = await all_verdicts(settings, len(posts), timeout=180)

    assert Counter(v.post_id for v in verdicts) == Counter(p.id for p in posts)
    # Given up at stop, not timed out: the next teacher process answered every one of them.
    assert all(v.decided_by == "teacher" and "teacher_timeout" not in v.flags for v in verdicts), Counter(
        (v.decided_by, tuple(v.flags)) for v in verdicts
    )

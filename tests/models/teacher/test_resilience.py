"""Timeouts, retries, Retry-After, schema retry, circuit breaker and concurrency, against the real server."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

import pytest

from models.teacher.openai_compat import OpenAICompatTeacher
from models.teacher.resilience import Backoff, BreakerState, CircuitBreaker, ResiliencePolicy, ResilientTeacher
from models.teacher.types import CircuitOpen, TeacherFailed, TeacherQuery
from sentimon.settings import Settings
from tests.fixtures.teacher import TOKENS_PER_COMPLETION, ChatCompletionsServer


def resilient(settings: Settings) -> ResilientTeacher:
    return ResilientTeacher(OpenAICompatTeacher(settings), ResiliencePolicy.of(settings), rng=random.Random(1))


async def test_slow_answer_times_out_and_the_retry_succeeds(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.script("slow")
    teacher = resilient(teacher_settings)
    try:
        started = time.monotonic()
        answer = await teacher.ask(TeacherQuery("p1", "great stuff"))
        elapsed = time.monotonic() - started
    finally:
        await teacher.aclose()
    assert answer.polarity == "positive"
    (call,) = answer.calls
    assert (call.ok, call.attempts) == (True, 2)
    assert teacher_settings.teacher_timeout <= elapsed < llm_server.slow_seconds


async def test_429_waits_the_retry_after_the_server_asked_for(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.retry_after = "0.3"
    llm_server.script("429", "429")
    teacher = resilient(teacher_settings)
    try:
        answer = await teacher.ask(TeacherQuery("p1", "awful"))
    finally:
        await teacher.aclose()
    assert answer.polarity == "negative" and answer.calls[0].attempts == 3
    times = [r.at for r in llm_server.received]
    assert all(later - earlier >= 0.3 for earlier, later in itertools.pairwise(times))


async def test_429_asking_longer_than_the_cap_fails_now(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.retry_after = "120"
    llm_server.script("429")
    teacher = resilient(teacher_settings)
    try:
        with pytest.raises(TeacherFailed) as failed:
            await teacher.ask(TeacherQuery("p1", "awful"))
    finally:
        await teacher.aclose()
    assert failed.value.cause_kind == "rate_limited" and len(llm_server.received) == 1


async def test_5xx_and_non_json_are_retried_with_growing_backoff(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.script("500", "not_json", "500")
    settings = teacher_settings.model_copy(update={"teacher_backoff_seconds": 0.05, "teacher_breaker_failures": 10})
    teacher = resilient(settings)
    try:
        answer = await teacher.ask(TeacherQuery("p1", "love it"))
    finally:
        await teacher.aclose()
    assert answer.calls[0].attempts == 4
    times = [r.at for r in llm_server.received]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Equal jitter: retry n waits between half and all of 0.05 * 2^(n-1).
    for n, gap in enumerate(gaps, 1):
        assert 0.05 * 2 ** (n - 1) / 2 <= gap
    assert gaps[2] > gaps[0]


async def test_retries_stop_at_the_limit(teacher_settings: Settings, llm_server: ChatCompletionsServer) -> None:
    llm_server.default = "500"
    teacher = resilient(teacher_settings.model_copy(update={"teacher_max_retries": 2, "teacher_breaker_failures": 10}))
    try:
        with pytest.raises(TeacherFailed) as failed:
            await teacher.ask(TeacherQuery("p1", "love it"))
    finally:
        await teacher.aclose()
    (call,) = failed.value.calls
    assert (call.ok, call.attempts, call.error_kind) == (False, 3, "unavailable")
    assert len(llm_server.received) == 3


async def test_wrong_schema_is_retried_once_then_given_up(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.default = "wrong_schema"
    teacher = resilient(teacher_settings)
    try:
        with pytest.raises(TeacherFailed) as failed:
            await teacher.ask(TeacherQuery("p1", "love it"))
    finally:
        await teacher.aclose()
    assert failed.value.cause_kind == "schema"
    assert len(llm_server.received) == 2  # the answer and exactly one retry
    assert failed.value.calls[0].tokens == 2 * TOKENS_PER_COMPLETION  # wrong answers are billed too


async def test_wrong_schema_once_then_a_good_answer(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.script("wrong_schema")
    teacher = resilient(teacher_settings)
    try:
        answer = await teacher.ask(TeacherQuery("p1", "love it"))
    finally:
        await teacher.aclose()
    assert answer.polarity == "positive" and answer.calls[0].attempts == 2


async def test_rejection_is_not_retried(teacher_settings: Settings, llm_server: ChatCompletionsServer) -> None:
    llm_server.default = "401"
    teacher = resilient(teacher_settings)
    try:
        with pytest.raises(TeacherFailed) as failed:
            await teacher.ask(TeacherQuery("p1", "love it"))
    finally:
        await teacher.aclose()
    assert failed.value.cause_kind == "rejected" and len(llm_server.received) == 1
    assert teacher.breaker.state is BreakerState.CLOSED


async def test_breaker_opens_after_n_failures_and_closes_after_a_successful_trial(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    settings = teacher_settings.model_copy(update={"teacher_max_retries": 0})
    llm_server.default = "500"
    teacher = resilient(settings)
    try:
        for i in range(settings.teacher_breaker_failures):
            with pytest.raises(TeacherFailed):
                await teacher.ask(TeacherQuery(f"p{i}", "love it"))
        assert teacher.breaker.state is BreakerState.OPEN
        seen = len(llm_server.received)
        with pytest.raises(TeacherFailed) as failed:
            await teacher.ask(TeacherQuery("while-open", "love it"))
        assert failed.value.cause_kind == "circuit_open"
        assert len(llm_server.received) == seen  # an open breaker costs the server nothing

        # A failed trial after the reset period opens it again for a full period.
        await asyncio.sleep(settings.teacher_breaker_reset_seconds)
        with pytest.raises(TeacherFailed):
            await teacher.ask(TeacherQuery("trial-1", "love it"))
        assert teacher.breaker.state is BreakerState.OPEN and len(llm_server.received) == seen + 1

        llm_server.default = "ok"
        await asyncio.sleep(settings.teacher_breaker_reset_seconds)
        answer = await teacher.ask(TeacherQuery("trial-2", "love it"))
        assert answer.polarity == "positive" and teacher.breaker.state is BreakerState.CLOSED
    finally:
        await teacher.aclose()


async def test_half_open_lets_exactly_one_trial_through(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    settings = teacher_settings.model_copy(update={"teacher_max_retries": 0, "teacher_breaker_failures": 1})
    llm_server.script("500")
    llm_server.slow_seconds = 0.2
    teacher = resilient(settings)
    try:
        with pytest.raises(TeacherFailed):
            await teacher.ask(TeacherQuery("p0", "love it"))
        await asyncio.sleep(settings.teacher_breaker_reset_seconds)
        llm_server.script("slow")  # the trial takes a while; others arrive meanwhile
        results = await asyncio.gather(
            *(teacher.ask(TeacherQuery(f"p{i}", "love it")) for i in range(1, 5)), return_exceptions=True
        )
    finally:
        await teacher.aclose()
    answered = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, TeacherFailed) and r.cause_kind == "circuit_open"]
    assert (len(answered), len(refused), len(llm_server.received)) == (1, 3, 2)


async def test_concurrency_limit_bounds_requests_in_flight(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.default = "slow"
    llm_server.slow_seconds = 0.1
    teacher = resilient(teacher_settings.model_copy(update={"teacher_concurrency": 2}))
    try:
        answers = await asyncio.gather(*(teacher.ask(TeacherQuery(f"p{i}", "great")) for i in range(6)))
    finally:
        await teacher.aclose()
    assert len(answers) == 6
    assert llm_server.max_in_flight == 2


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    backoff = Backoff(base=0.1, cap=0.5, rng=random.Random(3))
    for retry, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (9, 0.5)]:
        delays = {backoff.delay(retry) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered, not a fixed schedule
    assert 0.3 <= backoff.delay(1, retry_after=0.3) <= 0.4  # type: ignore[operator]
    assert backoff.delay(1, retry_after=0.6) is None


def test_breaker_transitions_on_a_clock() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=2, reset_seconds=10, clock=lambda: now[0])
    breaker.acquire()
    breaker.failure()
    breaker.success()  # a success in between resets the count
    breaker.failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.failure()
    assert breaker.state is BreakerState.OPEN
    now[0] = 9.9
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    now[0] = 10.0
    breaker.acquire()
    assert breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(CircuitOpen):
        breaker.acquire()
    breaker.abandon()  # the trial was cancelled: the next call may try at once
    breaker.acquire()
    breaker.success()
    assert breaker.state is BreakerState.CLOSED

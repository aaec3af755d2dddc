"""Timeouts, retries, a circuit breaker and a concurrency limit around any teacher backend.

Every backend is wrapped in one :class:`ResilientTeacher`, so the policy is the
same whether the teacher is an HTTP endpoint or an in-process model, and every
call leaves exactly one :class:`CallRecord` for accounting, success or not.

Policy, and why:

- Each attempt has a hard deadline (``teacher_timeout``): httpx's timeouts are
  per read, so a server trickling bytes could otherwise hold a post for ever.
- Transport failures (timeout, 5xx, 429, unreadable body) are retried up to
  ``teacher_max_retries`` times with exponential backoff and jitter, so that
  many workers released by one outage do not all come back in the same
  instant. A 429's Retry-After is honoured; one longer than
  ``teacher_backoff_max_seconds`` fails the call now, since the post's
  verdict cannot wait that long and the student's verdict is a fine fallback.
- An answer that fails the schema is retried exactly once, immediately:
  sampling may do better, but a model that fails twice does not understand
  the task, and paying for more attempts is waste.
- Rejections (bad key, unknown model, no gold label) are never retried.
- The breaker counts consecutive unhealthy attempts (anything but a
  rejection); at ``teacher_breaker_failures`` it opens and calls fail at once
  for ``teacher_breaker_reset_seconds``. Then one trial call is let through
  (half-open): success closes the breaker, failure opens it again.
- At most ``teacher_concurrency`` attempts are in flight per backend; a retry
  waiting out its backoff does not hold a slot. Waiting posts get the next
  slot earliest deadline first (:mod:`models.teacher.slots`).
- A query with a ``deadline`` is never worked on past it: an attempt's timeout
  is cut to what is left, a retry that could not finish in time is not made,
  and a post still queued for a slot at its deadline stops waiting. All end as
  :class:`TeacherDeadline`. An attempt cut short this way still counts toward
  the breaker, as any timeout does, so a hanging teacher opens it after
  ``teacher_breaker_failures`` posts whatever their deadline; a post that
  never got a slot does not count, since the backend was not asked.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NoReturn

from models.teacher.slots import DeadlineSlots
from models.teacher.types import (
    CallRecord,
    CircuitOpen,
    Teacher,
    TeacherAnswer,
    TeacherCrashed,
    TeacherDeadline,
    TeacherError,
    TeacherFailed,
    TeacherQuery,
    TeacherRateLimited,
    TeacherRejected,
    TeacherSchemaError,
    TeacherTimeout,
)
from sentimon.settings import Settings

log = logging.getLogger(__name__)

SCHEMA_RETRIES = 1


@dataclass(frozen=True, slots=True)
class ResiliencePolicy:
    """The ``teacher_*`` settings the policy above is made of, and nothing else of the settings."""

    timeout: float
    max_retries: int
    backoff_seconds: float
    backoff_max_seconds: float
    breaker_failures: int
    breaker_reset_seconds: float
    concurrency: int

    @classmethod
    def of(cls, settings: Settings) -> ResiliencePolicy:
        return cls(
            timeout=settings.teacher_timeout,
            max_retries=settings.teacher_max_retries,
            backoff_seconds=settings.teacher_backoff_seconds,
            backoff_max_seconds=settings.teacher_backoff_max_seconds,
            breaker_failures=settings.teacher_breaker_failures,
            breaker_reset_seconds=settings.teacher_breaker_reset_seconds,
            concurrency=settings.teacher_concurrency,
        )


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Closed → open after N consecutive failures → half-open (one trial) after the reset period → closed.

    Not thread-safe by design: it lives on one event loop, and every
    transition happens between awaits.
    """

    def __init__(self, failures: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failures
        self._reset = reset_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0

    @property
    def state(self) -> BreakerState:
        return self._state

    def acquire(self) -> None:
        """Let a call through or raise :class:`CircuitOpen`; past the reset period, exactly one trial passes."""
        if self._state is BreakerState.CLOSED:
            return
        if self._state is BreakerState.OPEN:
            waited = self._clock() - self._opened_at
            if waited >= self._reset:
                self._state = BreakerState.HALF_OPEN
                return
            raise CircuitOpen(f"circuit open for another {self._reset - waited:.1f}s")
        raise CircuitOpen("circuit half-open: a trial call is in flight")

    def success(self) -> None:
        self._state = BreakerState.CLOSED
        self._consecutive = 0

    def failure(self) -> None:
        if self._state is BreakerState.HALF_OPEN:
            self._open()
            return
        self._consecutive += 1
        if self._consecutive >= self._threshold:
            self._open()

    def abandon(self) -> None:
        """A call ended without a verdict on the backend's health (cancelled, rejected)."""
        if self._state is BreakerState.HALF_OPEN:
            # Back to open but already due, so the next call is the trial this one did not finish.
            self._state = BreakerState.OPEN
            self._opened_at = self._clock() - self._reset

    def _open(self) -> None:
        if self._state is not BreakerState.OPEN:
            log.warning("teacher circuit breaker opens for %.1fs", self._reset)
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._consecutive = 0


class Backoff:
    """Exponential backoff with "equal jitter": half the ceiling fixed, half random.

    The fixed half keeps delays growing (full jitter can retry almost at once
    after a long outage); the random half spreads out clients that failed together.
    """

    def __init__(self, base: float, cap: float, rng: random.Random) -> None:
        self._base = base
        self._cap = cap
        self._rng = rng

    def delay(self, retry: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry number ``retry`` (1-based), or None when the wait is too long."""
        if retry_after is not None:
            if retry_after > self._cap:
                return None
            return retry_after + self._rng.uniform(0, min(self._base, self._cap - retry_after))
        ceiling = min(self._cap, self._base * 2 ** (retry - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


class ResilientTeacher:
    """Wraps one backend with the policy above; answers carry their :class:`CallRecord`."""

    def __init__(
        self,
        inner: Teacher,
        policy: ResiliencePolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.breaker = CircuitBreaker(policy.breaker_failures, policy.breaker_reset_seconds, clock)
        self._backoff = Backoff(policy.backoff_seconds, policy.backoff_max_seconds, rng or random.Random())
        self._timeout = policy.timeout
        self._max_retries = policy.max_retries
        self._slots = DeadlineSlots(policy.concurrency)
        self._clock = clock

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        started = self._clock()
        attempts = retries = schema_failures = tokens = 0
        while True:
            attempts += 1
            try:
                answer = await self._attempt(query)
            except TeacherError as error:
                tokens += error.tokens
                if isinstance(error, TeacherSchemaError):
                    schema_failures += 1
                    if schema_failures <= SCHEMA_RETRIES and self._may_retry():
                        log.info("teacher %s: %s; asking once more", self.name, error)
                        continue
                    self._give_up(error, query, attempts, tokens, started)
                retries += 1
                delay = self._retry_delay(error, retries)
                if delay is None:
                    self._give_up(error, query, attempts, tokens, started)
                if delay >= _left(query):
                    late = TeacherDeadline(f"no time left for retry {retries} after: {error}")
                    self._give_up(late, query, attempts, tokens, started)
                log.info("teacher %s: %s; retry %d in %.2fs", self.name, error, retries, delay)
                await asyncio.sleep(delay)
                continue
            tokens += answer.tokens
            record = self._record(attempts, tokens, started, ok=True, polarity=answer.polarity)
            return replace(answer, tokens=tokens, calls=(record,))

    async def _attempt(self, query: TeacherQuery) -> TeacherAnswer:
        self.breaker.acquire()
        try:
            await self._slots.acquire(query.deadline)
        except TimeoutError:
            self.breaker.abandon()
            raise TeacherDeadline("deadline passed waiting for a free slot") from None
        except asyncio.CancelledError:
            self.breaker.abandon()
            raise
        try:
            return await self._attempt_holding_slot(query)
        finally:
            self._slots.release()

    async def _attempt_holding_slot(self, query: TeacherQuery) -> TeacherAnswer:
        limit = min(self._timeout, _left(query))
        try:
            async with asyncio.timeout(limit):
                answer = await self.inner.ask(query)
        except TimeoutError:
            self.breaker.failure()
            if limit < self._timeout:
                raise TeacherDeadline(f"post deadline reached after {limit:.2f}s in the attempt") from None
            raise TeacherTimeout(f"no answer within {self._timeout}s") from None
        except TeacherRejected:
            self.breaker.abandon()
            raise
        except TeacherError:
            self.breaker.failure()
            raise
        except asyncio.CancelledError:
            self.breaker.abandon()
            raise
        except Exception as exc:
            log.exception("teacher %s crashed", self.name)
            self.breaker.failure()
            raise TeacherCrashed(f"{type(exc).__name__}: {exc}") from exc
        self.breaker.success()
        return answer

    def _may_retry(self) -> bool:
        return self.breaker.state is BreakerState.CLOSED

    def _retry_delay(self, error: TeacherError, retry: int) -> float | None:
        if not error.retryable or retry > self._max_retries or not self._may_retry():
            return None
        retry_after = error.retry_after if isinstance(error, TeacherRateLimited) else None
        return self._backoff.delay(retry, retry_after)

    def _record(self, attempts: int, tokens: int, started: float, **outcome: object) -> CallRecord:
        """One call's accounting, whatever its outcome: what it cost and where the breaker stands."""
        return CallRecord(
            backend=self.name,
            attempts=attempts,
            tokens=tokens,
            seconds=self._clock() - started,
            breaker=self.breaker.state.value,
            **outcome,  # type: ignore[arg-type]
        )

    def _give_up(
        self, error: TeacherError, query: TeacherQuery, attempts: int, tokens: int, started: float
    ) -> NoReturn:
        record = self._record(attempts, tokens, started, ok=False, error_kind=error.kind, error=str(error)[:300])
        raise TeacherFailed(
            f"teacher {self.name} gave up on post {query.post_id} after {attempts} attempt(s): {error}",
            calls=(record,),
            cause_kind=error.kind,
        ) from error

    async def aclose(self) -> None:
        await self.inner.aclose()


def _left(query: TeacherQuery) -> float:
    """Seconds until the query's deadline (infinite without one)."""
    return math.inf if query.deadline is None else query.deadline - time.monotonic()

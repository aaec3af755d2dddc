"""A batch that keeps failing: wait out an outage, but set aside a message that can never succeed.

A batch's offsets are committed only after its handler returns (:mod:`stream.inflight`), so the
handler must not return before the batch is done. Two kinds of failure look alike from there. Redis or the broker
being away for a moment (connection refused, a timeout, a broker without a leader) passes: the
same batch is retried with backoff for as long as it takes, and nothing is lost. A message that
trips a bug or a model that cannot take it fails the same way every time: retried for ever, it
would stall its partition for good.

So a batch failing for any other reason ``attempts`` times is split in two and each half is tried
on its own; a half that fails is split again at once, down to single messages. A single message
that fails ``attempts`` times on its own goes to the dead-letter topic with the exception's class
and text (reason ``processing_error``) and its original bytes, and the stream goes on. Halves are
handled in order, so a partition's messages are still handled in offset order, and a half that
succeeded is never run again. A half that failed may have done part of its work (say, published
some verdicts) before failing; running it again is safe for the same reason a redelivery is: the
ledger skips posts already decided and the aggregates count a post id once.

A batch given up because the process is stopping (:class:`stream.abandon.BatchAbandoned`) is no
failure: it passes straight through, to be read again after the next start.

The deferral sweep uses the same guard for the parked replies it takes: one reply that cannot be
scored would otherwise hold back every other reply taken with it, claim after claim.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Generic, TypeVar

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from stream.abandon import BatchAbandoned
from stream.dead_letters import PROCESSING_ERROR, Rejection, reason

log = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0
# Room for a useful exception text in a dead letter, not for a whole traceback.
ERROR_TEXT_CHARS = 500

_UNREACHABLE = (ConnectionError, TimeoutError, RedisConnectionError, RedisTimeoutError)
_BROKER_AWAY = (KafkaConnectionError, KafkaTimeoutError)
# Redis answers these while it cannot take writes from anyone (out of memory, disk failing, a
# replica, still loading, a failover): the trouble is the server's, not the message's.
_REDIS_REFUSALS = ("OOM", "MISCONF", "READONLY", "LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN")

T = TypeVar("T")


def is_transient(error: BaseException) -> bool:
    """True when the error, or one it was raised from or while handling, says a service is away or busy.

    Faust wraps a failed send in ``ProducerSendError``, so the chain of causes is what tells.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNREACHABLE + _BROKER_AWAY):
            return True
        if isinstance(current, KafkaError) and current.retriable:
            return True
        if isinstance(current, ResponseError) and str(current).startswith(_REDIS_REFUSALS):
            return True
        current = current.__cause__ or current.__context__
    return False


def failure(error: BaseException) -> Rejection:
    """The dead-letter reason of a message that made its handler raise ``error``."""
    text = " ".join(str(error).split())[:ERROR_TEXT_CHARS]
    return reason(PROCESSING_ERROR, f"{type(error).__name__}: {text}" if text else type(error).__name__)


class PoisonGuard(Generic[T]):
    """Runs batches through ``handle`` until each item is handled or handed to ``set_aside``.

    The items are an agent's messages, or the parked replies a sweep takes; ``set_aside`` puts one
    on the dead-letter topic (and retires it wherever it waits), and is retried until it succeeds.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[Sequence[T]], Awaitable[object]],
        set_aside: Callable[[T, BaseException], Awaitable[object]],
        attempts: int,
    ) -> None:
        self._name = name
        self._handle = handle
        self._set_aside = set_aside
        self._attempts = attempts

    async def run(self, batch: Sequence[T]) -> None:
        await self._settle(batch, self._attempts)

    async def _settle(self, batch: Sequence[T], attempts: int) -> None:
        """Handle ``batch``, or after ``attempts`` lasting failures split it (a single item: set it aside)."""
        error = await self._try(batch, attempts)
        if error is None:
            return
        if len(batch) == 1:
            await self._give_up(batch[0], error)
            return
        middle = len(batch) // 2
        log.warning("%s: batch of %d keeps failing; splitting it to find the item that fails", self._name, len(batch))
        for half in (batch[:middle], batch[middle:]):
            # A half of several items is split again at its first failure: the batch already failed often.
            await self._settle(half, self._attempts if len(half) == 1 else 1)

    async def _try(self, batch: Sequence[T], attempts: int) -> BaseException | None:
        """None once ``batch`` is handled; the last error after ``attempts`` failures that were not an outage."""
        delays = _backoff()
        failures = 0
        while True:
            try:
                await self._handle(batch)
                return None
            except BatchAbandoned:
                raise
            except Exception as exc:
                delay = next(delays)
                if is_transient(exc):
                    log.warning("%s: batch of %d failed (%s); retrying in %.1f s", self._name, len(batch), exc, delay)
                else:
                    failures += 1
                    log.exception("%s: batch of %d failed (%d of %d)", self._name, len(batch), failures, attempts)
                    if failures >= attempts:
                        return exc
            await asyncio.sleep(delay)

    async def _give_up(self, item: T, error: BaseException) -> None:
        log.error("%s: one item fails on its own and goes to the DLQ: %s", self._name, failure(error).reason)
        delays = _backoff()
        while True:
            try:
                await self._set_aside(item, error)
                return
            except Exception:
                delay = next(delays)
                log.exception("%s: dead letter not sent; retrying in %.1f s", self._name, delay)
                await asyncio.sleep(delay)


async def through_outages(name: str, step: Callable[[], Awaitable[T]]) -> T:
    """Run ``step`` until it gets through an outage (:func:`is_transient`); other errors are raised.

    For the step that records what was already published: retrying the whole batch instead would
    find no record and publish its verdicts a second time.
    """
    delays = _backoff()
    while True:
        try:
            return await step()
        except Exception as exc:
            if not is_transient(exc):
                raise
            delay = next(delays)
            log.warning("%s failed (%s); retrying in %.1f s", name, exc, delay)
            await asyncio.sleep(delay)


def _backoff() -> Iterator[float]:
    """Seconds to wait before each retry: doubling, capped."""
    delay = RETRY_FIRST_SECONDS
    while True:
        yield delay
        delay = min(delay * 2, RETRY_MAX_SECONDS)

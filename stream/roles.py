"""What every role is given: the app to register agents on, the process's shared resources, and the Faust plumbing.

Kept apart from :mod:`stream.agents` (which names the roles) so that a role written in its own
module, such as :mod:`stream.trainer_role`, imports its context without importing the other roles.

Agents consume in micro-batches with ``take_events`` (``take`` with the events, because the
dead-letter topic and the ledger need each message's partition and offset). A batch is
acknowledged, and its offsets committed, only once it is really done and so is every batch taken
before it (:mod:`stream.inflight`, which lets the worker score one batch while the one before
publishes): an infrastructure failure (Redis or the broker away for a moment) is retried on the same batch until
it succeeds, while a message that fails every time is found and dead-lettered
(:mod:`stream.poison`). Bad input never gets that far: it is a dead letter, not an exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import faust
from faust.types import EventT
from redis.asyncio import Redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.dead_letters import DeadLetters
from stream.inflight import InFlight
from stream.ledger import Ledger
from stream.metrics import WorkerMetrics
from stream.poison import PoisonGuard, failure
from stream.topics import TopicNames
from stream.types import Incoming, OutMessage

log = logging.getLogger(__name__)

Handler = Callable[[Sequence[Incoming]], Awaitable[object]]


class FaustOutbox:
    """Sends through the app's producer and waits for the broker's acknowledgements."""

    def __init__(self, app: faust.App) -> None:
        self._app = app

    async def publish(self, topic: str, messages: Sequence[OutMessage]) -> None:
        if not messages:
            return
        producer = self._app.producer
        pending = [
            await producer.send(topic, key.encode() if key is not None else None, value, None, None, None)
            for key, value in messages
        ]
        await asyncio.gather(*pending)


@dataclass
class RoleContext:
    """What every role gets: the app to register on, and the process's shared resources."""

    app: faust.App
    settings: Settings
    redis: Redis
    metrics: WorkerMetrics
    main_input: str = ""
    """The first topic the role consumes: the one its processed count, rate and backlog describe."""
    on_stop_signal: list[Callable[[], None]] = field(default_factory=list)
    """Called (on the event loop, must not block) the moment SIGTERM or SIGINT arrives."""

    def stop_signalled(self) -> None:
        for hook in self.on_stop_signal:
            hook()

    @property
    def keys(self) -> Keys:
        return Keys(self.settings.redis_prefix)

    @property
    def topics(self) -> TopicNames:
        return TopicNames.of(self.settings)

    @property
    def outbox(self) -> FaustOutbox:
        return FaustOutbox(self.app)

    def ledger(self) -> Ledger:
        return Ledger(self.redis, self.keys, self.settings.context_ttl_seconds)

    def consume(
        self,
        topic: str,
        name: str,
        handle: Handler,
        batch_size: int,
        within: float | None = None,
        depth: int = 1,
    ) -> None:
        """Register an agent that hands ``topic`` to ``handle`` in micro-batches, retrying failures;
        up to ``depth`` batches are handled at once, their offsets committed in order (:mod:`stream.inflight`)."""
        self.main_input = self.main_input or topic
        channel = self.app.topic(topic, value_type=bytes, key_type=bytes)
        within = within or self.settings.batch_within
        dead = DeadLetters(self.metrics, self.settings.max_message_bytes)
        outbox, dlq = self.outbox, self.topics.dlq

        async def set_aside(message: Incoming, error: BaseException) -> None:
            await outbox.publish(dlq, [dead.letter(message, failure(error))])

        guard = PoisonGuard(name, handle, set_aside, self.settings.poison_attempts)

        async def agent(stream: faust.StreamT[bytes]) -> None:
            in_flight = InFlight(name, depth)
            try:
                async for events in stream.take_events(batch_size, within=within):
                    await in_flight.submit(events, guard.run([incoming(event) for event in events]))
                await in_flight.drain()
            finally:
                in_flight.cancel()

        agent.__name__ = agent.__qualname__ = name
        self.app.agent(channel, name=name)(agent)

    def every(self, seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """A periodic job whose failures are logged and do not stop the next run."""

        async def timer() -> None:
            try:
                await job()
            except Exception:
                log.exception("%s failed; will run again in %.1f s", name, seconds)

        timer.__name__ = timer.__qualname__ = name
        self.app.timer(seconds, name=name)(timer)


def incoming(event: EventT) -> Incoming:
    message = event.message
    return Incoming(message.topic, message.partition, message.offset, message.key, message.value)

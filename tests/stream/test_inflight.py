"""Overlapping batches: acknowledged in the order taken, never past a batch that did not finish.

The messages are Faust's own (its reference counting decides when a message's last
acknowledgement happens); what is recorded is the order in which those last acknowledgements
come, which is what the consumer commits from.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

import pytest
from faust.types.tuples import Message

from stream.abandon import BatchAbandoned
from stream.inflight import InFlight


class Recorded(Message):
    """A message whose final acknowledgement is written down, as the consumer would record it."""

    final: ClassVar[list[int]] = []

    def on_final_ack(self, consumer: object) -> bool:
        self.acked = True
        Recorded.final.append(self.offset)
        return True


@dataclass
class Event:
    message: Recorded

    def ack(self) -> bool:
        return self.message.ack(None)  # type: ignore[arg-type]


def batch(*offsets: int) -> list[Event]:
    """Events as a stream hands them to an agent: each message referenced once, by this stream."""
    events = []
    for offset in offsets:
        message = Recorded("posts", 0, offset, 0.0, 0, None, None, b"{}", None)
        message.incref()
        events.append(Event(message))
    return events


async def taken(in_flight: InFlight, events: list[Event], work: asyncio.Future[None] | None = None) -> None:
    """One pass of the agent's loop body: hand the batch over, then acknowledge it as Faust does."""

    async def handle() -> None:
        if work is not None:
            await work

    await in_flight.submit(events, handle())  # type: ignore[arg-type]
    for event in events:
        event.ack()


@pytest.fixture(autouse=True)
def fresh_record() -> None:
    Recorded.final = []


async def test_a_batch_done_early_waits_for_the_batches_taken_before_it() -> None:
    in_flight = InFlight("test", depth=2)
    slow = asyncio.get_running_loop().create_future()
    first, second = batch(0, 1), batch(2, 3)
    await taken(in_flight, first, slow)
    third = asyncio.ensure_future(taken(in_flight, second))
    await asyncio.sleep(0.05)
    assert Recorded.final == []  # the second is done, but the first is not
    assert not third.done()  # two in flight: the agent takes no third batch
    slow.set_result(None)
    await third
    await in_flight.drain()
    assert Recorded.final == [0, 1, 2, 3]


async def test_depth_one_finishes_each_batch_before_taking_the_next() -> None:
    in_flight = InFlight("test", depth=1)
    await taken(in_flight, batch(0, 1))
    assert Recorded.final == [0, 1]
    assert len(in_flight) == 0


async def test_an_abandoned_batch_and_every_later_one_stay_uncommitted() -> None:
    in_flight = InFlight("test", depth=2)
    gate = asyncio.get_running_loop().create_future()
    first, second = batch(0), batch(1, 2)

    async def abandoned() -> None:
        await gate
        raise BatchAbandoned("stopping")

    await in_flight.submit(first, abandoned())  # type: ignore[arg-type]
    for event in first:
        event.ack()
    later = asyncio.ensure_future(taken(in_flight, second))
    await asyncio.sleep(0.05)
    gate.set_result(None)
    await later
    await in_flight.drain()
    assert Recorded.final == []
    # Settled for Faust's own bookkeeping, so its wait at shutdown does not wait for them.
    assert all(event.message.acked for event in first + second)


async def test_a_failure_surfaces_after_the_batches_before_it_are_acknowledged() -> None:
    in_flight = InFlight("test", depth=2)
    slow = asyncio.get_running_loop().create_future()
    first, second = batch(0), batch(1)

    async def broken() -> None:
        raise RuntimeError("a bug past the poison guard")

    await taken(in_flight, first, slow)
    later = asyncio.ensure_future(in_flight.submit(second, broken()))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    assert Recorded.final == []
    slow.set_result(None)
    with pytest.raises(RuntimeError, match="a bug past the poison guard"):
        await later
    assert Recorded.final == [0]


async def test_cancelled_batches_are_read_again() -> None:
    in_flight = InFlight("test", depth=3)
    hang = asyncio.get_running_loop().create_future()
    events = batch(0, 1)
    await taken(in_flight, events, hang)
    in_flight.cancel()
    await asyncio.sleep(0)
    assert Recorded.final == []
    assert len(in_flight) == 0
    assert all(event.message.acked for event in events)


def test_depth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InFlight("test", depth=0)

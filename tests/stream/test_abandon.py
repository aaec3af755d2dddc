"""The stop latch: a wait given up at stop is cancelled, and nothing new starts after it."""

from __future__ import annotations

import asyncio

import pytest

from stream.abandon import BatchAbandoned, StopLatch


async def test_work_that_ends_first_gives_its_result() -> None:
    async def answer() -> str:
        await asyncio.sleep(0)
        return "positive"

    assert await StopLatch().unless_stopped(answer()) == "positive"


async def test_a_stop_cancels_the_wait_in_flight() -> None:
    latch = StopLatch()
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def hang() -> str:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    waiting = asyncio.create_task(latch.unless_stopped(hang()))
    await started.wait()
    latch.stop()
    with pytest.raises(BatchAbandoned):
        await waiting
    await asyncio.wait_for(cancelled.wait(), 5)


async def test_after_the_stop_nothing_new_starts() -> None:
    latch = StopLatch()
    latch.stop()
    ran: list[str] = []

    async def ask() -> None:
        ran.append("asked")

    with pytest.raises(BatchAbandoned):
        await latch.unless_stopped(ask())
    assert ran == []


async def test_a_timeout_around_the_wait_still_cancels_the_work() -> None:
    latch = StopLatch()
    cancelled = asyncio.Event()

    async def hang() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await latch.unless_stopped(hang())
    await asyncio.wait_for(cancelled.wait(), 5)
    assert not latch.stopped

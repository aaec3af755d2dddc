"""Deadline-ordered slots: the most urgent waiter goes first, and a waiter past its deadline gives up."""

from __future__ import annotations

import asyncio
import time

import pytest

from models.teacher.slots import DeadlineSlots


async def test_waiters_are_served_earliest_deadline_first_and_no_deadline_last() -> None:
    slots = DeadlineSlots(1)
    await slots.acquire()
    now = time.monotonic()
    served: list[str] = []

    async def wait(name: str, deadline: float | None) -> None:
        await slots.acquire(deadline)
        served.append(name)
        slots.release()

    waiters = [
        asyncio.create_task(wait(name, deadline))
        for name, deadline in [("none", None), ("late", now + 300), ("soon", now + 100), ("sooner", now + 50)]
    ]
    await asyncio.sleep(0.01)  # every waiter is queued before the slot frees up
    slots.release()
    await asyncio.gather(*waiters)
    assert served == ["sooner", "soon", "late", "none"]


async def test_a_waiter_past_its_deadline_gives_up_without_taking_a_slot() -> None:
    slots = DeadlineSlots(1)
    await slots.acquire()
    with pytest.raises(TimeoutError):
        await slots.acquire(time.monotonic() + 0.05)
    patient = asyncio.create_task(slots.acquire(time.monotonic() + 60))
    await asyncio.sleep(0.01)
    slots.release()
    await patient  # the slot went to the live waiter, not to the one that gave up
    with pytest.raises(TimeoutError):
        await slots.acquire(time.monotonic() - 1)  # already past: no slot even though one is held
    slots.release()
    await slots.acquire(time.monotonic() + 1)  # exactly one slot was free again

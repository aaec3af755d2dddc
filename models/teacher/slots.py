"""Concurrency slots handed out earliest deadline first.

A FIFO semaphore serves posts in arrival order, so a post close to its deadline can sit behind
posts with seconds to spare and miss it for nothing. Here the waiter whose deadline comes first
gets the next free slot (waiters without a deadline last, arrival order among equals), and a
waiter whose deadline passes stops waiting: its post falls back instead of taking a slot it can
no longer use.

Deadlines are ``time.monotonic()`` values, which is also the default event loop's clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time


class DeadlineSlots:
    """At most ``size`` holders at a time; not thread-safe, it lives on one event loop."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def acquire(self, deadline: float | None = None) -> None:
        """Take a slot, or raise ``TimeoutError`` once ``deadline`` has passed without one."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
        else:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (math.inf if deadline is None else deadline, next(self._arrivals), waiter))
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except BaseException:
                # A slot handed over in the same instant as the timeout or cancellation goes on to the next.
                if waiter.done() and not waiter.cancelled():
                    self.release()
                raise
        if deadline is not None and time.monotonic() >= deadline:
            self.release()
            raise TimeoutError("deadline passed as the slot came free")

    def release(self) -> None:
        """Hand the slot to the most urgent live waiter, or free it."""
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():  # given-up waiters stay in the heap until they come up here
                waiter.set_result(None)
                return
        self._free += 1

"""Micro-batches that overlap: the next batch is scored while the one before it publishes.

A worker's batch is CPU work (the student, on every core) followed by waits and Python (the
broker's acknowledgements, Redis, building records). One batch at a time leaves the cores idle for
that second half: on two AVX-512 cores a batch of 32 spent about 60 ms scoring and 10 ms around it,
and the student ran at 0.79 of its rate alone. So an agent may keep up to ``depth`` batches in
flight, each in a task of its own, and a new batch is taken as soon as fewer are.

Delivery must not change: a batch's offsets may be committed only once it and every batch taken
before it are done. Faust acknowledges a batch's events when the agent's loop body is done with
them, and its consumer commits acknowledged offsets up to the first gap; but its test for a gap at
the head of a partition misses a gap of one offset (faust-streaming 0.15.3 compares
``min(acked) - committed > 1``, where ``committed`` is already the next offset to read), so
acknowledging out of order could commit past a post still being decided. Every event handed to a
task is therefore referenced once more (``Message.incref``, the count Faust keeps for a message
that several streams read): the loop body's acknowledgement only takes that back to one, and the
last reference goes when the batch's task is done and so is every batch taken before it. One agent
takes batches in offset order within each partition, so acknowledging in the order taken is
acknowledging in offset order.

A batch whose task did not finish (given up at stop, cancelled, or failed past the handler's own
retries) is left unacknowledged, and so is every batch after it: they are read again after the
next start, and the ledger skips what was already decided.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine, Sequence
from typing import Any

from faust.types import EventT

from stream.abandon import BatchAbandoned, leave_unacked

log = logging.getLogger(__name__)


class InFlight:
    """Up to ``depth`` batches being handled at once, acknowledged in the order they were taken."""

    def __init__(self, name: str, depth: int) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, not {depth}")
        self._name = name
        self._depth = depth
        self._batches: deque[tuple[Sequence[EventT], asyncio.Task[Any]]] = deque()
        self._broken = False
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._batches)

    async def submit(self, events: Sequence[EventT], work: Coroutine[Any, Any, Any]) -> None:
        """Start ``work`` on ``events``; return once fewer than ``depth`` batches are in flight.

        Raises what a batch raised, other than :class:`BatchAbandoned`, once every batch before it is
        done: an agent fails as it would have failed handling the batch itself.
        """
        for event in events:
            event.message.incref()
        task = asyncio.ensure_future(work)
        self._batches.append((events, task))
        task.add_done_callback(lambda _: self._release())
        while len(self._batches) >= self._depth:
            await asyncio.wait([self._batches[0][1]])
            self._release()
        self._raise_error()

    async def drain(self) -> None:
        """Wait for every batch in flight (the stream ended); raise as :meth:`submit` does."""
        while self._batches:
            await asyncio.wait([self._batches[0][1]])
            self._release()
        self._raise_error()

    def cancel(self) -> None:
        """Give up every batch in flight (the agent is being stopped): left unacknowledged."""
        for events, task in self._batches:
            task.cancel()
            leave_unacked(events)
        self._batches.clear()

    def _release(self) -> None:
        """Acknowledge the done batches at the head of the queue, in order."""
        while self._batches and self._batches[0][1].done():
            events, task = self._batches.popleft()
            if not self._broken and (task.cancelled() or task.exception() is not None):
                self._broken = True
                error = None if task.cancelled() else task.exception()
                if isinstance(error, BatchAbandoned):
                    log.info(
                        "%s: %s; the batch of %d is read again after the next start", self._name, error, len(events)
                    )
                elif error is not None:
                    self._error = error
            if self._broken:
                leave_unacked(events)
            else:
                for event in events:
                    event.ack()

    def _raise_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

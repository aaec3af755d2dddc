"""Giving up, at stop, a batch that waits on something slow: it is read again, never half done.

A teacher role told to stop may hold a batch whose posts wait on the teacher until their
deadlines (``teacher_deadline_seconds``, ten seconds by default): finishing it would outlast the
stop budget, and ``sentimon up`` would kill the role. So the role gives the batch up instead. Its
waits on the teacher are cancelled the moment the stop signal arrives (:class:`StopLatch`); what
was already decided is published and marked in the ledger as usual (nothing is cut off halfway
through publishing), and the handler raises :class:`BatchAbandoned`.

The batch's offsets must then stay uncommitted, so that the posts are read again after the next
start (the ledger skips those already decided). Faust acknowledges every event of a batch when
the agent's loop body is done with it, whether the body returned, raised or was cancelled, and an
acknowledged offset is committed. :func:`leave_unacked` therefore marks the batch's messages as
settled for Faust's own bookkeeping without recording them with the consumer, so that they are not
committed and Faust's wait for unacknowledged messages at shutdown does not wait for them. Every
batch taken after an abandoned one is left the same way (:mod:`stream.inflight`): no later
acknowledgement can then carry the commit past it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from faust.types import EventT

T = TypeVar("T")


class BatchAbandoned(Exception):
    """A batch given up because the process is stopping: not a failure, it is to be read again."""


class StopLatch:
    """Set once, when the process is told to stop; waits run through it are given up at that moment."""

    def __init__(self) -> None:
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    async def unless_stopped(self, work: Coroutine[Any, Any, T]) -> T:
        """What ``work`` returns, unless the stop comes first: ``work`` is then cancelled and
        :class:`BatchAbandoned` raised. Started after the stop, ``work`` does not run at all."""
        if self.stopped:
            work.close()
            raise BatchAbandoned("stopping: not started")
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait((task, stop), return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()  # cancelled from outside (a timeout): the work goes with the wait
            raise
        finally:
            stop.cancel()
        if task.done():
            return task.result()
        task.cancel()  # its own clean-up (a slot handed on, a connection closed) runs as it unwinds
        raise BatchAbandoned("stopping: given up while waiting")


def leave_unacked(events: Sequence[EventT]) -> None:
    """Keep an abandoned batch's offsets from being committed (see the module docstring)."""
    for event in events:
        event.message.acked = True

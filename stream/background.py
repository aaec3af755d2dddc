"""Work started in the background of an agent and not awaited by it (webhooks, LLM summaries).

asyncio keeps only a weak reference to a task, so a task nobody holds can be garbage-collected
mid-flight; this keeps each one until it is done, and lets tests (or a clean stop) wait for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine


class Background:
    def __init__(self) -> None:
        self._pending: set[asyncio.Task[object]] = set()

    def start(self, work: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every task started so far (and any they start) is done."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

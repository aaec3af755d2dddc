"""Training progress that suits where it is written: a live bar on a terminal, sparse lines anywhere else.

A progress bar redraws itself with a carriage return on every step. On a terminal that is one
line updated in place; in a log file (``sentimon up`` output redirected, a container's log) every
redraw is kept, and a few thousand training steps bury the log under a wall of bars. So the bar
is drawn only on a TTY; elsewhere one plain line is written each time another tenth of the steps
is done.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm.auto import tqdm

LINES = 10
"""Lines written away from a terminal over a whole run: one per tenth of the steps."""


class Progress:
    """``update`` after each step (with what the bar shows beside the count), ``close`` at the end."""

    def __init__(self, total: int, description: str, enabled: bool = True, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._total = max(1, total)
        self._description = description
        self._done = 0
        self._lines_written = 0
        self._enabled = enabled
        self._bar: tqdm | None = None
        if enabled and self._stream.isatty():
            self._bar = tqdm(total=total, desc=description, unit="step", dynamic_ncols=True, file=self._stream)

    def update(self, steps: int = 1, **shown: object) -> None:
        self._done += steps
        if self._bar is not None:
            self._bar.set_postfix(shown, refresh=False)
            self._bar.update(steps)
            return
        due = min(LINES, self._done * LINES // self._total)
        if self._enabled and due > self._lines_written:
            self._lines_written = due
            details = "".join(f" {name}={value}" for name, value in shown.items())
            percent = 100 * self._done // self._total
            self._stream.write(f"{self._description}: {self._done}/{self._total} steps ({percent} %){details}\n")
            self._stream.flush()

    def show(self, **shown: object) -> None:
        """Change what the bar shows beside the count; away from a terminal the trainer's epoch log says it."""
        if self._bar is not None:
            self._bar.set_postfix(shown)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

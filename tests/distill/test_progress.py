"""Training progress: a bar redrawn in place on a terminal, ten plain lines in a log file, nothing when off."""

from __future__ import annotations

import io

from distill.progress import LINES, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(stream: io.StringIO, total: int, enabled: bool = True) -> str:
    progress = Progress(total, "train", enabled=enabled, stream=stream)
    for step in range(total):
        progress.update(1, loss=f"{1 / (step + 1):.3f}")
    progress.show(val_loss="0.5")
    progress.close()
    return stream.getvalue()


def test_away_from_a_terminal_a_run_writes_one_line_per_tenth() -> None:
    out = run(io.StringIO(), 1234)
    lines = out.splitlines()
    assert len(lines) == LINES and "\r" not in out
    assert lines[0] == "train: 124/1234 steps (10 %) loss=0.008"
    assert lines[-1] == "train: 1234/1234 steps (100 %) loss=0.001"


def test_a_run_shorter_than_ten_steps_writes_a_line_per_step() -> None:
    assert len(run(io.StringIO(), 3).splitlines()) == 3


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    out = run(Terminal(), 200)
    assert "\r" in out and "200/200" in out
    assert out.count("\n") <= 1  # one line, redrawn; closing may end it


def test_progress_off_writes_nothing() -> None:
    assert run(io.StringIO(), 50, enabled=False) == ""
    assert run(Terminal(), 50, enabled=False) == ""

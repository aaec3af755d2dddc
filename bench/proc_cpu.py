"""Where the CPU goes during a benchmark: CPU seconds per group of processes, from Linux's /proc.

A throughput ratio says how far the stream is from the student alone, not why. On a machine
whose cores are all busy, every process that handles a post (the worker beyond its scoring, the
broker, Redis, the kernel's own threads, the publisher) takes its CPU from scoring, so the sum
per post bounds the rate the cores allow. Counted per process (all its threads, user and system
time), so it is read the same however loaded the machine is; processes that end inside the
window are not counted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
KTHREADD = 2  # the parent of every kernel thread

WORKERS = "worker process(es)"
BROKER = "broker (Tansu)"
REDIS = "Redis"
BENCH = "this process (publisher, readers)"
KERNEL = "kernel threads"
OTHER = "everything else on the machine"
GROUPS = (WORKERS, BROKER, REDIS, BENCH, KERNEL, OTHER)


@dataclass(frozen=True)
class Process:
    pid: int
    name: str
    parent: int
    started: int  # clock ticks after boot: with the pid, what tells one process from a later one
    cpu_seconds: float


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def processes() -> dict[int, Process]:
    """Every process now, with its CPU seconds so far."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, Process] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while being read
            continue
        # The name sits in parentheses and may itself hold spaces or parentheses.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = Process(
            int(entry.name), name, int(fields[1]), int(fields[19]), (int(fields[11]) + int(fields[12])) / tick
        )
    return found


def group_of(process: Process, workers: Iterable[int]) -> str:
    if process.pid in workers:
        return WORKERS
    if process.pid == os.getpid():
        return BENCH
    if process.name == "tansu":
        return BROKER
    if process.name.startswith("redis-server"):
        return REDIS
    if process.parent == KTHREADD or process.pid == KTHREADD:
        return KERNEL
    return OTHER


class CpuMeter:
    """CPU seconds each group used between ``start`` and ``stop``."""

    def __init__(self, workers: Iterable[int]) -> None:
        self._workers = frozenset(workers)
        self._before: dict[int, Process] = {}
        self.used: dict[str, float] = {}

    def start(self) -> None:
        self._before = processes()

    def stop(self) -> None:
        used = dict.fromkeys(GROUPS, 0.0)
        for pid, now in processes().items():
            before = self._before.get(pid)
            # A pid reused by another process inside the window counts from zero. Not the name: a
            # kernel worker thread renames itself after the work it is doing.
            earlier = before.cpu_seconds if before is not None and before.started == now.started else 0.0
            used[group_of(now, self._workers)] += max(0.0, now.cpu_seconds - earlier)
        self.used = used

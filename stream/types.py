"""What the pipelines need from the messaging layer, apart from Faust and Kafka.

The pipelines (:mod:`stream.pipeline`) see messages as :class:`Incoming` and send through an
:class:`Outbox`; :mod:`stream.roles` adapts Faust to both. Keeping Faust out of the decision code
keeps it readable and lets it run on any transport that can acknowledge a send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sentimon.records import Escalation, TeacherLabel, Verdict

# (key, value): keys are post ids (or brands for alerts), so one post's messages share a partition.
OutMessage = tuple[str | None, bytes]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One consumed message, with where it came from (the DLQ and the ledger need that)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class Outbox(Protocol):
    async def publish(self, topic: str, messages: Sequence[OutMessage]) -> None:
        """Send, and return only once the broker has acknowledged every message."""
        ...


class TeacherDesk(Protocol):
    async def decide(self, escalation: Escalation) -> tuple[Verdict, list[TeacherLabel]]:
        """The final verdict on an escalated post, and every teacher answer behind it.

        Never raises for teacher failures: it falls back to the student's verdict, flagged.
        """
        ...

"""The pipelines without Faust or a broker: an outbox that keeps what they publish, and batches as the agents hand them over."""

from __future__ import annotations

from collections.abc import Sequence

from stream.types import Incoming, OutMessage


class ListOutbox:
    """Keeps what the pipelines publish, by topic."""

    def __init__(self) -> None:
        self.sent: dict[str, list[OutMessage]] = {}

    async def publish(self, topic: str, messages: Sequence[OutMessage]) -> None:
        self.sent.setdefault(topic, []).extend(messages)

    def take(self, topic: str) -> list[OutMessage]:
        return self.sent.pop(topic, [])


def incoming(topic: str, messages: Sequence[OutMessage], first_offset: int = 0) -> list[Incoming]:
    return [
        Incoming(topic, 0, first_offset + i, key.encode() if key else None, value)
        for i, (key, value) in enumerate(messages)
    ]

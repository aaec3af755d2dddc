"""Publishing posts: a small async helper for producer code, and the readers behind ``sentimon publish``.

Posts are keyed by their id, so every message about one post (the post, its verdict, its
escalation) lands on the same partition number, and a producer retrying a post keeps it in order.
Lines are sent as they are, not re-validated: judging input is the worker's job, and a malformed
line must reach the dead-letter topic with its reason rather than vanish at the producer.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self, TypeVar

from aiokafka import AIOKafkaProducer

from sentimon.records import Post
from stream.topics import bootstrap_servers
from stream.types import OutMessage

# CSV columns that are Post fields; any other column goes into ``metadata``.
POST_COLUMNS = ("id", "text", "brand", "source", "author", "created_at", "lang", "parent_id")
# Several brands in one CSV cell are separated by this (commas would fight the CSV).
BRAND_SEPARATOR = "|"
# Acknowledgements awaited at once; bounds memory when publishing a large file flat out.
IN_FLIGHT = 1000
T = TypeVar("T")


def post_key(value: bytes) -> str | None:
    """The post id of a JSON message, or None when it has none (it will go to the DLQ anyway)."""
    try:
        document = json.loads(value)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if isinstance(document, dict) and isinstance(document.get("id"), str):
        return document["id"]
    return None


def jsonl_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Each non-blank line, without its line ending; bytes, so invalid UTF-8 travels unchanged."""
    for line in stream:
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield line


def csv_rows(stream: IO[bytes]) -> Iterator[bytes]:
    """Each CSV row as a post JSON object; empty cells are left out."""
    reader = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8", newline=""))
    for row in reader:
        post: dict[str, object] = {}
        metadata: dict[str, str] = {}
        for column, cell in row.items():
            if column is None or cell is None or cell == "":
                continue
            if column == "brand":
                post["brand"] = [b.strip() for b in cell.split(BRAND_SEPARATOR) if b.strip()]
            elif column in POST_COLUMNS:
                post[column] = cell
            else:
                metadata[column] = cell
        if metadata:
            post["metadata"] = metadata
        yield json.dumps(post, ensure_ascii=False).encode()


def read_messages(stream: IO[bytes], fmt: str) -> Iterator[bytes]:
    return csv_rows(stream) if fmt == "csv" else jsonl_lines(stream)


def format_of(path: Path | None) -> str:
    return "csv" if path is not None and path.suffix.lower() == ".csv" else "jsonl"


async def paced(messages: Iterable[T], rate: float | None) -> AsyncIterator[T]:
    """Yield at ``rate`` per second on an absolute schedule, so pauses do not add up to drift."""
    start = time.monotonic()
    for i, message in enumerate(messages):
        if rate:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        yield message


class Publisher:
    """``async with Publisher(url, topic) as p: await p.post(Post(...))``"""

    def __init__(self, broker_url: str, topic: str = "posts", linger_ms: int = 5) -> None:
        self.topic = topic
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers(broker_url), acks="all", linger_ms=linger_ms
        )
        self._pending: list[asyncio.Future[object]] = []

    async def __aenter__(self) -> Self:
        await self._producer.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                await self.flush()
        finally:
            await self._producer.stop()

    async def send(self, value: bytes, key: str | None = None) -> float:
        """Queue one message (key: the post id found in it, unless given); returns the send time."""
        key = key if key is not None else post_key(value)
        sent_at = time.time()
        future = await self._producer.send(self.topic, value, key=key.encode() if key is not None else None)
        self._pending.append(future)
        if len(self._pending) >= IN_FLIGHT:
            await self.flush()
        return sent_at

    async def post(self, post: Post) -> float:
        return await self.send(post.to_bytes(), post.id)

    async def flush(self) -> None:
        """Wait until the broker acknowledged everything sent so far."""
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)

    async def publish(self, messages: Iterable[bytes], rate: float | None = None) -> int:
        count = 0
        async for message in paced(messages, rate):
            await self.send(message)
            count += 1
        await self.flush()
        return count


class BrokerOutbox:
    """An :class:`~stream.types.Outbox` for a command outside Faust: one producer per publish, acknowledged."""

    def __init__(self, broker_url: str) -> None:
        self._broker_url = broker_url

    async def publish(self, topic: str, messages: Sequence[OutMessage]) -> None:
        if not messages:
            return
        async with Publisher(self._broker_url, topic) as publisher:
            for key, value in messages:
                await publisher.send(value, key=key)

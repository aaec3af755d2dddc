"""The demo stream: project-written posts about five invented brands, replayed as if live.

``stream/demo/posts.jsonl`` holds ten minutes of traffic (a game launch burst, a
telecom outage that plants a negative spike, replies that need their thread)
with each post's offset from the start in ``metadata.offset_s``; the replay
stamps ``created_at`` with the wall-clock time it sends the post, so windows,
charts and alerts behave as they would on a real stream. A few malformed lines
are spread through it so the dead-letter topic has something to show.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sentimon.settings import Settings
from stream.producer import Publisher, jsonl_lines

DEMO_DIR = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class DemoStream:
    posts: list[dict[str, object]]
    malformed: list[bytes]

    @classmethod
    def load(cls, directory: Path = DEMO_DIR) -> DemoStream:
        with (directory / "posts.jsonl").open("rb") as handle:
            posts = [json.loads(line) for line in jsonl_lines(handle)]
        with (directory / "malformed.jsonl").open("rb") as handle:
            malformed = list(jsonl_lines(handle))
        posts.sort(key=_offset)
        return cls(posts, malformed)

    @property
    def span_seconds(self) -> float:
        return _offset(self.posts[-1]) if self.posts else 0.0

    def round(self, number: int) -> list[tuple[float, dict[str, object] | bytes]]:
        """One pass as (offset seconds, post or raw bad line); ids get a round suffix so passes stay distinct."""
        schedule: list[tuple[float, dict[str, object] | bytes]] = []
        for post in self.posts:
            renamed = {**post, "id": f"{post['id']}-r{number}"}
            if post.get("parent_id"):
                renamed["parent_id"] = f"{post['parent_id']}-r{number}"
            schedule.append((_offset(post), renamed))
        step = self.span_seconds / (len(self.malformed) + 1)
        schedule.extend((step * (i + 1), line) for i, line in enumerate(self.malformed))
        schedule.sort(key=lambda item: item[0])
        return schedule


def _offset(post: dict[str, object]) -> float:
    metadata = post.get("metadata")
    return float(metadata.get("offset_s", 0.0)) if isinstance(metadata, dict) else 0.0


async def replay(settings: Settings, *, speed: float = 1.0, rounds: int | None = 1) -> int:
    """Publish the demo stream ``rounds`` times (forever with None), ``speed`` times faster than recorded."""
    stream = DemoStream.load()
    sent = 0
    number = int(time.time())  # distinct ids across restarts of the demo, too
    async with Publisher(settings.broker_url, settings.topic_posts) as publisher:
        while rounds is None or rounds > 0:
            start = time.monotonic()
            for offset, item in stream.round(number):
                delay = start + offset / speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if isinstance(item, bytes):
                    await publisher.send(item)
                else:
                    item["created_at"] = datetime.now(UTC).isoformat()
                    await publisher.send(json.dumps(item).encode(), str(item["id"]))
                sent += 1
            await publisher.flush()
            number += 1
            rounds = None if rounds is None else rounds - 1
    return sent

"""The demo stream: project-written posts about six invented brands, replayed as if live.

``stream/demo/posts.jsonl`` holds ten minutes of traffic (a game launch burst, a
telecom outage that plants a negative spike, replies that need their thread, and
drift the student has never seen: a new brand's launch in slang, sarcasm waves)
with each post's offset from the start in ``metadata.offset_s``; the replay
stamps ``created_at`` with the wall-clock time it sends the post, so windows,
charts and alerts behave as they would on a real stream. A few malformed lines
are spread through it so the dead-letter topic has something to show.

``labels.jsonl`` beside it holds every post's true labels, written by the
generator. The embedded default has no LLM, so while the demo plays its teacher
is :class:`DemoOracle`, which replays those labels: it shows the loop
(escalation, teacher answer, re-distillation, promotion) working, and says
plainly that it is not a model. :func:`embedded_env` is what ``sentimon up``
changes for the demo: that teacher and a re-distillation cadence short enough
for a round to happen while one watches.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from models.teacher.oracle import OracleTeacher
from models.teacher.types import TeacherAnswer, TeacherQuery
from sentimon.settings import ENV_PREFIX, Settings
from stream.producer import Publisher, jsonl_lines

DEMO_DIR = Path(__file__).resolve().parent / "demo"
LABELS_FILE = DEMO_DIR / "labels.jsonl"
DEMO_TEACHER_BACKEND = "demo"
DEMO_ORACLE_NAME = "demo oracle (replays the demo's generated labels; stands in for an LLM)"
# A replayed post's id is the recorded one plus the pass it belongs to (see DemoStream.round).
_PASS_SUFFIX = re.compile(r"-r\d+$")
# Re-distillation cadence while the demo plays, unless the user set these: the defaults (200
# labels or 30 minutes) suit a real stream, but would let ten minutes of demo pass without a round.
DEMO_PROFILE: dict[str, str] = {"retrain_min_labels": "100", "retrain_interval_minutes": "3"}


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


def recorded_id(post_id: str) -> str:
    """The id a replayed post has in ``posts.jsonl`` and ``labels.jsonl``."""
    return _PASS_SUFFIX.sub("", post_id)


class DemoOracle:
    """The demo's teacher: answers a demo post with the labels its generator wrote, any pass of it.

    A post that is not the demo's gets no answer (the oracle rejects it, so the student's verdict
    stands, flagged ``teacher_failed``), never a guess.
    """

    name = DEMO_ORACLE_NAME

    def __init__(self, labels: Path = LABELS_FILE) -> None:
        self._oracle = OracleTeacher.from_file(labels, name=self.name)

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        answer = await self._oracle.ask(replace(query, post_id=recorded_id(query.post_id)))
        return replace(answer, rationale="demo oracle: the label the demo generator wrote for this post")

    async def aclose(self) -> None:
        await self._oracle.aclose()


def embedded_env(settings: Settings, *, demo: bool) -> dict[str, str]:
    """Environment ``sentimon up`` adds for its roles; a user's own choice wins.

    No teacher configured (no backend list, no LLM URL) means the demo oracle, with the demo or
    without it (then it answers nothing, and says so on the dashboard as errors, rather than the
    stack refusing to start); while the demo plays, each cadence setting of :data:`DEMO_PROFILE`
    applies unless it was set in the environment or ``.env``.
    """
    profile = DEMO_PROFILE if demo else {}
    env = {
        f"{ENV_PREFIX}{name.upper()}": value for name, value in profile.items() if name not in settings.model_fields_set
    }
    if wants_demo_teacher(settings):
        env[f"{ENV_PREFIX}TEACHER_BACKENDS"] = DEMO_TEACHER_BACKEND
    return env


def wants_demo_teacher(settings: Settings) -> bool:
    """True when the user configured no teacher at all (no backend list, no LLM URL)."""
    return not settings.teacher_backends and not settings.teacher_url


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

"""Posts for the stream tests: the tiny student's training texts and variations of them, with brands and threads."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from sentimon.records import Post
from tests.fixtures.student import TINY_EXAMPLES

BRANDS = (["acme"], ["globex"], ["acme", "globex"], [])
_TWISTS = ("", " today", " honestly", "!!", " again", " lol", " - just saying")


def gibberish(rng: random.Random) -> str:
    """Text unlike anything the tiny student saw: where it is unsure."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(2, 8))) for _ in range(rng.randint(2, 9)))


def make_posts(n: int, tag: str = "p", seed: int = 7, gibberish_share: float = 0.3) -> list[Post]:
    """``n`` posts with distinct ids; texts vary so the student is sure of some and unsure of others."""
    rng = random.Random(seed)
    texts = [e.text for e in TINY_EXAMPLES if e.context is None]
    now = datetime.now(UTC)
    return [
        Post(
            id=f"{tag}-{i}",
            text=gibberish(rng) if rng.random() < gibberish_share else rng.choice(texts) + rng.choice(_TWISTS),
            brand=list(rng.choice(BRANDS)),
            source="test",
            created_at=now,
        )
        for i in range(n)
    ]


def gold_file(posts: list[Post], path: Path, seed: int = 7) -> Path:
    """Oracle answers for these posts (the polarity of the training text they came from)."""
    by_text = {e.text: e.polarity for e in TINY_EXAMPLES if e.context is None}
    with path.open("w") as out:
        for post in posts:
            polarity = next((p for t, p in by_text.items() if post.text.startswith(t)), "neutral")
            out.write(json.dumps({"id": post.id, "polarity": polarity}) + "\n")
    return path

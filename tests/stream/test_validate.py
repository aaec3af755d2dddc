"""Raw bytes → Post or a reason: every malformed kind gets its own code, valid variants pass."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sentimon.records import Post
from sentimon.settings import Settings
from stream.dead_letters import Rejection
from stream.validate import parse_post
from tests.stream.malformed import MALFORMED

# Duplicate ids need the ledger: the end-to-end test covers them.
STATELESS = [(code, raw) for code, raw in MALFORMED if code != "duplicate_id"]


@pytest.mark.parametrize(("code", "raw"), STATELESS, ids=[f"{i}-{c}" for i, (c, _) in enumerate(STATELESS)])
def test_each_malformed_kind_is_rejected_with_its_code(code: str, raw: bytes) -> None:
    result = parse_post(raw, Settings())
    assert isinstance(result, Rejection)
    assert result.code == code, result.reason
    assert len(result.reason) > len(code) + 2  # the reason says what exactly was wrong


def test_a_missing_value_is_empty() -> None:
    result = parse_post(None, Settings())
    assert isinstance(result, Rejection) and result.code == "empty"


def test_limits_come_from_the_settings() -> None:
    raw = Post(id="a", text="z" * 500).to_bytes()
    assert isinstance(parse_post(raw, Settings()), Post)
    assert parse_post(raw, Settings(max_text_chars=100)).code == "text_too_long"  # type: ignore[union-attr]
    assert parse_post(raw, Settings(max_message_bytes=100)).code == "too_large"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "1", "text": "plain"}',
        b'{"id": "1", "text": "one brand", "brand": "acme"}',
        b'{"id": "1", "text": "brands", "brand": ["acme", "globex"], "metadata": {"likes": 3, "tags": ["a"]}}',
        b'{"id": "1", "text": "zoned", "created_at": "2024-05-01T12:00:00+02:00"}',
        b'{"id": "1", "text": "reply", "parent_id": "0", "lang": "en", "author": "x", "source": "web"}',
        '{"id": "1", "text": "caf\u00e9 \u2764 emoji \U0001f600"}'.encode(),
        b'{"id": "1", "text": "nested ok", "metadata": {"a": {"b": {"c": [1, [2, [3]]]}}}}',
    ],
)
def test_valid_posts_pass(raw: bytes) -> None:
    assert isinstance(parse_post(raw, Settings()), Post)


def test_timestamps_without_zone_are_utc() -> None:
    post = parse_post(b'{"id": "1", "text": "t", "created_at": "2024-05-01T12:00:00"}', Settings())
    assert isinstance(post, Post) and post.created_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_brand_limits_come_from_the_settings() -> None:
    raw = Post(id="a", text="t", brand=["acme", "globex", "x" * 40]).to_bytes()
    assert isinstance(parse_post(raw, Settings()), Post)
    assert parse_post(raw, Settings(max_brands=2)).code == "too_many_brands"  # type: ignore[union-attr]
    assert parse_post(raw, Settings(max_brand_chars=39)).code == "brand_too_long"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    ["\u200b", "\u200b\u200c\u200d\ufeff", " \u2060\u00ad\u3164 \u2800", "\ufe0f\U000e0020\n"],
)
def test_text_of_invisible_characters_is_blank(text: str) -> None:
    result = parse_post(Post.model_construct(id="z", text=text).to_bytes(), Settings())
    assert isinstance(result, Rejection) and result.code == "invalid_value", result
    assert "blank" in result.reason


def test_large_numbers_that_fit_still_pass() -> None:
    digits = "9" * 100
    raw = f'{{"id": "n", "text": "t", "metadata": {{"n": -{digits}, "x": 1.5e308}}}}'.encode()
    post = parse_post(raw, Settings())
    assert isinstance(post, Post) and post.metadata["n"] == -int(digits)

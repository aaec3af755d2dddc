"""Producers: file readers, the key rule, and ``sentimon publish`` against the real broker."""

from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path

from click.testing import CliRunner

from cli import main
from sentimon.records import Post
from sentimon.settings import Settings
from stream.producer import csv_rows, jsonl_lines, post_key
from stream.worker import settings_env
from tests.fixtures.broker import distinct_ids, on_broker, read_topic


def test_jsonl_lines_keep_bytes_as_they_are() -> None:
    raw = b'{"id": "1", "text": "a"}\r\n\n   \n{"id": "2", "text": "caf\xe9"}\nnot json\n'
    assert list(jsonl_lines(io.BytesIO(raw))) == [
        b'{"id": "1", "text": "a"}',
        b'{"id": "2", "text": "caf\xe9"}',
        b"not json",
    ]


def test_csv_rows_become_posts() -> None:
    table = (
        'id,text,brand,created_at,likes,parent_id\n1,great stuff,acme|globex,2024-01-01T00:00:00Z,5,\n2,"a, b",,,,1\n'
    )
    rows = [Post.model_validate_json(row) for row in csv_rows(io.BytesIO(table.encode()))]
    assert rows[0].brand == ["acme", "globex"] and rows[0].metadata == {"likes": "5"} and rows[0].parent_id is None
    assert rows[1].text == "a, b" and rows[1].brand == [] and rows[1].parent_id == "1"


def test_the_key_is_the_post_id_when_there_is_one() -> None:
    assert post_key(b'{"id": "abc", "text": "t"}') == "abc"
    assert post_key(b'{"id": 5, "text": "t"}') is None
    assert post_key(b"[1, 2]") is None
    assert post_key(b"\xff\xfe") is None


def test_publish_command_keys_by_id_and_keeps_the_rate(settings: Settings, broker: str, tmp_path: Path) -> None:
    settings = on_broker(settings, broker)
    lines = [Post(id=f"p{i}", text=f"post {i}").to_bytes() for i in range(30)] + [b"garbage line"]
    source = tmp_path / "posts.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    env = settings_env(settings)
    rate = 100.0

    started = time.monotonic()
    result = CliRunner().invoke(main, ["publish", str(source), "--rate", str(rate)], env=env)
    elapsed = time.monotonic() - started

    assert result.exit_code == 0, result.output
    assert "published 31 posts" in result.output
    assert elapsed >= (len(lines) - 1) / rate
    records = asyncio.run(read_topic(broker, settings.topic_posts, lambda r: len(r) >= len(lines)))
    assert sorted(r.value for r in records) == sorted(lines)
    assert {r.key for r in records} == {f"p{i}".encode() for i in range(30)} | {None}


def test_publish_reads_stdin(settings: Settings, broker: str) -> None:
    settings = on_broker(settings, broker)
    lines = "\n".join(json.dumps({"id": f"s{i}", "text": "from stdin"}) for i in range(5))
    result = CliRunner().invoke(main, ["publish", "-"], input=lines, env=settings_env(settings))
    assert result.exit_code == 0, result.output
    records = asyncio.run(read_topic(broker, settings.topic_posts, distinct_ids(5)))
    assert len(records) == 5

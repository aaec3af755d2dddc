"""Malformed messages, each with the reason code the worker must give it in the dead-letter topic."""

from __future__ import annotations

import json

from stream import dead_letters as v


def _post(**fields: object) -> bytes:
    return json.dumps({"id": "m", "text": "fine text", **fields}).encode()


MALFORMED: list[tuple[str, bytes]] = [
    (v.NOT_JSON, b"this is not json"),
    (v.NOT_JSON, b'{"id": "trunc", "text": "cut off'),
    (v.EMPTY, b""),
    (v.INVALID_UTF8, b'{"id": "utf", "text": "caf\xe9 \xff"}'),
    (v.NOT_OBJECT, b'["id", "text"]'),
    (v.NOT_OBJECT, b"42"),
    (v.MISSING_FIELD, b'{"id": "no-text"}'),
    (v.MISSING_FIELD, b'{"text": "no id here"}'),
    (v.WRONG_TYPE, b'{"id": 17, "text": "numeric id"}'),
    (v.WRONG_TYPE, b'{"id": "list-text", "text": ["a", "b"]}'),
    (v.WRONG_TYPE, _post(id="brand-num", brand=5)),
    (v.WRONG_TYPE, _post(id="meta-list", metadata=[1, 2])),
    (v.INVALID_VALUE, _post(id="blank", text="   \n\t ")),
    (v.INVALID_VALUE, _post(id="nul", text="null \u0000 byte")),
    (v.INVALID_VALUE, _post(id="bad-time", created_at="yesterday at noon")),
    (v.INVALID_VALUE, _post(id="ctrl\nid")),
    (v.TOO_LARGE, _post(id="huge", text="x" * 1_000_000)),
    (v.TEXT_TOO_LONG, _post(id="long", text="y" * 30_000)),
    (v.UNKNOWN_FIELD, _post(id="extra", sentiment="positive")),
    (v.NON_FINITE_NUMBER, b'{"id": "nan", "text": "t", "metadata": {"score": NaN}}'),
    (v.DUPLICATE_KEY, b'{"id": "a", "id": "b", "text": "two ids"}'),
    (v.TOO_DEEP, b'{"id": "deep", "text": "t", "metadata": {"x": ' + b"[" * 200 + b"]" * 200 + b"}}"),
    (v.INVALID_UNICODE, b'{"id": "sur", "text": "lone \\ud800 surrogate"}'),
    (v.SELF_REPLY, _post(id="me", parent_id="me")),
    (v.NUMBER_TOO_LARGE, b'{"id": "bigint", "text": "t", "metadata": {"n": ' + b"7" * 5000 + b"}}"),
    (v.NUMBER_TOO_LARGE, b'{"id": "bigfloat", "text": "t", "metadata": {"x": 1e999}}'),
    (v.INVALID_VALUE, _post(id="zero-width", text="\u200b\u200c\u200d\ufeff \u2060")),
    (v.INVALID_VALUE, _post(id="long-author", author="a" * 257)),
    (v.TOO_MANY_BRANDS, _post(id="brands", brand=[f"b{i}" for i in range(10_000)])),
    (v.BRAND_TOO_LONG, _post(id="brand-len", brand=["ok", "b" * 129])),
    # Reuses the id of a valid post earlier in the stream (see the test): a producer bug, not a redelivery.
    (v.DUPLICATE_ID, json.dumps({"id": "good-0", "text": "second post with a taken id"}).encode()),
]

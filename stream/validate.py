"""Raw message bytes → a :class:`Post`, or the reason they cannot be one.

The worker reads ``posts`` as raw bytes rather than letting Faust deserialise, because a message
that fails to parse must still reach the dead-letter topic byte for byte. Every failure here has a
stable reason code before the colon (``not_json: ...``, the codes are in :mod:`stream.dead_letters`)
so that operators can count DLQ entries by kind; the text after it says what exactly was wrong. Nothing in here raises on bad input.
"""

from __future__ import annotations

import json
import math

from pydantic import ValidationError

from sentimon.records import Post
from sentimon.settings import Settings
from stream.dead_letters import (
    BRAND_TOO_LONG,
    DUPLICATE_KEY,
    EMPTY,
    INVALID_UNICODE,
    INVALID_UTF8,
    INVALID_VALUE,
    MISSING_FIELD,
    NON_FINITE_NUMBER,
    NOT_JSON,
    NOT_OBJECT,
    NUMBER_TOO_LARGE,
    SELF_REPLY,
    TEXT_TOO_LONG,
    TOO_DEEP,
    TOO_LARGE,
    TOO_MANY_BRANDS,
    UNKNOWN_FIELD,
    WRONG_TYPE,
    Rejection,
    reason,
)

# How deep a JSON document may nest; a post has no reason to nest more than its metadata needs,
# and the C parser would otherwise recurse until Python's stack limit.
MAX_DEPTH = 32

# Most digits of an integer: ids and counts need at most 20 (64 bits); Python itself refuses to
# convert more than 4,300, which is where a 5,000-digit number would otherwise fail, misnamed.
MAX_INT_DIGITS = 100

_PYDANTIC_CODES = {
    "missing": MISSING_FIELD,
    "extra_forbidden": UNKNOWN_FIELD,
}


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json.loads keeps the last of repeated keys silently; a producer sending two ids in one
    # object has a bug we want to see, not a post we want to guess at.
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


class _NumberTooLargeError(ValueError):
    pass


class _NonFiniteError(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonFiniteError(name)


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _NumberTooLargeError(f"an integer of {len(digits.lstrip('-'))} digits (more than {MAX_INT_DIGITS})")
    return int(digits)


def _finite_float(text: str) -> float:
    # 1e999 is a finite number in the text that no float can hold: too large, not NaN or Infinity.
    value = float(text)
    if math.isinf(value):
        raise _NumberTooLargeError(f"{text[:40]} does not fit a 64-bit float")
    return value


def _depth(text: str) -> int:
    """Deepest bracket nesting, ignoring brackets inside strings; cheap enough for 256 kB."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _pydantic_reason(error: ValidationError) -> Rejection:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "post"
    kind = first["type"]
    if kind in _PYDANTIC_CODES:
        code = _PYDANTIC_CODES[kind]
    elif kind.endswith("_type") or kind in ("is_instance_of", "model_type"):
        code = WRONG_TYPE
    else:
        code = INVALID_VALUE
    return reason(code, f"{field}: {first['msg']}")


def parse_post(raw: bytes | None, settings: Settings) -> Post | Rejection:
    """Decode and validate one message value. Size limits come first so huge input is never parsed."""
    if not raw:
        return reason(EMPTY, "message has no value")
    if len(raw) > settings.max_message_bytes:
        return reason(TOO_LARGE, f"{len(raw)} bytes > SENTIMON_MAX_MESSAGE_BYTES={settings.max_message_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return reason(INVALID_UTF8, f"byte {exc.start}: {exc.reason}")
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        return reason(TOO_DEEP, f"JSON nests deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_refuse_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except _DuplicateKeyError as exc:
        return reason(DUPLICATE_KEY, f"key {exc.args[0]!r} appears twice")
    except _NumberTooLargeError as exc:
        return reason(NUMBER_TOO_LARGE, str(exc))
    except _NonFiniteError as exc:
        return reason(NON_FINITE_NUMBER, f"{exc.args[0]} is not a JSON number")
    except ValueError as exc:
        return reason(NOT_JSON, str(exc))
    if not isinstance(document, dict):
        return reason(NOT_OBJECT, f"expected a JSON object, got {type(document).__name__}")
    try:
        # Lone surrogates (\ud800) decode fine but cannot be written back as UTF-8 later.
        json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return reason(INVALID_UNICODE, f"unpaired surrogate: {exc.reason}")
    try:
        post = Post.model_validate(document)
    except ValidationError as exc:
        return _pydantic_reason(exc)
    if len(post.text) > settings.max_text_chars:
        return reason(TEXT_TOO_LONG, f"{len(post.text)} characters > SENTIMON_MAX_TEXT_CHARS={settings.max_text_chars}")
    if post.parent_id == post.id:
        return reason(SELF_REPLY, "parent_id equals id")
    return _brand_limits(post, settings) or post


def _brand_limits(post: Post, settings: Settings) -> Rejection | None:
    """Each brand multiplies what one post writes to Redis; a post naming thousands would swamp it."""
    if len(post.brand) > settings.max_brands:
        return reason(TOO_MANY_BRANDS, f"{len(post.brand)} brands > SENTIMON_MAX_BRANDS={settings.max_brands}")
    longest = max(post.brand, key=len, default="")
    if len(longest) > settings.max_brand_chars:
        return reason(
            BRAND_TOO_LONG,
            f"a brand of {len(longest)} characters > SENTIMON_MAX_BRAND_CHARS={settings.max_brand_chars}",
        )
    return None

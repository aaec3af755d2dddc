"""The dead-letter topic's one vocabulary: every reason code, and how a message becomes a dead letter.

A dead letter's reason is ``code: detail``. The code before the colon is stable, so operators can
count DLQ entries by kind (the ``sentimon_dlq_total`` metric is labelled by it); the detail says
what exactly was wrong with this message. Post parsing (:mod:`stream.validate`), the roles'
record parsing, poison messages (:mod:`stream.poison`) and webhook delivery all name their codes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sentimon.records import DlqRecord
from stream.metrics import WorkerMetrics
from stream.types import Incoming, OutMessage

R = TypeVar("R", bound=BaseModel)

# Reason codes, the part of a DLQ reason before the colon.
EMPTY = "empty"
TOO_LARGE = "too_large"
INVALID_UTF8 = "invalid_utf8"
NOT_JSON = "not_json"
NON_FINITE_NUMBER = "non_finite_number"
NUMBER_TOO_LARGE = "number_too_large"
DUPLICATE_KEY = "duplicate_key"
TOO_DEEP = "too_deep"
NOT_OBJECT = "not_object"
INVALID_UNICODE = "invalid_unicode"
MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
UNKNOWN_FIELD = "unknown_field"
INVALID_VALUE = "invalid_value"
TEXT_TOO_LONG = "text_too_long"
SELF_REPLY = "self_reply"
TOO_MANY_BRANDS = "too_many_brands"
BRAND_TOO_LONG = "brand_too_long"
DUPLICATE_ID = "duplicate_id"
PROCESSING_ERROR = "processing_error"
# Records between the roles that do not parse: a bug or a foreign producer, never a user's post.
INVALID_ESCALATION = "invalid_escalation"
INVALID_VERDICT = "invalid_verdict"
INVALID_TEACHER_LABEL = "invalid_teacher_label"
# An alert that no webhook attempt delivered.
WEBHOOK_FAILED = "webhook_failed"


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0]


def reason(code: str, detail: str) -> Rejection:
    return Rejection(f"{code}: {detail}")


class DeadLetters:
    """Dead-letter messages, counted by reason code.

    The original bytes travel base64-encoded, a third larger than they came; an oversized message
    is cut to ``keep_bytes`` (and the reason says so), or its dead letter could exceed what the
    broker accepts and never be written at all.
    """

    def __init__(self, metrics: WorkerMetrics, keep_bytes: int) -> None:
        self._metrics = metrics
        self._keep = keep_bytes

    def letter(self, message: Incoming, rejection: Rejection) -> OutMessage:
        self._metrics.dlq.labels(rejection.code).inc()
        original = message.value or b""
        why = rejection.reason
        if len(original) > self._keep:
            original = original[: self._keep]
            why += f" (original cut to its first {self._keep} bytes)"
        record = DlqRecord.of(original, why, message.topic, message.partition, message.offset)
        key = message.key.decode("utf-8", "replace") if message.key else None
        return key, record.to_bytes()

    def parse(self, batch: Sequence[Incoming], record_type: type[R], code: str) -> tuple[list[R], list[OutMessage]]:
        """Each message as a ``record_type``; one that is not becomes a dead letter, with its first error."""
        records: list[R] = []
        dead: list[OutMessage] = []
        for message in batch:
            try:
                records.append(record_type.model_validate_json(message.value or b""))
            except ValidationError as exc:
                dead.append(self.letter(message, reason(code, str(exc.errors()[0]["msg"]))))
        return records, dead

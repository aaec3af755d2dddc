"""The records that travel on sentimon's topics.

Topics carry plain JSON bytes, not Faust records: the worker must see the
original bytes of a bad message to put them in the dead-letter topic, and any
producer in any language can write these shapes from the JSON Schema files in
``sentimon/schemas`` (regenerated with ``sentimon schemas``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, WithJsonSchema, field_validator

from sentimon.labels import POLARITIES, Polarity
from sentimon.text import is_blank

DecidedBy = Literal["student", "teacher", "fallback"]
Flag = Literal[
    "deferred",  # waited for its thread's parent
    "deferral_timeout",  # the parent never came within the bound
    "deferral_overflow",  # too many replies were waiting; scored without context
    "budget_exhausted",  # uncertain, but the teacher budget was spent
    "teacher_failed",  # the teacher could not answer; the student's verdict stands
    "teacher_timeout",  # ...because the post's teacher deadline ran out (with teacher_failed)
    "escalated",  # went to the teacher
    "audit",  # accepted by the student, sent to the teacher at random to measure the student
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def latency_seconds(received_at: datetime, now: datetime) -> float:
    """From when a worker first saw a post to ``now``, never negative; a naive time is UTC.

    The one definition behind every verdict's ``latency_ms`` and the latency histogram.
    """
    aware = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    return max(0.0, (now - aware).total_seconds())


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


class Post(_Record):
    """What a producer publishes. ``id`` and ``text`` are required; the rest is context."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Annotated[StrictStr, Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f]+$")]
    text: Annotated[StrictStr, Field(min_length=1)]
    brand: Annotated[
        list[Annotated[StrictStr, Field(min_length=1)]],
        # Producers may send one brand as a plain string; the validator below makes it a list.
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "items": {"type": "string", "minLength": 1}},
                ]
            }
        ),
    ] = Field(
        default_factory=list,
        description="One brand/topic or a list of them; how many and how long is limited by"
        " SENTIMON_MAX_BRANDS and SENTIMON_MAX_BRAND_CHARS.",
    )
    # Both are copied into the verdict, and so into each brand's recent list: bounded like the id.
    source: Annotated[StrictStr, Field(max_length=256)] | None = None
    author: Annotated[StrictStr, Field(max_length=256)] | None = None
    created_at: datetime | None = Field(None, description="ISO 8601; without a zone it is taken as UTC.")
    lang: StrictStr | None = None
    parent_id: Annotated[StrictStr, Field(min_length=1, max_length=256)] | None = None
    metadata: dict[str, object] = Field(default_factory=dict)

    @field_validator("brand", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("text")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("text contains NUL bytes")
        if is_blank(value):
            raise ValueError("text is blank (only whitespace or invisible characters)")
        return value

    @field_validator("created_at", mode="before")
    @classmethod
    def _iso_only(cls, value: object) -> object:
        # Strict mode refuses datetime objects from JSON anyway; parse ISO 8601 text here so
        # that epoch numbers and free text are rejected with a clear reason.
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str):
            raise ValueError("created_at must be an ISO 8601 string")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"created_at is not ISO 8601: {value!r}") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Probs(_Record):
    negative: float
    neutral: float
    positive: float

    @classmethod
    def from_list(cls, values: list[float]) -> Probs:
        return cls(**dict(zip(POLARITIES, (float(v) for v in values), strict=True)))

    def as_list(self) -> list[float]:
        return [self.negative, self.neutral, self.positive]


class Uncertainty(_Record):
    """Three views of the same doubt: routing uses ``max_prob``; the others are for analysis."""

    max_prob: float
    margin: float
    entropy: float


class AspectPolarity(_Record):
    aspect: str
    polarity: Polarity


class Verdict(_Record):
    """The one final word on a post, and who said it."""

    post_id: str
    brand: list[str]
    created_at: datetime
    text: str = Field(description="The post's text, cut to 1,000 characters for the dashboard.")
    source: str | None = None
    author: str | None = None
    polarity: Polarity
    probs: Probs
    score: float = Field(ge=-1, le=1, description="P(positive) - P(negative).")
    emotions: list[str] = Field(default_factory=list)
    aspects: list[AspectPolarity] = Field(default_factory=list)
    uncertainty: Uncertainty | None = None
    decided_by: DecidedBy
    flags: list[Flag] = Field(default_factory=list)
    model_version: str
    teacher: str | None = None
    latency_ms: float = Field(ge=0, description="From the post entering the worker to this verdict.")
    decided_at: datetime = Field(default_factory=utcnow)


class Escalation(_Record):
    post: Post
    student: Verdict
    reason: Literal["low_confidence", "deferral_timeout", "audit"]
    served_probs: Probs | None = Field(
        None, description="The student's probabilities before live recalibration (what calibration is fitted on)."
    )
    context: str | None = Field(None, description="Parent post text, when the thread gave any.")
    received_at: datetime = Field(description="When the worker first saw the post (for latency).")


class TeacherLabel(_Record):
    post_id: str
    text: str
    context: str | None = None
    teacher: str
    polarity: Polarity
    probs: Probs | None = None
    confidence: float | None = Field(None, ge=0, le=1)
    emotions: list[str] = Field(default_factory=list)
    aspects: list[AspectPolarity] = Field(default_factory=list)
    rationale: str = ""
    student_version: str
    student_polarity: Polarity | None = None
    # Asked about a post the student had accepted, to measure it: the next gate judges on it, later rounds train on it.
    audit: bool = False
    at: datetime = Field(default_factory=utcnow)


class DlqRecord(_Record):
    original_b64: str
    reason: str
    topic: str
    partition: int
    offset: int
    at: datetime = Field(default_factory=utcnow)

    @classmethod
    def of(cls, raw: bytes, reason: str, topic: str, partition: int, offset: int) -> DlqRecord:
        return cls(
            original_b64=base64.b64encode(raw).decode(),
            reason=reason,
            topic=topic,
            partition=partition,
            offset=offset,
        )


class ModelUpdate(_Record):
    version: str
    parent_version: str | None = None
    path: str
    metrics: dict[str, float] = Field(default_factory=dict)
    at: datetime = Field(default_factory=utcnow)


class RoundRecord(_Record):
    """One re-distillation round as the trainer reports it to the dashboard, whatever its outcome.

    A refused or failed round matters as much as a promotion: it is why the model did not change.
    """

    round_id: int
    outcome: Literal["promoted", "refused", "skipped", "failed"]
    reason: str
    previous_version: str | None = None
    current_version: str | None = None
    candidate_version: str | None = None
    new_labels: int = 0
    train_examples: int = 0
    at: datetime = Field(default_factory=utcnow)


class Lift(_Record):
    """One thing over-represented in an alert window: a term, an aspect or an emotion."""

    item: str
    count: int = Field(description="Posts of the alert window that have it.")
    baseline_count: int = Field(description="Posts of the baseline that have it.")
    lift: float = Field(description="Its share in the window over its share in the baseline (smoothed).")
    z: float = Field(description="Log-odds ratio with an informative Dirichlet prior over its standard error.")


class RepresentativePost(_Record):
    post_id: str
    text: str


class Explanation(_Record):
    """Why an alert fired, computed when it fired (see stream/explain.py for the statistic)."""

    terms: list[Lift] = Field(default_factory=list)
    aspects: list[Lift] = Field(default_factory=list)
    emotions: list[Lift] = Field(default_factory=list)
    teacher_share: float | None = Field(None, description="Share of the window's posts the teacher decided.")
    posts: list[RepresentativePost] = Field(default_factory=list, description="The window's most typical posts.")
    window_posts: int = Field(0, description="Posts of the window the terms were counted on.")
    baseline_posts: int = Field(0, description="Posts of the baseline the terms were counted on.")


class Alert(_Record):
    brand: str
    window: str
    window_start: datetime
    kind: Literal["negative_share", "volume"]
    value: float
    baseline_mean: float
    baseline_std: float
    z: float
    volume: int
    post_ids: list[str] = Field(default_factory=list, description="Negative posts that drove the spike.")
    at: datetime = Field(default_factory=utcnow)
    backfill: bool = Field(
        False, description="Raised on old data (a replay or backfill): stored and shown, never notified."
    )
    explanation: Explanation | None = None

    @property
    def ident(self) -> str:
        """One alert per brand, window and kind: the key of its lifecycle state and its delivery claims."""
        return f"{self.brand}|{self.window}|{int(self.window_start.timestamp())}|{self.kind}"


RECORDS: dict[str, type[_Record]] = {
    "post": Post,
    "verdict": Verdict,
    "escalation": Escalation,
    "teacher_label": TeacherLabel,
    "dlq_record": DlqRecord,
    "model_update": ModelUpdate,
    "alert": Alert,
}

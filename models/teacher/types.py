"""What a teacher is asked, what it answers and how it fails, apart from any backend.

The stream's teaching desk, the ensemble and the resilience layer only see
these types, so an HTTP endpoint, an in-process GGUF model, a local encoder and
the evaluation oracle are interchangeable. Failures are exceptions with a
``retryable`` class attribute, because whether to try again depends on *why* a
call failed (a 503 may pass, a 401 will not), and the resilience layer must
decide that without knowing which backend raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from sentimon.labels import Polarity
from sentimon.records import AspectPolarity, Probs


@dataclass(frozen=True, slots=True)
class TeacherQuery:
    """One post to label. Each query is its own request, so one post can never sway another's answer."""

    post_id: str
    text: str
    context: str | None = None
    deadline: float | None = None
    """``time.monotonic()`` by which the post needs its answer, retries and queueing included; None: no bound."""


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What one backend cost for one post, successful or not: the unit of accounting."""

    backend: str
    ok: bool
    attempts: int
    tokens: int
    seconds: float
    polarity: Polarity | None = None
    error_kind: str | None = None
    error: str | None = None
    breaker: str = "closed"


@dataclass(frozen=True, slots=True)
class TeacherAnswer:
    """A validated verdict from one teacher (or an ensemble's combination of several)."""

    teacher: str
    polarity: Polarity
    probs: Probs
    confidence: float
    emotions: tuple[str, ...] = ()
    aspects: tuple[AspectPolarity, ...] = ()
    rationale: str = ""
    tokens: int = 0
    calls: tuple[CallRecord, ...] = field(default=())


@runtime_checkable
class Teacher(Protocol):
    """A labeller of single posts. ``name`` is what verdicts and labels record as their teacher."""

    name: str

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        """Answer one post or raise a :class:`TeacherError`."""
        ...

    async def aclose(self) -> None:
        """Release connections, threads or model memory."""
        ...


class TeacherConfigError(ValueError):
    """A teacher that cannot be built from the settings (missing URL, file or optional package)."""


class TeacherError(Exception):
    """Base of every teacher failure; ``retryable`` says whether another attempt may succeed.

    ``tokens`` is what the failed attempt still cost (a wrong-schema answer is billed too).
    """

    retryable = True
    kind = "error"

    def __init__(self, message: str, *, tokens: int = 0) -> None:
        super().__init__(message)
        self.tokens = tokens


class TeacherTimeout(TeacherError):
    kind = "timeout"


class TeacherDeadline(TeacherTimeout):
    """The post's own deadline ran out (in the queue, mid-attempt or before a retry): no more tries."""

    retryable = False
    kind = "deadline"


class TeacherUnavailable(TeacherError):
    """Connection refused, 5xx, a body that is not the protocol's JSON: the server may recover."""

    kind = "unavailable"


class TeacherRateLimited(TeacherError):
    """429: the server said how long to wait, or did not (``retry_after`` None)."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TeacherSchemaError(TeacherError):
    """The model answered, but not in the schema. Worth exactly one more try (models are stochastic)."""

    kind = "schema"


class TeacherRejected(TeacherError):
    """A request the backend will never accept (bad key, unknown model, no gold label): do not retry."""

    retryable = False
    kind = "rejected"


class TeacherCrashed(TeacherError):
    """The backend raised something other than a TeacherError: a bug, which another try would repeat."""

    retryable = False
    kind = "internal"


class CircuitOpen(TeacherError):
    """The breaker is open: the backend failed repeatedly and is being left alone for a while."""

    retryable = False
    kind = "circuit_open"


class TeacherFailed(TeacherError):
    """A call given up for good, with what the attempts cost, so the caller can still account for them."""

    retryable = False
    kind = "failed"

    def __init__(self, message: str, calls: tuple[CallRecord, ...], cause_kind: str = "error") -> None:
        super().__init__(message, tokens=sum(call.tokens for call in calls))
        self.calls = calls
        self.cause_kind = cause_kind


def failure_calls(backend: str, error: BaseException, seconds: float = 0.0) -> tuple[CallRecord, ...]:
    """The accounting of a failed call; an error that did not pass the resilience layer gets one record."""
    if isinstance(error, TeacherFailed):
        return error.calls
    teacher_error = error if isinstance(error, TeacherError) else None
    return (
        CallRecord(
            backend=backend,
            ok=False,
            attempts=1,
            tokens=teacher_error.tokens if teacher_error else 0,
            seconds=seconds,
            error_kind=teacher_error.kind if teacher_error else TeacherCrashed.kind,
            error=str(error)[:300],
        ),
    )

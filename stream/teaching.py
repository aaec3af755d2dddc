"""The teaching desk: turns an escalation into the post's final verdict and the teacher labels.

Every escalated post must still end as exactly one verdict, so the desk never
lets a teacher failure escape: when the teacher cannot answer (down, slow,
breaker open, answers off-schema twice, or a bug) the student's verdict
stands, marked ``decided_by="fallback"`` with ``teacher_failed``. A teacher
answer becomes the verdict (``decided_by="teacher"``) and one
:class:`TeacherLabel` for re-distillation; the verdict still names the
student version that escalated it, since that version's doubt is what the
label answers.

Each escalated post has a deadline, ``teacher_deadline_seconds`` after the
worker first saw it (the moment its ``latency_ms`` counts from; hosts need
synchronised clocks, and a clock ahead never grants more than the setting). The
teacher is told the deadline and stops in time; the desk also stops waiting
shortly after it whatever the teacher does. A post that missed it falls back
flagged ``teacher_timeout`` as well, and one that arrives already past it is
not asked at all: a teacher hanging, or far behind, delays no verdict longer
than the deadline.

When the role is told to stop, questions still waiting on the teacher are given up at once
(:mod:`stream.abandon`): their posts are read again after the next start, not decided now.

Each call's cost is accounted per backend, in Redis (``Keys.stats_teacher``,
for the dashboard) and as Prometheus counters (for operators), including the
calls an ensemble made to members that failed while another answered.
Accounting is best effort: a Redis hiccup is logged, never allowed to lose
the verdict.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as aioredis
from prometheus_client import Counter
from redis.exceptions import RedisError

from models.teacher.types import CallRecord, Teacher, TeacherAnswer, TeacherDeadline, TeacherQuery, failure_calls
from sentimon.labels import POLARITIES, Polarity
from sentimon.records import Escalation, Flag, TeacherLabel, Verdict, latency_seconds, utcnow
from sentimon.redis_layout import Keys, brands_of
from sentimon.settings import Settings
from stream.abandon import BatchAbandoned, StopLatch
from stream.quality import AuditPair
from stream.quality_store import QualityStore

log = logging.getLogger(__name__)

CALLS = Counter("sentimon_teacher_calls", "Teacher calls (one per post and backend).", ["backend", "outcome"])
ATTEMPTS = Counter("sentimon_teacher_attempts", "HTTP or model attempts, retries included.", ["backend"])
ERRORS = Counter("sentimon_teacher_errors", "Teacher calls given up, by the last failure's kind.", ["backend", "kind"])
TOKENS = Counter("sentimon_teacher_tokens", "Tokens billed by the teacher, failed attempts included.", ["backend"])
SECONDS = Counter("sentimon_teacher_seconds", "Wall seconds spent waiting for the teacher.", ["backend"])
COST = Counter("sentimon_teacher_cost", "Teacher cost at SENTIMON_TEACHER_COST_PER_1K_TOKENS.", ["backend"])
AGREEMENT = Counter(
    "sentimon_teacher_student_agreement", "Teacher answers compared with the student.", ["backend", "agrees"]
)
DECISIONS = Counter("sentimon_teacher_desk_decisions", "Escalations decided, by who decided.", ["decided_by"])

_ERROR_TEXT_CHARS = 200
DEADLINE_SLACK_SECONDS = 0.5
"""How long past the deadline the desk still waits for a teacher that should have stopped by itself."""


class TeacherDesk:
    def __init__(
        self, settings: Settings, redis: aioredis.Redis, teacher: Teacher, stop: StopLatch | None = None
    ) -> None:
        """``stop``, once set, gives up the questions in flight (:class:`BatchAbandoned`) and asks no more."""
        self._redis = redis
        self._keys = Keys(settings.redis_prefix)
        self._teacher = teacher
        self._price_per_token = settings.teacher_cost_per_1k_tokens / 1000
        self._quality = QualityStore.of(redis, settings)
        self._deadline_seconds = settings.teacher_deadline_seconds
        self._stop = stop or StopLatch()

    def _seconds_left(self, escalation: Escalation) -> float:
        # A post "from the future" (clocks apart) counts as just received: its age is never negative.
        return self._deadline_seconds - latency_seconds(escalation.received_at, utcnow())

    async def decide(self, escalation: Escalation) -> tuple[Verdict, list[TeacherLabel]]:
        """The final verdict for an escalated post, and the labels to publish (none on fallback)."""
        post = escalation.post
        started = time.monotonic()
        left = self._seconds_left(escalation)
        if left <= 0:
            log.info("post %s reached the teacher past its deadline; student verdict stands", post.id)
            DECISIONS.labels("fallback").inc()
            await self._evidence(escalation, None)
            return self._fallback(escalation, timed_out=True), []
        query = TeacherQuery(post_id=post.id, text=post.text, context=escalation.context, deadline=started + left)
        try:
            async with asyncio.timeout(left + DEADLINE_SLACK_SECONDS):
                answer = await self._stop.unless_stopped(self._teacher.ask(query))
            if answer.polarity not in POLARITIES:
                # Backends validate their answers; one that slips through is garbage, never a label or an audit.
                raise ValueError(f"teacher {answer.teacher} answered polarity {answer.polarity!r}")
        except (asyncio.CancelledError, BatchAbandoned):
            raise
        except Exception as exc:
            # Every failure, a bug in a backend included: the post still needs its one verdict.
            if isinstance(exc, TimeoutError):
                exc = TeacherDeadline(f"teacher still busy {DEADLINE_SLACK_SECONDS}s past the post's deadline")
            log.warning("teacher failed on post %s, student verdict stands: %s", post.id, exc)
            calls = failure_calls(self._teacher.name, exc, time.monotonic() - started)
            await self._account(calls, escalation)
            DECISIONS.labels("fallback").inc()
            await self._evidence(escalation, None)
            timed_out = any(call.error_kind == TeacherDeadline.kind for call in calls)
            return self._fallback(escalation, timed_out=timed_out), []
        calls = answer.calls or (
            CallRecord(
                backend=answer.teacher,
                ok=True,
                attempts=1,
                tokens=answer.tokens,
                seconds=time.monotonic() - started,
                polarity=answer.polarity,
            ),
        )
        await self._account(calls, escalation)
        DECISIONS.labels("teacher").inc()
        await self._evidence(escalation, answer.polarity)
        return self._verdict(escalation, answer), [self._label(escalation, answer)]

    def _verdict(self, escalation: Escalation, answer: TeacherAnswer) -> Verdict:
        now = utcnow()
        score = min(1.0, max(-1.0, answer.probs.positive - answer.probs.negative))
        return Verdict.model_validate(
            {
                **escalation.student.model_dump(),
                "polarity": answer.polarity,
                "probs": answer.probs,
                "score": score,
                "emotions": list(answer.emotions),
                "aspects": list(answer.aspects),
                "decided_by": "teacher",
                "flags": _with_flags(escalation.student.flags, *_sent_flag(escalation)),
                "teacher": answer.teacher,
                "latency_ms": latency_seconds(escalation.received_at, now) * 1000,
                "decided_at": now,
            }
        )

    def _fallback(self, escalation: Escalation, *, timed_out: bool) -> Verdict:
        now = utcnow()
        failed: tuple[Flag, ...] = ("teacher_failed", "teacher_timeout") if timed_out else ("teacher_failed",)
        return Verdict.model_validate(
            {
                **escalation.student.model_dump(),
                "decided_by": "fallback",
                "flags": _with_flags(escalation.student.flags, *_sent_flag(escalation), *failed),
                "teacher": None,
                "latency_ms": latency_seconds(escalation.received_at, now) * 1000,
                "decided_at": now,
            }
        )

    @staticmethod
    def _label(escalation: Escalation, answer: TeacherAnswer) -> TeacherLabel:
        return TeacherLabel(
            post_id=escalation.post.id,
            text=escalation.post.text,
            context=escalation.context,
            teacher=answer.teacher,
            polarity=answer.polarity,
            probs=answer.probs,
            confidence=min(1.0, max(0.0, answer.confidence)),  # float sums may overshoot 1 by an ulp
            emotions=list(answer.emotions),
            aspects=list(answer.aspects),
            rationale=answer.rationale,
            student_version=escalation.student.model_version,
            student_polarity=escalation.student.polarity,
            audit=escalation.reason == "audit",
        )

    async def _evidence(self, escalation: Escalation, teacher: Polarity | None) -> None:
        """Keep the (student, teacher) pair behind a teacher answer; on a failure, move the post's tally
        from teacher to the student verdict that stands. Best effort, like the accounting."""
        brands = brands_of(escalation.post.brand)
        student = escalation.student
        try:
            if teacher is None:
                stands = "accepted" if escalation.reason == "audit" else "low"
                await self._quality.tally([("teacher", brands, -1), (stands, brands, 1)])
                return
            served = escalation.served_probs or student.probs
            pair = AuditPair(
                post_id=escalation.post.id,
                brands=brands,
                student=POLARITIES.index(student.polarity),
                teacher=POLARITIES.index(teacher),
                probs=(served.negative, served.neutral, served.positive),
                model_version=student.model_version,
                at=time.time(),
                kind="audit" if escalation.reason == "audit" else "escalation",
            )
            if not await self._quality.add_pair(pair):
                log.info("post %s already has a teacher answer pair; this one is ignored", pair.post_id)
        except RedisError as exc:
            log.warning("live quality evidence not written to Redis: %s", exc)

    async def _account(self, calls: tuple[CallRecord, ...], escalation: Escalation) -> None:
        student: Polarity = escalation.student.polarity
        pipe = self._redis.pipeline(transaction=False)
        for call in calls:
            cost = call.tokens * self._price_per_token
            agrees = call.polarity == student
            CALLS.labels(call.backend, "ok" if call.ok else "failed").inc()
            ATTEMPTS.labels(call.backend).inc(call.attempts)
            TOKENS.labels(call.backend).inc(call.tokens)
            SECONDS.labels(call.backend).inc(call.seconds)
            COST.labels(call.backend).inc(cost)
            key = self._keys.stats_teacher(call.backend)
            pipe.sadd(self._keys.teacher_backends, call.backend)
            pipe.hincrby(key, "calls", 1)
            pipe.hincrby(key, "attempts", call.attempts)
            pipe.hincrby(key, "tokens", call.tokens)
            pipe.hincrbyfloat(key, "seconds", call.seconds)
            pipe.hincrbyfloat(key, "cost", cost)
            pipe.hset(key, mapping={"breaker": call.breaker, "last_at": f"{time.time():.3f}"})
            if call.ok:
                AGREEMENT.labels(call.backend, str(agrees).lower()).inc()
                pipe.hincrby(key, "compared", 1)
                pipe.hincrby(key, "agree", int(agrees))
            else:
                kind = call.error_kind or "error"
                ERRORS.labels(call.backend, kind).inc()
                pipe.hincrby(key, "errors", 1)
                pipe.hincrby(key, f"error:{kind}", 1)
                pipe.hset(key, "last_error", f"{kind}: {call.error or ''}"[:_ERROR_TEXT_CHARS])
        try:
            await pipe.execute()
        except RedisError as exc:
            log.warning("teacher accounting not written to Redis: %s", exc)


def _with_flags(flags: list[Flag], *more: Flag) -> list[Flag]:
    return list(dict.fromkeys([*flags, *more]))


def _sent_flag(escalation: Escalation) -> tuple[Flag, ...]:
    """An audit is already flagged ``audit``; only escalations gain ``escalated`` at the desk."""
    return () if escalation.reason == "audit" else ("escalated",)

"""What each role does with a micro-batch: the decisions, free of Faust.

A batch of posts goes validate → repeat check → thread deferral → score → route → publish →
remember. The order of the last two is what makes delivery at-least-once without loss: a post is
marked decided in the ledger only after the broker acknowledged its verdict (or escalation), and
its offset is committed only after the whole batch returned. A crash anywhere in between means the
post is read again and, having no mark, decided again; aggregates count a post id once anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from redis.exceptions import RedisError

from models.types import Prediction
from sentimon.records import Alert, Escalation, Flag, Post, Probs, Verdict, latency_seconds, utcnow
from sentimon.redis_layout import brands_of
from sentimon.settings import Settings
from stream.abandon import BatchAbandoned
from stream.aggregates import Aggregator
from stream.dead_letters import DUPLICATE_ID, INVALID_ESCALATION, INVALID_VERDICT, DeadLetters, Rejection, reason
from stream.deferral import Deferral, Released
from stream.ledger import Ledger, Mark, Origin, Repeat, Stage, digest
from stream.metrics import WorkerMetrics
from stream.poison import PoisonGuard, failure, through_outages
from stream.routing import Route, TeacherBudget, route
from stream.scoring import BatchScorer, student_verdict
from stream.steward import LiveRouting
from stream.topics import TopicNames
from stream.types import Incoming, Outbox, OutMessage, TeacherDesk
from stream.validate import parse_post

log = logging.getLogger(__name__)

EscalationReason = Literal["low_confidence", "deferral_timeout"]


@dataclass(frozen=True, slots=True)
class Ready:
    """A post about to be scored, with what its thread contributes."""

    post: Post
    origin: Origin
    received_at: datetime
    context: str | None = None
    flags: tuple[Flag, ...] = ()
    reason: EscalationReason = "low_confidence"
    was_parked: bool = False

    @classmethod
    def from_released(cls, released: Released, timed_out: bool) -> Ready:
        parked = released.parked
        flags: tuple[Flag, ...] = ("deferred", "deferral_timeout") if timed_out else ("deferred",)
        return cls(
            post=parked.post,
            origin=parked.origin,
            received_at=parked.received_at,
            context=released.context,
            flags=flags,
            reason="deferral_timeout" if timed_out else "low_confidence",
            was_parked=True,
        )


class PostPipeline:
    """The worker role: posts in; verdicts, escalations and dead letters out."""

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        scorer: BatchScorer,
        ledger: Ledger,
        deferral: Deferral,
        budget: TeacherBudget,
        metrics: WorkerMetrics,
        live: LiveRouting,
    ) -> None:
        self._settings = settings
        self._live = live
        self._topics = TopicNames.of(settings)
        self._outbox = outbox
        self._scorer = scorer
        self._ledger = ledger
        self._deferral = deferral
        self._budget = budget
        self._metrics = metrics
        self._dead = DeadLetters(metrics, settings.max_message_bytes)
        self._sweeper = PoisonGuard("sweep-deferred", self._decide, self._set_aside_reply, settings.poison_attempts)
        # Posts of batches being decided right now (``pipeline_depth`` > 1): their ledger marks are not
        # written yet, so a repeat in the next batch is recognised from here, as within one batch.
        self._deciding: dict[str, Mark] = {}

    async def handle(self, batch: Sequence[Incoming]) -> None:
        taken: dict[str, Mark] = {}
        try:
            await self._handle(batch, taken)
        finally:
            for post_id, mark in taken.items():
                if self._deciding.get(post_id) is mark:
                    del self._deciding[post_id]

    async def _handle(self, batch: Sequence[Incoming], taken: dict[str, Mark]) -> None:
        received_at = utcnow()
        self._metrics.count_processed(len(batch))
        dead: list[OutMessage] = []
        posts: list[tuple[Post, Origin, Incoming]] = []
        for message in batch:
            result = parse_post(message.value, self._settings)
            if isinstance(result, Rejection):
                dead.append(self._dead.letter(message, result))
            else:
                posts.append((result, Origin(message.partition, message.offset), message))
        fresh, digests = await self._drop_repeats(posts, dead, taken)
        arrival = await self._deferral.arrive([(post, origin, received_at) for post, origin in fresh])
        parked = set(arrival.parked)
        overflow = set(arrival.overflow) if self._deferral.enabled else set()
        ready = [
            Ready(
                post,
                origin,
                received_at,
                context=arrival.contexts.get(post.id),
                flags=("deferral_overflow",) if post.id in overflow else (),
            )
            for post, origin in fresh
            if post.id not in parked
        ]
        ready += [Ready.from_released(released, timed_out=False) for released in arrival.released]
        self._metrics.deferrals.labels("parked").inc(len(parked))
        self._metrics.deferrals.labels("overflow").inc(len(overflow))
        self._metrics.deferrals.labels("released").inc(len(arrival.released))
        parked_marks = [(post.id, Stage.DEFERRED, origin) for post, origin in fresh if post.id in parked]
        await self._decide(ready, dead, parked_marks, digests)

    async def sweep(self) -> int:
        """Score replies whose parent did not come in time (or came while their taker was dying)."""
        released = await self._deferral.claim_expired()
        if not released:
            return 0
        ready = [Ready.from_released(r, timed_out=r.context is None) for r in released]
        self._metrics.deferrals.labels("timeout").inc(sum(1 for r in released if r.context is None))
        self._metrics.deferrals.labels("released").inc(sum(1 for r in released if r.context is not None))
        await self._sweeper.run(ready)
        return len(ready)

    async def _set_aside_reply(self, item: Ready, error: BaseException) -> None:
        """A parked reply that cannot be scored goes to the DLQ and stops waiting.

        Parking kept the post, not its original bytes, so the dead letter holds the post re-serialised.
        """
        post, origin = item.post, item.origin
        message = Incoming(self._topics.posts, origin.partition, origin.offset, post.id.encode(), post.to_bytes())
        await self._outbox.publish(self._topics.dlq, [self._dead.letter(message, failure(error))])
        await self._deferral.finish([post.id])

    async def _drop_repeats(
        self, posts: list[tuple[Post, Origin, Incoming]], dead: list[OutMessage], taken: dict[str, Mark]
    ) -> tuple[list[tuple[Post, Origin]], dict[str, str]]:
        """Skip redeliveries and byte-identical re-publications quietly; send other reuses of a
        decided (or same-batch, or being decided) id to the DLQ. Returns the fresh posts and the
        digests of their bytes; ``taken`` gets what this batch now decides.
        """
        marks = await self._ledger.lookup(list(dict.fromkeys(post.id for post, _, _ in posts)))
        fresh: list[tuple[Post, Origin]] = []
        digests: dict[str, str] = {}
        for post, origin, message in posts:
            content = digest(message.value)
            first = marks.get(post.id) or taken.get(post.id) or self._deciding.get(post.id)
            repeat = first.repeat_of(origin, content) if first is not None else None
            if repeat is Repeat.REDELIVERY:
                self._metrics.redelivered.inc()
            elif repeat is Repeat.REPUBLISHED:
                self._metrics.republished.inc()
            elif first is not None:
                where = f"posts partition {first.origin.partition} offset {first.origin.offset}"
                dead.append(self._dead.letter(message, reason(DUPLICATE_ID, f"{post.id!r} already used by {where}")))
            else:
                # Not decided yet, so no stage of its own: only where it came from and its bytes matter here.
                taken[post.id] = self._deciding[post.id] = Mark(Stage.DEFERRED, origin, content)
                digests[post.id] = content
                fresh.append((post, origin))
        return fresh, digests

    async def _decide(
        self,
        ready: Sequence[Ready],
        dead: Sequence[OutMessage] = (),
        parked_marks: Sequence[tuple[str, Stage, Origin]] = (),
        digests: Mapping[str, str] | None = None,
    ) -> None:
        served, version = await self._scorer.score([r.post.text for r in ready], [r.context for r in ready])
        self._metrics.set_model(version)
        verdicts, escalations = await self._route(ready, served, version)
        await asyncio.gather(
            self._outbox.publish(self._topics.verdicts, [(v.post_id, v.to_bytes()) for v in verdicts]),
            self._outbox.publish(self._topics.escalations, [(e.post.id, e.to_bytes()) for e in escalations]),
        )
        origins = {r.post.id: r.origin for r in ready}
        marks = [
            *parked_marks,
            *((v.post_id, Stage.STUDENT, origins[v.post_id]) for v in verdicts),
            *((e.post.id, Stage.ESCALATED, origins[e.post.id]) for e in escalations),
        ]
        # Published: now they must be marked, through a Redis outage if need be (see through_outages).
        await through_outages("ledger mark", lambda: self._ledger.mark(marks, digests))
        await self._deferral.finish([r.post.id for r in ready if r.was_parked])
        # Dead letters last: if sending them fails, the retry finds the posts above marked and
        # skips them instead of publishing their verdicts twice.
        await self._outbox.publish(self._topics.dlq, dead)
        now = utcnow()
        accepted = {v.post_id for v in verdicts}
        for item in ready:
            if item.post.id in accepted:
                self._metrics.latency.observe(latency_seconds(item.received_at, now))
        self._metrics.verdicts.labels("student").inc(len(verdicts))
        for escalation in escalations:
            if escalation.reason == "audit":
                self._metrics.audits.inc()
            else:
                self._metrics.escalations.labels(escalation.reason).inc()
        await self._remember(served, version, verdicts, escalations)

    async def _remember(
        self, served: list[Prediction], version: str, verdicts: list[Verdict], escalations: list[Escalation]
    ) -> None:
        """Feed live quality: who decided (per brand) and what the model served. Best effort: a Redis
        hiccup costs a few posts of evidence, never a verdict (they are all published by now)."""
        counts = [("teacher", brands_of(e.post.brand), 1) for e in escalations]
        counts += [("low" if "budget_exhausted" in v.flags else "accepted", brands_of(v.brand), 1) for v in verdicts]
        try:
            await self._live.store.tally(counts)
            await self._live.store.remember_probs(version, [p.probs for p in served])
        except RedisError as exc:
            log.warning("live quality evidence not written: %s", exc)

    async def _route(
        self, ready: Sequence[Ready], served: list[Prediction], version: str
    ) -> tuple[list[Verdict], list[Escalation]]:
        """Escalate the doubtful within budget, then audit a random few of the accepted with what is left."""
        plan = self._live.plan
        predictions = plan.calibration.predictions(served, version)
        uncertain = [i for i, p in enumerate(predictions) if route(p.max_prob, plan.threshold) is Route.ESCALATE]
        granted = set(uncertain[: await self._budget.take(len(uncertain))])
        exhausted = set(uncertain) - granted
        self._metrics.budget_exhausted.inc(len(exhausted))
        accepted = [i for i in range(len(ready)) if i not in granted and i not in exhausted]
        drawn = self._live.sampler.pick(accepted, [plan.audit_share_for(ready[i].post.brand) for i in accepted])
        audited = set(drawn[: await self._budget.take(len(drawn))])
        verdicts: list[Verdict] = []
        escalations: list[Escalation] = []
        for i, (item, prediction) in enumerate(zip(ready, predictions, strict=True)):
            flags = item.flags
            if i in granted:
                flags += ("escalated",)
            elif i in exhausted:
                flags += ("budget_exhausted",)
            elif i in audited:
                flags += ("audit",)
            verdict = student_verdict(
                item.post, prediction, model_version=version, received_at=item.received_at, flags=flags
            )
            if i in granted or i in audited:
                escalations.append(
                    Escalation(
                        post=item.post,
                        student=verdict,
                        reason="audit" if i in audited else item.reason,
                        served_probs=Probs.from_list(list(served[i].probs)),
                        context=item.context,
                        received_at=item.received_at,
                    )
                )
            else:
                verdicts.append(verdict)
        return verdicts, escalations


class TeacherPipeline:
    """The teacher role: escalations in; final verdicts and teacher labels out."""

    def __init__(
        self, settings: Settings, outbox: Outbox, desk: TeacherDesk, ledger: Ledger, metrics: WorkerMetrics
    ) -> None:
        self._topics = TopicNames.of(settings)
        self._outbox = outbox
        self._desk = desk
        self._ledger = ledger
        self._metrics = metrics
        self._dead = DeadLetters(metrics, settings.max_message_bytes)

    async def handle(self, batch: Sequence[Incoming]) -> None:
        """Decide every escalation of the batch at once, each published the moment it is decided.

        Publishing one by one keeps a post whose teacher answered (or whose deadline passed) from
        waiting for the slowest post of its batch; the offsets are still committed only after the
        whole batch, and the ledger mark skips what a redelivery would decide twice. Every post's
        work ends before this returns or raises, so none is left publishing behind it; when the
        role is stopping, the posts still waiting on the teacher are given up and the batch with
        them (:class:`stream.abandon.BatchAbandoned`), to be read again.
        """
        self._metrics.count_processed(len(batch))
        parsed, dead = self._dead.parse(batch, Escalation, INVALID_ESCALATION)
        escalations: dict[str, Escalation] = {}
        for escalation in parsed:
            escalations.setdefault(escalation.post.id, escalation)
        stages = await self._ledger.stages(list(escalations))
        todo = [e for post_id, e in escalations.items() if stages.get(post_id) is not Stage.TEACHER]
        self._metrics.redelivered.inc(len(batch) - len(dead) - len(todo))
        outcomes = await asyncio.gather(
            *(self._decide(e) for e in todo), self._outbox.publish(self._topics.dlq, dead), return_exceptions=True
        )
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        abandoned = [e for e in errors if isinstance(e, BatchAbandoned)]
        if abandoned:
            raise BatchAbandoned(f"{len(abandoned)} of {len(todo)} escalations given up at stop")
        if errors:
            raise errors[0]

    async def _decide(self, escalation: Escalation) -> None:
        verdict, labels = await self._desk.decide(escalation)
        await asyncio.gather(
            self._outbox.publish(self._topics.verdicts, [(verdict.post_id, verdict.to_bytes())]),
            self._outbox.publish(self._topics.teacher_labels, [(lb.post_id, lb.to_bytes()) for lb in labels]),
        )
        await through_outages("ledger mark", lambda: self._ledger.mark_stage([verdict.post_id], Stage.TEACHER))
        self._metrics.verdicts.labels(verdict.decided_by).inc()
        self._metrics.latency.observe(latency_seconds(escalation.received_at, utcnow()))


class AggregatePipeline:
    """Verdicts in; Redis aggregates updated (once per post id), alerts out."""

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        aggregator: Aggregator,
        metrics: WorkerMetrics,
        followers: Sequence[Callable[[Sequence[Alert]], None]] = (),
    ) -> None:
        """``followers`` get every newly raised alert after it is published (webhooks, summaries); they
        must return at once and do their work in the background, so that counting never waits on them."""
        self._topics = TopicNames.of(settings)
        self._outbox = outbox
        self._aggregator = aggregator
        self._dead = DeadLetters(metrics, settings.max_message_bytes)
        self._followers = list(followers)

    async def handle(self, batch: Sequence[Incoming]) -> None:
        verdicts, dead = self._dead.parse(batch, Verdict, INVALID_VERDICT)
        alerts = await self._aggregator.apply(verdicts)
        await asyncio.gather(
            self._outbox.publish(self._topics.dlq, dead),
            self._outbox.publish(self._topics.alerts, [(a.brand, a.to_bytes()) for a in alerts]),
        )
        if alerts:
            for follow in self._followers:
                follow(alerts)

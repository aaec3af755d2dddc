"""Audits through the worker and teacher pipelines: the real tiny ONNX student, real Redis, a real HTTP
teacher. The broker's part (delivery, offsets) is covered by the end-to-end tests; here the pipelines
publish into a list so each test can look at exactly what a batch produced."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest
from redis.asyncio import Redis

from models.recalibration import Recalibration
from models.registry import Registry
from models.student import RuntimeOptions
from models.teacher.types import TeacherAnswer, TeacherQuery
from sentimon.records import Escalation, Post, Probs, TeacherLabel, Verdict
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.ledger import Ledger
from stream.metrics import WorkerMetrics
from stream.pipeline import TeacherPipeline
from stream.quality import AccuracyEstimator
from stream.quality_store import QualityStore
from stream.scoring import BatchScorer, ModelHolder
from stream.steering import AuditSampler, Steering, SteeringConfig
from stream.steward import LiveRouting, QualitySteward, initial_plan
from stream.teacher_factory import build_teacher
from stream.teaching import TeacherDesk
from stream.topics import TopicNames
from tests.fixtures.teacher import ChatCompletionsServer
from tests.stream.pipeline_support import ListOutbox, incoming, post_pipeline
from tests.stream.posts import make_posts


class Worker:
    """A worker's post pipeline and steward over one Redis, as ``stream.agents.worker_role`` wires them."""

    def __init__(self, settings: Settings, aredis: Redis, seed: int = 0) -> None:
        self.settings = settings
        self.outbox = ListOutbox()
        self.scorer = BatchScorer(ModelHolder(Registry.of(settings), RuntimeOptions.of(settings)))
        steering = Steering(SteeringConfig.of(settings))
        self.store = QualityStore.of(aredis, settings)
        self.live = LiveRouting(
            initial_plan(steering.config, self.scorer.holder.version), self.store, AuditSampler(random.Random(seed))
        )
        metrics = WorkerMetrics("worker", f"test-{seed}")
        self.pipeline = post_pipeline(settings, aredis, self.outbox, self.scorer, metrics, self.live)
        estimator = AccuracyEstimator(
            settings.teacher_assumed_accuracy, settings.quality_window_seconds, settings.quality_stale_seconds
        )
        self.steward = QualitySteward(
            self.live,
            steering,
            estimator,
            metrics,
            holder=metrics.worker_id,
            refresh_seconds=settings.quality_refresh_seconds,
            window_seconds=settings.quality_window_seconds,
        )
        self.topics = TopicNames.of(settings)
        self._offset = 0

    async def score(self, posts: list[Post]) -> tuple[list[Verdict], list[Escalation]]:
        batch = incoming(self.topics.posts, [(p.id, p.to_bytes()) for p in posts], self._offset)
        self._offset += len(posts)
        for start in range(0, len(batch), self.settings.batch_size):
            await self.pipeline.handle(batch[start : start + self.settings.batch_size])
        verdicts = [Verdict.model_validate_json(v) for _, v in self.outbox.take(self.topics.verdicts)]
        escalations = [Escalation.model_validate_json(v) for _, v in self.outbox.take(self.topics.escalations)]
        return verdicts, escalations

    def close(self) -> None:
        self.scorer.executor.shutdown(wait=False, cancel_futures=True)


@pytest.fixture
def audit_settings(student_settings: Settings) -> Settings:
    return student_settings.model_copy(
        update={"teacher_budget_per_second": 1000, "teacher_budget_per_minute": 100_000, "batch_size": 64}
    )


async def test_audits_take_the_asked_share_of_accepted_posts(audit_settings: Settings, aredis: Redis) -> None:
    settings = audit_settings.model_copy(
        update={"accept_threshold": 0.0, "audit_share": 0.25, "audit_warmup_share": 0.25}
    )
    worker = Worker(settings, aredis)
    try:
        verdicts, escalations = await worker.score(make_posts(400, "share"))
    finally:
        worker.close()
    assert all(e.reason == "audit" and e.student.flags == ["audit"] for e in escalations)
    assert len(verdicts) + len(escalations) == 400
    assert 0.19 < len(escalations) / 400 < 0.31  # 100 expected; the sampler is seeded
    served = escalations[0].served_probs
    assert served is not None and served.as_list() == pytest.approx(escalations[0].student.probs.as_list())
    tallies = await worker.store.tallies()
    assert (tallies.overall.accepted, tallies.overall.teacher, tallies.overall.low) == (
        len(verdicts),
        len(escalations),
        0,
    )


async def score_auditing_everything(
    audit_settings: Settings, aredis: Redis, threshold: float, tag: str
) -> tuple[list[Verdict], list[Escalation]]:
    """120 posts in one batch with a budget of 6 calls, every accepted post drawn for audit."""
    settings = audit_settings.model_copy(
        update={
            "accept_threshold": threshold,
            "audit_share": 1.0,
            "audit_warmup_share": 1.0,
            "teacher_budget_per_second": 6,
            # The minute's budget too: escalations and audits take it in two calls, which may straddle a second.
            "teacher_budget_per_minute": 6,
            "batch_size": 200,
        }
    )
    worker = Worker(settings, aredis)
    try:
        return await worker.score(make_posts(120, tag))
    finally:
        worker.close()


async def test_audits_never_exceed_the_budget(audit_settings: Settings, aredis: Redis) -> None:
    verdicts, escalations = await score_auditing_everything(audit_settings, aredis, 0.0, "budget")
    assert [e.reason for e in escalations] == ["audit"] * 6
    assert len(verdicts) == 114 and not any("audit" in v.flags for v in verdicts)


async def test_escalations_take_the_budget_before_audits(audit_settings: Settings, aredis: Redis) -> None:
    verdicts, escalations = await score_auditing_everything(audit_settings, aredis, 0.9, "first")
    exhausted = [v for v in verdicts if "budget_exhausted" in v.flags]
    accepted = [v for v in verdicts if not v.flags]
    assert exhausted and accepted  # doubtful posts left over, and accepted posts that could have been audited
    assert [e.reason for e in escalations] == ["low_confidence"] * 6


async def test_a_new_calibration_changes_routing_without_a_new_model(audit_settings: Settings, aredis: Redis) -> None:
    settings = audit_settings.model_copy(
        update={"accept_threshold": 0.6, "audit_share": 0.0, "audit_warmup_share": 0.0}
    )
    worker = Worker(settings, aredis)
    posts = make_posts(150, "cal", gibberish_share=0.0)
    try:
        before_verdicts, before = await worker.score(posts)
        version = worker.scorer.holder.version
        # What a refit on a stream the student is overconfident on produces: a temperature of 4.
        flatter = Recalibration(
            kind="temperature", scale=(0.25, 0.25, 0.25), model_version=version, version=7, examples=300
        )
        worker.live.plan = replace(worker.live.plan, calibration=flatter)
        after_verdicts, after = await worker.score([p.model_copy(update={"id": f"again-{p.id}"}) for p in posts])
    finally:
        worker.close()
    assert len(after) > len(before)
    assert {v.model_version for v in before_verdicts + after_verdicts} == {version}
    assert worker.scorer.holder.version == version


class Teaching:
    """The teacher role's pipeline over the same Redis, fed with what the worker escalated."""

    def __init__(self, settings: Settings, aredis: Redis, desk: TeacherDesk) -> None:
        self.outbox = ListOutbox()
        keys = Keys(settings.redis_prefix)
        self.pipeline = TeacherPipeline(
            settings,
            self.outbox,
            desk,
            Ledger(aredis, keys, settings.context_ttl_seconds),
            WorkerMetrics("teacher", "t"),
        )
        self.topics = TopicNames.of(settings)

    async def answer(self, escalations: list[Escalation]) -> tuple[list[Verdict], list[TeacherLabel]]:
        await self.pipeline.handle(incoming(self.topics.escalations, [(e.post.id, e.to_bytes()) for e in escalations]))
        verdicts = [Verdict.model_validate_json(v) for _, v in self.outbox.take(self.topics.verdicts)]
        labels = [TeacherLabel.model_validate_json(v) for _, v in self.outbox.take(self.topics.teacher_labels)]
        return verdicts, labels


@pytest.fixture
def audited_settings(audit_settings: Settings, teacher_settings: Settings) -> Settings:
    """Every post accepted and audited, answered by the HTTP teacher."""
    teacher = {
        k: getattr(teacher_settings, k) for k in Settings.model_fields if k.startswith("teacher_") and "budget" not in k
    }
    return audit_settings.model_copy(
        update={**teacher, "accept_threshold": 0.0, "audit_share": 1.0, "audit_warmup_share": 1.0}
    )


async def test_an_audit_is_decided_by_the_teacher_and_kept_once(audited_settings: Settings, aredis: Redis) -> None:
    worker = Worker(audited_settings, aredis)
    teacher = await build_teacher(audited_settings)
    try:
        verdicts, escalations = await worker.score(make_posts(20, "audit"))
        teaching = Teaching(audited_settings, aredis, TeacherDesk(audited_settings, aredis, teacher))
        decided, labels = await teaching.answer(escalations)
        again, _ = await teaching.answer(escalations)  # redelivered: the posts are decided already
    finally:
        worker.close()
        await teacher.aclose()
    assert verdicts == [] and len(decided) == 20 and again == []
    assert all(v.decided_by == "teacher" and v.flags == ["audit"] for v in decided)
    assert len(labels) == 20 and all(label.audit for label in labels)
    pairs = await worker.store.pairs(since=0)
    assert sorted(p.post_id for p in pairs) == sorted(e.post.id for e in escalations)
    by_post = {e.post.id: e for e in escalations}
    for pair in pairs:
        escalation = by_post[pair.post_id]
        assert pair.kind == "audit" and pair.model_version == escalation.student.model_version
        assert escalation.served_probs is not None and pair.probs == tuple(escalation.served_probs.as_list())
    # The same answer delivered through another route (a second teacher process, say) is not a second audit.
    desk = TeacherDesk(audited_settings, aredis, await build_teacher(audited_settings))
    await desk.decide(escalations[0])
    assert len(await worker.store.pairs(since=0)) == 20


class NonsenseTeacher:
    """A backend bug that lets an answer outside the label set through."""

    name = "nonsense"

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        return TeacherAnswer(
            teacher=self.name,
            polarity="great",  # type: ignore[arg-type]
            probs=Probs(negative=0.0, neutral=0.0, positive=1.0),
            confidence=1.0,
        )

    async def aclose(self) -> None:
        """Nothing to release."""


async def test_a_teacher_answering_garbage_never_counts_as_an_audit(
    audited_settings: Settings, aredis: Redis, llm_server: ChatCompletionsServer
) -> None:
    llm_server.default = "wrong_schema"
    worker = Worker(audited_settings.model_copy(update={"teacher_max_retries": 0}), aredis)
    teacher = await build_teacher(worker.settings)
    try:
        _, escalations = await worker.score(make_posts(12, "garbage"))
        off_schema, labels = await Teaching(
            worker.settings, aredis, TeacherDesk(worker.settings, aredis, teacher)
        ).answer(escalations[:6])
        nonsense, more = await Teaching(
            worker.settings, aredis, TeacherDesk(worker.settings, aredis, NonsenseTeacher())
        ).answer(escalations[6:])
    finally:
        worker.close()
        await teacher.aclose()
    assert labels == more == []
    assert all(v.decided_by == "fallback" and "teacher_failed" in v.flags for v in off_schema + nonsense)
    assert len(off_schema + nonsense) == 12
    assert await worker.store.pairs(since=0) == []
    tallies = await worker.store.tallies()
    assert (tallies.overall.accepted, tallies.overall.teacher) == (12, 0)  # the student's verdicts stood


async def test_teacher_down_stops_audits_and_the_estimate_goes_stale_without_stalling(
    audited_settings: Settings, aredis: Redis, llm_server: ChatCompletionsServer
) -> None:
    settings = audited_settings.model_copy(
        update={
            "teacher_max_retries": 0,
            "teacher_timeout": 5.0,
            "quality_stale_seconds": 60,
            "quality_refresh_seconds": 0.01,  # the lease lasts 9 ms: each refresh below recomputes
            "warmup_audits": 10,
        }
    )
    worker = Worker(settings, aredis)
    teacher = await build_teacher(settings)
    teaching = Teaching(settings, aredis, TeacherDesk(settings, aredis, teacher))
    try:
        _, escalations = await worker.score(make_posts(30, "up"))
        await teaching.answer(escalations)
        await worker.steward.refresh(worker.scorer.holder.version)
        healthy = await worker.store.report()
        audited = len(await worker.store.pairs(since=0))

        llm_server.default = "500"
        posts = make_posts(30, "down")
        verdicts, escalations = await worker.score(posts)
        decided, _ = await teaching.answer(escalations)
        later = time.time() + 61
        await worker.steward.refresh(worker.scorer.holder.version, now=later)
        down = await worker.store.report()
    finally:
        worker.close()
        await teacher.aclose()
    assert audited >= 20  # a slow answer on a busy machine may time out and fall back
    assert healthy is not None and not healthy["stale"] and healthy["overall"]["audits"] == audited
    # Every post still has exactly one verdict: the student's, standing in for the failed audit.
    assert sorted(v.post_id for v in verdicts + decided) == sorted(p.id for p in posts)
    assert all(v.decided_by == "fallback" for v in decided)
    assert len(await worker.store.pairs(since=0)) == audited  # no audit from the failed calls
    assert down is not None and down["stale"] and down["overall"]["audits"] == audited
    assert down["overall"]["accepted"] == healthy["overall"]["accepted"]

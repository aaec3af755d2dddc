"""Scoring: verdicts built from the real tiny student, and hot swaps between batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.registry import Registry
from models.student import RuntimeOptions
from sentimon.records import Post
from sentimon.settings import Settings
from stream.scoring import BatchScorer, ModelHolder, student_verdict
from tests.fixtures.student import NEGATIVE_TEXT, POSITIVE_TEXT


async def test_a_batch_is_scored_off_the_loop_and_names_its_model(student_settings: Settings) -> None:
    scorer = BatchScorer(ModelHolder(Registry.of(student_settings), RuntimeOptions.of(student_settings)))
    try:
        predictions, version = await scorer.score([POSITIVE_TEXT, NEGATIVE_TEXT], [None, None])
    finally:
        scorer.executor.shutdown(wait=False, cancel_futures=True)
    assert version == Registry.of(student_settings).current()
    assert [p.polarity for p in predictions] == ["positive", "negative"]

    received = datetime.now(UTC) - timedelta(milliseconds=50)
    post = Post(id="p1", text=NEGATIVE_TEXT * 40, brand=["acme"], author="ann")
    verdict = student_verdict(post, predictions[1], model_version=version, received_at=received, flags=["deferred"])
    assert verdict.post_id == "p1" and verdict.brand == ["acme"] and verdict.author == "ann"
    assert verdict.decided_by == "student" and verdict.flags == ["deferred"] and verdict.model_version == version
    assert verdict.probs.as_list() == list(predictions[1].probs)
    assert verdict.score == verdict.probs.positive - verdict.probs.negative < 0
    assert verdict.uncertainty is not None and verdict.uncertainty.max_prob == predictions[1].max_prob
    assert len(verdict.text) == 1000
    assert verdict.created_at == received  # a post without created_at counts when the worker saw it
    assert verdict.latency_ms >= 50


async def test_a_promoted_version_is_swapped_in_and_a_broken_one_is_not(student_settings: Settings) -> None:
    registry = Registry.of(student_settings)
    first = registry.current()
    assert first is not None
    scorer = BatchScorer(ModelHolder(registry, RuntimeOptions.of(student_settings)))
    try:
        assert not await scorer.refresh()  # nothing new

        second = registry.register(registry.path(first), registry.manifest(first))
        registry.promote(second)
        assert await scorer.refresh()
        assert (await scorer.score(["hello"], [None]))[1] == second

        broken = registry.register(registry.path(first), registry.manifest(first))
        (registry.path(broken) / "model.onnx").write_bytes(b"not a model")
        registry.promote(broken)
        assert not await scorer.refresh()
        assert scorer.holder.version == second
        assert (await scorer.score(["hello"], [None]))[1] == second
    finally:
        scorer.executor.shutdown(wait=False, cancel_futures=True)

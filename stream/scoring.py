"""Scoring micro-batches with the student, off the event loop, with hot swaps between batches.

ONNX inference takes milliseconds to tens of milliseconds per batch; run on the event loop it
would delay heartbeats and Faust's commit timer by as much, so it runs in a one-thread executor
(ONNX Runtime releases the GIL and uses its own intra-op threads). The runtime is read once per
batch, so a swap to a newly promoted model lands between batches, and every verdict names the
version that actually scored it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from models.registry import Registry
from models.student import ModelLoadError, RuntimeOptions
from models.types import Prediction, Scorer
from sentimon.records import Flag, Post, Verdict, latency_seconds, utcnow

log = logging.getLogger(__name__)

VERDICT_TEXT_CHARS = 1000


class ModelHolder:
    """The serving student, replaced when the registry's ``current`` pointer moves."""

    def __init__(self, registry: Registry, options: RuntimeOptions) -> None:
        self._registry = registry
        self._options = options
        self._runtime: Scorer = registry.load_runtime(options)
        self._refused: str | None = None
        log.info("serving student %s", self._runtime.version)

    @property
    def runtime(self) -> Scorer:
        return self._runtime

    @property
    def version(self) -> str:
        return self._runtime.version

    async def refresh(self, executor: ThreadPoolExecutor) -> bool:
        """Load the promoted version if it changed; True when a swap happened.

        A version that cannot be loaded leaves the old one serving: a bad promotion must not take
        the stream down.
        """
        wanted = self._registry.current()
        if wanted is None or wanted in (self._runtime.version, self._refused):
            return False
        loop = asyncio.get_running_loop()
        try:
            runtime = await loop.run_in_executor(executor, self._registry.load_runtime, self._options, wanted)
        except ModelLoadError as exc:
            runtime = None
            log.error("cannot load promoted student %s: %s", wanted, exc)
        if runtime is None or runtime.version != wanted:
            # Not retried every poll: only a new promotion makes us try again.
            self._refused = wanted
            log.error("keeping student %s: promoted %s cannot serve", self._runtime.version, wanted)
            return False
        log.info("hot-swapped student %s -> %s", self._runtime.version, runtime.version)
        self._runtime = runtime
        return True


class BatchScorer:
    """Runs the student on a batch in its own thread and reports which version answered."""

    def __init__(self, holder: ModelHolder, batches_at_once: int = 1) -> None:
        """``batches_at_once``: the batches a worker keeps in flight (``pipeline_depth``). Each gets a
        thread, so that one is tokenised while another's runs hold the runtime's lanes; the lanes
        themselves are shared, so the cores are not oversubscribed."""
        self.holder = holder
        self.executor = ThreadPoolExecutor(max_workers=batches_at_once, thread_name_prefix="student")

    async def score(self, texts: Sequence[str], contexts: Sequence[str | None]) -> tuple[list[Prediction], str]:
        runtime = self.holder.runtime
        if not texts:
            return [], runtime.version
        loop = asyncio.get_running_loop()
        predictions = await loop.run_in_executor(self.executor, runtime.predict, list(texts), list(contexts))
        return predictions, runtime.version

    async def refresh(self) -> bool:
        return await self.holder.refresh(self.executor)


def student_verdict(
    post: Post,
    prediction: Prediction,
    *,
    model_version: str,
    received_at: datetime,
    flags: Sequence[Flag] = (),
) -> Verdict:
    """The student's verdict on a post; ``latency_ms`` runs from when the worker first saw it.

    Validated from plain data in one pass: building the nested records one by one first cost about
    a third more CPU per verdict (6.9 against 5.3 µs, timed alone).
    """
    negative, neutral, positive = prediction.probs
    now = utcnow()
    return Verdict.model_validate(
        {
            "post_id": post.id,
            "brand": list(post.brand),
            "created_at": post.created_at or received_at,
            "text": post.text[:VERDICT_TEXT_CHARS],
            "source": post.source,
            "author": post.author,
            "polarity": prediction.polarity,
            "probs": {"negative": negative, "neutral": neutral, "positive": positive},
            "score": max(-1.0, min(1.0, positive - negative)),
            "emotions": list(prediction.emotions),
            "aspects": [{"aspect": a, "polarity": p} for a, p in prediction.aspects],
            "uncertainty": {
                "max_prob": prediction.max_prob,
                "margin": prediction.margin,
                "entropy": prediction.entropy,
            },
            "decided_by": "student",
            "flags": list(dict.fromkeys(flags)),
            "model_version": model_version,
            "latency_ms": latency_seconds(received_at, now) * 1000,
            "decided_at": now,
        }
    )

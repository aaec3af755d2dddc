"""The quality panel: what the steward publishes in Redis, read back and drawn, and shown on the page."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
import redis
from redis.asyncio import Redis
from streamlit.testing.v1 import AppTest

from dashboard import quality
from models.recalibration import Recalibration
from sentimon.redis_layout import Keys
from stream.quality import Estimate, Quality, QualityReport
from stream.quality_store import QualityStore
from stream.steering import RoutingPlan
from stream.steward import history_point
from tests.fixtures.dashboard import APP, Apply, make_verdict
from tests.fixtures.redis import REDIS_URL


def report(at: float, value: float, *, stale: bool = False) -> QualityReport:
    estimate = Estimate(value, value - 0.05, value + 0.04, 200)
    scope = Quality(estimate, Estimate(value + 0.05, value, value + 0.08, 200), 200)
    return QualityReport(scope, {"acme": scope}, 0.9, at - 5, stale, at, 0.12)


def plan(warmup: bool = False) -> RoutingPlan:
    return RoutingPlan(
        threshold=0.72,
        audit_share=0.02,
        warmup_share=0.1,
        warmup=warmup,
        reasons=("drift",) if warmup else (),
        calibration=Recalibration(kind="prior", model_version="v2", version=3),
    )


def publish_history(keys: Keys, now: float, *, stale_last: bool = False) -> None:
    """Four refreshes a minute apart, written by the steward's own store; v2 is served from the third."""

    async def run() -> None:
        client = Redis.from_url(REDIS_URL, decode_responses=True)
        store = QualityStore(client, keys, keep_pairs=100, window_seconds=600)
        try:
            for i, version in enumerate(["v1", "v1", "v2", "v2"]):
                last = i == 3
                shown = report(now - 300 + i * 60, 0.8 + i * 0.01, stale=stale_last and last)
                await store.publish(plan(last), shown.as_dict(), history_point(shown, plan(last), version))
        finally:
            await client.aclose()

    asyncio.run(run())


def test_history_reads_back_in_order_and_marks_each_model_swap(redis_client: redis.Redis, keys: Keys) -> None:
    now = time.time()
    publish_history(keys, now)
    view = quality.read(redis_client, keys, since=now - 3600)
    recent = quality.read(redis_client, keys, since=now - 200)
    assert [p["model_version"] for p in view.points] == ["v1", "v1", "v2", "v2"]
    assert len(recent.points) == 2
    assert view.report is not None and view.report["overall"]["accepted"]["value"] == pytest.approx(0.83)
    changes = quality.version_changes(view.points)
    assert [v for _, v in changes] == ["v1", "v2"]
    assert changes[1][0] == datetime.fromtimestamp(now - 300 + 120, UTC)
    fig = quality.figure(view.points)
    names = [trace.name for trace in fig.data]
    assert names == [
        "student-accepted interval",
        "student-accepted",
        "whole cascade interval",
        "whole cascade",
        "teacher share",
    ]
    assert list(fig.data[1].y) == pytest.approx([0.8, 0.81, 0.82, 0.83])
    assert len({shape.x0 for shape in fig.layout.shapes}) == 2  # one dotted line (on both rows) per version


@pytest.mark.usefixtures("dashboard_env")
def test_the_page_shows_the_estimate_its_interval_and_why_it_is_stale(aggregate: Apply, keys: Keys) -> None:
    aggregate([make_verdict(f"q-{i}", "acme", "positive", created_at=datetime.now(UTC)) for i in range(5)])
    publish_history(keys, time.time(), stale_last=True)
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    accepted = [m.value for m in at.metric if m.label == "Accepted accuracy"]
    assert accepted == ["83.0% (78.0%–87.0%)"]
    assert any("stale" in w.value for w in at.warning)
    assert any("warming up (drift)" in i.value for i in at.info)

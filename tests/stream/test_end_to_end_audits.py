"""Audits through the whole stream: worker and teacher processes on a real Tansu, real Redis, the tiny student."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from tests.stream.e2e_support import all_verdicts, publish, wait_until, with_oracle
from tests.stream.posts import make_posts

pytestmark = pytest.mark.slow


async def test_audits_are_decided_by_the_teacher_and_measured_live(
    stream_settings: Settings, start_worker, tmp_path: Path
) -> None:
    posts = make_posts(120, "e2e-audit")
    # Every post accepted: whatever reaches the teacher is an audit.
    settings = with_oracle(
        stream_settings,
        posts,
        tmp_path,
        accept_threshold=0.0,
        audit_share=0.25,
        audit_warmup_share=0.25,
        quality_refresh_seconds=0.5,
    )
    worker = start_worker(settings)
    start_worker(settings, "teacher")
    await publish(settings, posts)

    verdicts = await all_verdicts(settings, len(posts))

    audited = [v for v in verdicts if "audit" in v.flags]
    assert len({v.post_id for v in verdicts}) == len(posts)
    assert 10 <= len(audited) <= 50  # 30 expected
    assert all(v.decided_by == "teacher" and "escalated" not in v.flags for v in audited)
    assert all(v.decided_by == "student" for v in verdicts if "audit" not in v.flags)

    keys = Keys(settings.redis_prefix)
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        assert client.zcard(keys.audits) == len(audited)

        def measured() -> bool:
            report = client.get(keys.quality_report)
            return report is not None and json.loads(report)["overall"]["audits"] == len(audited)

        await wait_until(measured, timeout=30)
        report = json.loads(client.get(keys.quality_report) or "{}")
    finally:
        client.close()
    assert not report["stale"]
    accepted = report["overall"]["accepted"]
    assert accepted["low"] <= accepted["value"] <= accepted["high"]
    stats = worker.wait_for(lambda s: s["processed"] == len(posts))
    exposition = httpx.get(f"http://127.0.0.1:{stats['metrics_port']}/metrics", timeout=5).text
    assert f"sentimon_audits_total {float(len(audited))}" in exposition
    assert 'sentimon_live_accuracy{bound="value",brand="",scope="accepted"}' in exposition

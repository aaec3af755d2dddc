"""The dashboard's logic through Streamlit's AppTest, on a real Redis filled by the stream's real aggregator.

Expected numbers are computed two independent ways: from the verdicts the test built, and from the
raw Redis hashes read here without the dashboard's reader.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from streamlit.testing.v1 import AppTest

from distill.redistill import RoundResult
from sentimon.records import Verdict
from sentimon.redis_layout import SCORE_SUM, VOLUME, Keys
from sentimon.settings import Settings
from stream.promotion import report_round
from tests.fixtures.dashboard import APP, XSS_TEXT, Apply, free_port, make_verdict

pytestmark = pytest.mark.usefixtures("dashboard_env")


def run_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30).run()


def walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, f"expected one metric {label!r}, found {values}"
    return values[0]


def table(at: AppTest, key: str) -> Any:
    """The DataFrame of the grid in the container with this key (the page names each grid)."""
    found = [node.dataframe[0].value for node in walk(at._tree) if getattr(node, "key", None) == key]
    assert len(found) == 1, f"expected one table {key!r} on the page, found {len(found)}"
    return found[0]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def traffic(now: datetime) -> tuple[list[Verdict], list[Verdict]]:
    """acme: a calm positive baseline over five minutes, then a burst of negatives now; globex: steady mix.

    Returns (acme, globex). The burst is what the aggregator's spike rule exists for: it must alert.
    """
    acme = [
        make_verdict(f"a-base-{k}-{i}", "acme", "positive", created_at=now - timedelta(minutes=k), emotions=["joy"])
        for k in range(1, 6)
        for i in range(4)
    ]
    acme += [
        make_verdict(
            f"a-burst-{i}",
            "acme",
            "negative",
            score=-0.9,
            created_at=now - timedelta(seconds=1),
            emotions=["anger"],
            aspects=[("delivery", "negative")],
            decided_by="teacher" if i % 5 == 0 else "student",
            flags=["escalated"] if i % 5 == 0 else [],
            text=f"my parcel is late again #{i}",
        )
        for i in range(25)
    ]
    polarities = ["positive", "neutral", "negative", "positive", "positive"]
    globex = [
        make_verdict(
            f"g-{i}",
            "globex",
            polarities[i % 5],
            score=[0.6, 0.05, -0.7, 0.8, 0.4][i % 5],
            created_at=now - timedelta(seconds=20 * i + 2),
            aspects=[("price", polarities[i % 5])],
            flags=["deferred"] if i % 7 == 0 else [],
        )
        for i in range(30)
    ]
    return acme, globex


def redis_totals(client: redis.Redis, keys: Keys, brand: str, window: str = "1m") -> tuple[int, float]:
    """Volume and score sum of a brand straight from the stored hashes."""
    volume, score = 0, 0.0
    for start in client.zrange(keys.agg_index(window, brand), 0, -1):
        fields = client.hgetall(keys.agg(window, brand, int(start)))
        volume += int(fields.get(VOLUME, 0))
        score += float(fields.get(SCORE_SUM, 0))
    return volume, score


def test_empty_redis_says_no_data_yet() -> None:
    at = run_app()
    assert_clean(at)
    assert any("No data yet" in i.value for i in at.info)
    assert not at.error


def test_unreachable_redis_is_a_message_not_a_stack_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens here
    monkeypatch.setenv("SENTIMON_REDIS_URL", f"redis://:s3cret@127.0.0.1:{port}/0")
    at = run_app()
    assert_clean(at)
    [error] = at.error
    assert "Redis is unreachable" in error.value
    assert f"127.0.0.1:{port}" in error.value
    assert "s3cret" not in error.value
    assert not at.metric


def test_numbers_match_what_redis_holds(aggregate: Apply, redis_client: redis.Redis, keys: Keys) -> None:
    acme, globex = traffic(datetime.now(UTC))
    alerts = aggregate(acme + globex)
    assert [(a.brand, a.kind) for a in alerts] == [("acme", "negative_share")]

    at = run_app()
    assert_clean(at)
    assert at.multiselect(key="brands").value == ["acme", "globex"]
    everything = acme + globex
    volume = {b: redis_totals(redis_client, keys, b) for b in ("acme", "globex")}
    assert volume["acme"][0] == len(acme) and volume["globex"][0] == len(globex)
    total_volume = sum(v for v, _ in volume.values())
    total_score = sum(s for _, s in volume.values())
    assert metric(at, "Posts") == f"{total_volume:,}" == f"{len(everything):,}"
    assert metric(at, "Net sentiment") == f"{total_score / total_volume:+.3f}"
    assert metric(at, "Net sentiment") == f"{sum(v.score for v in everything) / len(everything):+.3f}"
    negatives = sum(v.polarity == "negative" for v in everything)
    assert metric(at, "Negative share") == f"{negatives / len(everything):.1%}"
    assert metric(at, "Alerts") == str(redis_client.zcard(keys.alerts)) == "1"
    escalated = sum(v.decided_by == "teacher" for v in everything)
    assert metric(at, "Escalation rate") == f"{escalated / len(everything):.1%}"
    deferred = sum("deferred" in v.flags for v in everything)
    assert metric(at, "Deferral rate") == f"{deferred / len(everything):.1%}"

    brands = table(at, "table_brands").set_index("brand")
    assert brands.loc["acme", "posts"] == len(acme)
    assert brands.loc["globex", "posts"] == len(globex)
    assert brands.loc["globex", "net sentiment"] == round(sum(v.score for v in globex) / len(globex), 3)

    assert len(at.get("plotly_chart")) == 5
    alert_posts = table(at, "table_alert_posts")
    assert set(alert_posts["post_id"]) == {f"a-burst-{i}" for i in range(25)}
    assert (alert_posts["polarity"] == "negative").all()
    assert len(table(at, "table_posts")) == len(everything)


def test_pickers_and_filters_narrow_the_view(aggregate: Apply) -> None:
    acme, globex = traffic(datetime.now(UTC))
    aggregate(acme + globex)
    at = run_app()

    at.multiselect(key="f_polarity").set_value(["negative"]).run()
    assert_clean(at)
    posts = table(at, "table_posts")
    assert set(posts["polarity"]) == {"negative"}
    assert len(posts) == sum(v.polarity == "negative" for v in acme + globex)

    at.multiselect(key="f_decided").set_value(["teacher"]).run()
    assert set(table(at, "table_posts")["post_id"]) == {f"a-burst-{i}" for i in range(0, 25, 5)}
    at.multiselect(key="f_decided").set_value([])
    at.multiselect(key="f_polarity").set_value([])
    at.multiselect(key="f_aspect").set_value(["price"]).run()
    assert len(table(at, "table_posts")) == len(globex)

    at.multiselect(key="brands").set_value(["globex"]).run()
    assert_clean(at)
    assert metric(at, "Posts") == f"{len(globex):,}"
    assert metric(at, "Alerts") == "0"

    at.radio[0].set_value("Last 24 h").run()
    assert_clean(at)
    assert any("in 1h windows" in c.value for c in at.caption)
    assert metric(at, "Posts") == f"{len(globex):,}"


def test_quiet_range_points_to_the_newest_data(aggregate: Apply) -> None:
    aggregate([make_verdict("old", "acme", "negative", created_at=datetime.now(UTC) - timedelta(hours=3))])
    at = run_app()
    assert_clean(at)
    assert any("No posts for these brands in this time range" in i.value for i in at.info)
    at.radio[0].set_value("Last 6 h").run()
    assert metric(at, "Posts") == "1"


def test_system_panel_reads_the_documented_stats(
    aggregate: Apply, redis_client: redis.Redis, keys: Keys, settings: Settings
) -> None:
    """Workers, teachers and the registry write these hashes as ``redis_layout`` documents them."""
    aggregate([make_verdict("p1", "acme", "positive")])
    now = time.time()
    redis_client.hset(
        keys.stats_workers,
        mapping={
            "w1": json.dumps(
                {"role": "worker", "processed": 500, "posts_per_sec": 40.5, "lag": 7, "backlog": 8100, "at": now}
            ),
            "w2": json.dumps(
                {"role": "worker", "processed": 90, "posts_per_sec": 9.0, "lag": 3, "backlog": 50, "at": now - 600}
            ),
            "t1": json.dumps(
                {"role": "teacher", "processed": 40, "posts_per_sec": 2.0, "lag": 2, "backlog": 60, "at": now}
            ),
        },
    )
    redis_client.sadd(keys.teacher_backends, "openai", "encoder")
    redis_client.hset(
        keys.stats_teacher("openai"),
        mapping={"calls": 30, "errors": 1, "tokens": 9000, "seconds": 12, "cost": 0.25, "agree": 20, "compared": 25},
    )
    redis_client.hset(keys.stats_teacher("encoder"), mapping={"calls": 10, "agree": 4, "compared": 5})
    manifests = {
        "v1": {
            "version": "v1",
            "parent_version": None,
            "metrics": {"macro_f1": 0.7},
            "created_at": "2026-01-01T00:00:00Z",
        },
        "v2": {
            "version": "v2",
            "parent_version": "v1",
            "metrics": {"macro_f1": 0.75, "ece": 0.03},
            "created_at": "2026-01-02T00:00:00Z",
            "temperature": 1.4,
        },
    }
    redis_client.hset(keys.models, mapping={v: json.dumps(m) for v, m in manifests.items()})
    redis_client.set(keys.model_current, "v2")

    at = run_app()
    assert_clean(at)
    assert metric(at, "Throughput (posts/s)") == "40.5"  # the stale worker and the teacher are left out
    # The backlog is the scoring workers' (posts waiting), not the in-flight lag; 8,100 at 40.5/s is 200 s.
    assert metric(at, "Backlog (posts)") == "8,100"
    assert metric(at, "Backlog clears in") == "3.3 min"
    assert metric(at, "Workers live") == "2 of 3"
    assert metric(at, "Teacher calls") == "40"
    assert metric(at, "Teacher cost") == "0.2500"
    assert metric(at, "Teacher–student agreement") == f"{24 / 30:.1%}"
    assert metric(at, "Current model") == "v2"
    models = table(at, "table_models").set_index("version")
    assert bool(models.loc["v2", "current"]) and not bool(models.loc["v1", "current"])
    assert models.loc["v2", "macro_f1"] == 0.75 and models.loc["v2", "temperature"] == 1.4
    assert models.loc["v2", "parent"] == "v1"


def test_rounds_are_listed_newest_first_with_their_outcome_and_reason(
    aggregate: Apply, keys: Keys, settings: Settings
) -> None:
    """Written by the trainer's own reporter, so the page and the writer agree on the record."""
    aggregate([make_verdict("p1", "acme", "positive")])
    refusal = "regressed beyond tolerance: gold_accuracy 0.9100 -> 0.8700 (drop 0.0400 > 0.0100)"
    results = [
        RoundResult("promoted", "no metric dropped more than 0.0100", "v1", "v2", "v2", 120, 240, round_id=1),
        RoundResult("refused", refusal, "v2", "v2", "v3", 110, 220, round_id=2),
    ]

    async def report() -> None:
        client = aioredis.Redis.from_url(settings.redis_url)
        try:
            for result in results:
                await report_round(client, keys, result)
        finally:
            await client.aclose()

    asyncio.run(report())
    at = run_app()
    assert_clean(at)
    rounds = table(at, "table_rounds")
    assert list(rounds["round"]) == [2, 1] and list(rounds["outcome"]) == ["refused", "promoted"]
    assert list(rounds["reason"]) == [refusal, "no metric dropped more than 0.0100"]
    assert list(rounds["candidate"]) == ["v3", "v2"]
    assert list(rounds["new labels"]) == [110, 120]


def test_current_model_falls_back_to_what_workers_run(aggregate: Apply, redis_client: redis.Redis, keys: Keys) -> None:
    aggregate([make_verdict("p1", "acme", "positive")])
    line = {"role": "worker", "processed": 1, "posts_per_sec": 0, "lag": 0, "model_version": "v7"}
    redis_client.hset(keys.stats_workers, "w1", json.dumps({**line, "at": datetime.now(UTC).isoformat()}))
    at = run_app()
    assert metric(at, "Current model") == "v7"
    assert any("No student registered yet" in c.value for c in at.caption)


def test_password_gate(monkeypatch: pytest.MonkeyPatch, aggregate: Apply) -> None:
    aggregate([make_verdict("p1", "acme", "positive")])
    monkeypatch.setenv("SENTIMON_DASHBOARD_PASSWORD", "hunter2")
    at = run_app()
    assert_clean(at)
    assert not at.metric and not at.dataframe
    at.text_input[0].input("wrong")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    assert not at.metric
    at.text_input[0].input("hunter2")
    at.button[0].click().run()
    assert_clean(at)
    assert metric(at, "Posts") == "1"
    at.run()  # the session stays signed in
    assert metric(at, "Posts") == "1"
    monkeypatch.setenv("SENTIMON_DASHBOARD_PASSWORD", "changed")
    assert not at.run().metric  # a new password signs the session out


def test_hostile_post_text_is_shown_as_text(aggregate: Apply) -> None:
    brand = "<b>evil</b>"
    aggregate([make_verdict("x1", brand, "negative", text=XSS_TEXT)])
    at = run_app()
    assert_clean(at)
    assert table(at, "table_posts")["text"].tolist() == [XSS_TEXT]
    for node in walk(at._tree):
        assert not getattr(node, "allow_html", False), f"{type(node).__name__} allows raw HTML"
        body = getattr(node, "value", None)
        if type(node).__name__ in {"Markdown", "Caption", "Title", "Header", "Subheader", "Info", "Error"}:
            assert "<script" not in str(body) and brand not in str(body)


def test_unreadable_entries_are_counted_not_fatal(aggregate: Apply, redis_client: redis.Redis, keys: Keys) -> None:
    aggregate([make_verdict("p1", "acme", "positive")])
    redis_client.lpush(keys.recent("acme"), "{not json")
    redis_client.zadd(keys.alerts, {'{"brand": "acme"}': time.time()})
    at = run_app()
    assert_clean(at)
    assert any("2 entries in Redis could not be read" in w.value for w in at.warning)
    assert metric(at, "Posts") == "1"

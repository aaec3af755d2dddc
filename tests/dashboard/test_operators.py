"""What an operator does with the dashboard beyond watching: past ranges, comparisons, alert handling.

AppTest on a real Redis filled by the stream's real aggregator, as in test_app.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
import redis
from streamlit.testing.v1 import AppTest

from dashboard.model import AROUND_NEWEST, CUSTOM
from sentimon.redis_layout import Keys
from tests.dashboard.test_app import assert_clean, metric, run_app, table, traffic
from tests.fixtures.dashboard import Apply, make_verdict

pytestmark = pytest.mark.usefixtures("dashboard_env")


def past_week(at_day: datetime) -> list:
    """A calm brand ten days ago: 12 posts over two hours."""
    return [
        make_verdict(
            f"old-{i}", "acme", "negative" if i % 3 == 0 else "positive", created_at=at_day + i * timedelta(minutes=10)
        )
        for i in range(12)
    ]


def pick_custom(at: AppTest, start: date, end: date) -> AppTest:
    at.radio[0].set_value(CUSTOM).run()
    at.date_input(key="from_day").set_value(start)
    at.time_input(key="from_time").set_value(time(0, 0))
    at.date_input(key="to_day").set_value(end)
    return at.time_input(key="to_time").set_value(time(23, 59)).run()


def test_a_past_range_shows_replayed_data(aggregate: Apply) -> None:
    ten_days_ago = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=10)
    posts = past_week(ten_days_ago)
    aggregate(posts)
    at = run_app()
    assert any("No posts for these brands in this time range" in i.value for i in at.info)

    at = pick_custom(at, ten_days_ago.date(), ten_days_ago.date())
    assert_clean(at)
    assert metric(at, "Posts") == "12"
    assert len(table(at, "table_posts")) == 12
    assert any(f"{ten_days_ago:%Y-%m-%d} 00:00 –" in c.value for c in at.caption)

    at.radio[0].set_value(AROUND_NEWEST).run()
    assert_clean(at)
    assert metric(at, "Posts") == "12"

    at = pick_custom(at, ten_days_ago.date() + timedelta(days=1), ten_days_ago.date() + timedelta(days=2))
    assert any("No posts for these brands in this time range" in i.value for i in at.info)


def test_share_of_voice_and_period_over_period(aggregate: Apply) -> None:
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    before = day - timedelta(days=1)
    verdicts = [
        make_verdict(f"a-now-{i}", "acme", "negative" if i < 3 else "positive", created_at=day + timedelta(hours=i))
        for i in range(6)
    ]
    verdicts += [
        make_verdict(f"g-now-{i}", "globex", "positive", created_at=day + timedelta(hours=i)) for i in range(2)
    ]
    verdicts += [
        make_verdict(f"a-before-{i}", "acme", "positive", created_at=before + timedelta(hours=i)) for i in range(2)
    ]
    verdicts += [
        make_verdict(f"g-before-{i}", "globex", "negative", created_at=before + timedelta(hours=i)) for i in range(6)
    ]
    aggregate(verdicts)
    at = pick_custom(run_app(), day.date(), day.date())
    assert_clean(at)
    periods = table(at, "table_periods").set_index("brand")
    assert periods.loc["acme", "posts"] == 6 and periods.loc["acme", "posts before"] == 2
    assert periods.loc["acme", "% share of voice"] == 75.0
    assert periods.loc["acme", "share of voice change (pts)"] == 50.0  # 2 of 8 before
    assert periods.loc["globex", "share of voice change (pts)"] == -50.0
    assert periods.loc["acme", "% negative"] == 50.0 and periods.loc["acme", "% negative before"] == 0.0
    assert periods.loc["acme", "negative change (pts)"] == 50.0
    assert periods.loc["acme", "net sentiment change"] == round((3 * -0.8 + 3 * 0.7) / 6 - 0.7, 3)


def test_alert_explanation_status_ack_and_mute(aggregate: Apply, redis_client: redis.Redis, keys: Keys) -> None:
    acme, globex = traffic(datetime.now(UTC))
    [alert] = aggregate(acme + globex)
    redis_client.hset(keys.alert_summaries, alert.ident, "People say parcels are late. <b>not html</b>")
    at = run_app()
    assert_clean(at)
    alerts = table(at, "table_alerts")
    assert alerts["status"].tolist() == ["open"]
    assert alerts["why"].iloc[0].startswith("delivery (negative)")
    why = table(at, "table_alert_why")
    assert why.iloc[0]["item"] == "delivery (negative)"
    assert "anger" in set(why[why["what"] == "emotion"]["item"])
    assert 3 <= len(table(at, "table_alert_typical")) <= 5
    assert metric(at, "Teacher-decided") == f"{5 / 25:.1%}"
    assert any("<b>not html</b>" in t.value for t in at.text)  # the LLM's words, shown as plain text

    at.button(key="ack").click().run()
    assert any("say who you are" in e.value for e in at.error)
    assert not redis_client.hexists(keys.alert_acks, alert.ident)
    at.text_input(key="operator").input("  Dana   Ops ")
    at.button(key="ack").click().run()
    assert_clean(at)
    ack = json.loads(redis_client.hget(keys.alert_acks, alert.ident))
    assert ack["by"] == "Dana Ops"
    assert table(at, "table_alerts")["status"].tolist() == ["open, acknowledged"]
    assert table(at, "table_alerts")["acknowledged by"].tolist() == ["Dana Ops"]

    at.selectbox(key="mute_for").set_value("4 hours")
    at.button(key="mute").click().run()
    assert 4 * 3600 - 60 < redis_client.ttl(keys.mute("acme")) <= 4 * 3600
    assert table(at, "table_mutes")["muted brand"].tolist() == ["acme"]
    at.button(key="unmute").click().run()
    assert not redis_client.exists(keys.mute("acme"))

    redis_client.hset(keys.alerts_resolved, alert.ident, datetime.now(UTC).isoformat())
    at.run()
    assert table(at, "table_alerts")["status"].tolist() == ["resolved, acknowledged"]


def test_no_download_is_served_behind_a_password(monkeypatch: pytest.MonkeyPatch, aggregate: Apply) -> None:
    """Streamlit serves download_button data from /media/<hash> to anyone: with a password, none is made."""
    aggregate([make_verdict("p1", "acme", "negative", text="secret complaint")])
    open_page = run_app()
    assert len(open_page.get("download_button")) == 2
    monkeypatch.setenv("SENTIMON_DASHBOARD_PASSWORD", "hunter2")
    at = run_app()
    at.text_input[0].input("hunter2")
    at.button[0].click().run()
    assert_clean(at)
    assert metric(at, "Posts") == "1"
    assert at.get("download_button") == []
    assert any("CSV downloads are off" in c.value for c in at.caption)

"""A replay of old posts, through the real pipeline, seen in a real browser by picking a past range.

Posts written ten days ago are published with their own ``created_at`` (as ``sentimon publish`` of an
export does) to the embedded broker; a worker subprocess scores and counts them into Redis. The page
first shows nothing for the default "last hour", then the replayed posts under "Around the newest
data", and nothing again for ranges that miss them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import redis

from sentimon.records import Post
from sentimon.redis_layout import NO_BRAND, Keys
from sentimon.settings import Settings
from tests.dashboard.test_browser import TIMEOUT_MS, brand_volumes, overview, publish, wait_until
from tests.fixtures.broker import WorkerProcess
from tests.stream.posts import make_posts

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POSTS = 120


def test_a_replayed_past_shows_under_a_past_range(
    browser_page: Page,
    dashboard_url: str,
    stream_settings: Settings,
    start_worker: Callable[..., WorkerProcess],
    redis_client: redis.Redis,
    keys: Keys,
) -> None:
    settings = stream_settings.model_copy(update={"teacher_budget_per_second": 0, "teacher_budget_per_minute": 0})
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    posts = [
        Post.model_validate({**p.model_dump(), "created_at": ten_days_ago + i * timedelta(seconds=50)})
        for i, p in enumerate(make_posts(POSTS, tag="past"))
    ]
    worker = start_worker(settings)
    worker.wait_assigned()
    publish(settings, posts)
    expected = Counter(brand for post in posts for brand in (post.brand or [NO_BRAND]))
    wait_until(lambda: brand_volumes(redis_client, keys) == expected, 120, f"Redis to count {expected}")
    total = f"{sum(expected.values()):,}"
    worker.stop()  # everything is counted; the page alone is under test from here

    # Plotly keeps a busy machine's browser occupied for seconds: every action gets the long timeout.
    browser_page.set_default_timeout(TIMEOUT_MS)
    browser_page.goto(dashboard_url)
    browser_page.get_by_text("No posts for these brands in this time range").wait_for(timeout=TIMEOUT_MS)
    sidebar = browser_page.locator("[data-testid=stSidebar]")

    sidebar.get_by_text("Around the newest data").click()
    browser_page.locator(".st-key-overview [data-testid=stMetricValue]", has_text=total).wait_for(timeout=TIMEOUT_MS)
    assert overview(browser_page)["Posts"] == total

    sidebar.get_by_text("Last 1 h").click()
    browser_page.get_by_text("No posts for these brands in this time range").wait_for(timeout=TIMEOUT_MS)

    # The custom range opens on the last seven days, which the ten-day-old replay is outside of. (Typing dates
    # into the native date inputs is covered by tests/dashboard/test_operators.py through AppTest.)
    sidebar.get_by_text("Custom from–to").click()
    week_ago = datetime.now(UTC).date() - timedelta(days=7)
    browser_page.get_by_text(f"Custom from–to in 1h windows, {week_ago:%Y-%m-%d} 00:00 –").wait_for()
    browser_page.get_by_text("No posts for these brands in this time range").wait_for()

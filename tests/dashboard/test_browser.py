"""The served dashboard in a real headless Chromium, fed by the real pipeline.

Posts go through the embedded broker to a worker subprocess that scores them with the tiny ONNX
student and aggregates the verdicts into Redis. The page is opened *before* any post is sent, so the
charts appearing at all proves the live refresh; the numbers on the page are then checked against
what Redis holds.

The demo test runs `sentimon up` itself, on a faster replay with a shorter re-distillation cadence,
and watches the loop arrive on the page: escalations, the demo oracle's answers, a round with its
outcome and reason, and the model version that serves after it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import redis

from models.registry import Registry
from sentimon.records import Post, RoundRecord
from sentimon.redis_layout import NO_BRAND, VOLUME, Keys
from sentimon.settings import Settings
from stream.broker import free_port
from stream.demo import DEMO_ORACLE_NAME
from stream.producer import Publisher
from stream.worker import settings_env
from tests.distill.redistill_support import round_settings
from tests.fixtures.broker import WorkerProcess
from tests.fixtures.dashboard import ARTIFACTS, XSS_TEXT
from tests.stream.posts import make_posts

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POSTS = 300
TIMEOUT_MS = 90_000
# The demo test's bounds are generous: on a busy 2-core machine `sentimon up` takes minutes to start.
DEMO_SPEED = 4
DEMO_TIMEOUT_MS = 600_000


def publish(settings: Settings, posts: list[Post]) -> None:
    """Through the real producer, on a thread of its own: Playwright's sync API holds this thread's loop."""

    async def send() -> None:
        async with Publisher(settings.broker_url, settings.topic_posts) as publisher:
            for post in posts:
                await publisher.post(post)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, send()).result()


def brand_volumes(client: redis.Redis, keys: Keys, window: str = "1h") -> dict[str, int]:
    """Every brand's volume summed over its windows, straight from the stored hashes."""
    volumes = {}
    for brand in client.smembers(keys.brands):
        starts = client.zrange(keys.agg_index(window, brand), 0, -1)
        volumes[brand] = sum(int(client.hget(keys.agg(window, brand, int(s)), VOLUME) or 0) for s in starts)
    return volumes


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def metrics(page: Page, section: str) -> dict[str, str]:
    """Label -> shown value of every metric in the section's container."""
    box = page.locator(f".st-key-{section}")
    labels = box.locator("[data-testid=stMetricLabel]").all_inner_texts()
    values = box.locator("[data-testid=stMetricValue]").all_inner_texts()
    return dict(zip((label.strip() for label in labels), values, strict=True))


def overview(page: Page) -> dict[str, str]:
    return metrics(page, "overview")


def test_dashboard_renders_the_pipeline_output(
    browser_page: Page,
    dashboard_url: str,
    stream_settings: Settings,
    start_worker: Callable[..., WorkerProcess],
    redis_client: redis.Redis,
    keys: Keys,
) -> None:
    # No teacher process here: a spent budget keeps every verdict with the student (flagged).
    settings = stream_settings.model_copy(update={"teacher_budget_per_second": 0, "teacher_budget_per_minute": 0})
    dialogs: list[str] = []
    browser_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_page.goto(dashboard_url)
    browser_page.get_by_text("No data yet").wait_for(timeout=TIMEOUT_MS)

    posts = make_posts(POSTS, tag="dash")
    hostile = Post(
        id="dash-hostile",
        text=XSS_TEXT,
        brand=["acme"],
        source="test",
        created_at=datetime.now(UTC) + timedelta(seconds=1),  # newest, so it heads the posts table
    )
    worker = start_worker(settings)
    worker.wait_assigned()
    publish(settings, [*posts, hostile])

    expected = Counter(brand for post in [*posts, hostile] for brand in (post.brand or [NO_BRAND]))
    wait_until(lambda: brand_volumes(redis_client, keys) == expected, 120, f"Redis to count {expected}")

    # The page was left alone since before the first post: only the live refresh can bring the charts.
    browser_page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=TIMEOUT_MS)
    total = sum(expected.values())
    browser_page.locator(".st-key-overview [data-testid=stMetricValue]", has_text=f"{total:,}").wait_for(
        timeout=TIMEOUT_MS
    )
    # Five sections always chart; the quality panel adds its chart once the stream has audits.
    assert browser_page.locator(".js-plotly-plot").count() in (5, 6)
    for chart in browser_page.locator(".js-plotly-plot").all():
        assert chart.locator(".main-svg").count() >= 1
    # The trend chart draws one volume and one sentiment line per brand.
    assert browser_page.locator(".js-plotly-plot").first.locator(".scatterlayer .trace").count() >= 2 * len(expected)

    numbers = overview(browser_page)
    volumes = brand_volumes(redis_client, keys)
    assert numbers["Posts"] == f"{sum(volumes.values()):,}"
    negatives = sum(
        int(redis_client.hget(keys.agg("1m", brand, int(start)), "pol:negative") or 0)
        for brand in volumes
        for start in redis_client.zrange(keys.agg_index("1m", brand), 0, -1)
    )
    assert numbers["Negative share"] == f"{negatives / sum(volumes.values()):.1%}"

    system = browser_page.locator(".st-key-system")
    assert "1 of 1" in system.inner_text()  # the worker reports itself live

    # The grid paints on a canvas; its accessibility table holds the cell text, as text.
    hostile_cell = browser_page.locator(".st-key-table_posts [role=gridcell]", has_text="<script>")
    hostile_cell.first.wait_for(state="attached", timeout=TIMEOUT_MS)
    assert hostile_cell.first.text_content() == XSS_TEXT
    assert browser_page.locator('img[src="x"]').count() == 0
    assert browser_page.locator("script", has_text="alert(1)").count() == 0

    ARTIFACTS.mkdir(exist_ok=True)
    # A viewport as tall as the page, so the picture holds every section (Streamlit scrolls inside the page).
    height = browser_page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    browser_page.set_viewport_size({"width": 1600, "height": int(height) + 80})
    browser_page.locator(".js-plotly-plot").nth(4).locator(".main-svg").first.wait_for(timeout=TIMEOUT_MS)
    time.sleep(1.0)  # let Plotly finish resizing to the new viewport before the picture
    browser_page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
    assert dialogs == [], f"a post ran script in the page: {dialogs}"
    worker.stop()


@pytest.fixture
def demo_stack(student_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, subprocess.Popen[bytes]]]:
    """`sentimon up` with the tiny student: a round after 40 teacher labels instead of the demo's 100."""
    settings = round_settings(student_settings, tmp_path).model_copy(
        update={
            "dashboard_port": free_port(),
            "metrics_port": -1,
            "retrain_min_labels": 40,
            "retrain_interval_minutes": 2.0,
            "train_epochs": 3,
        }
    )
    env = {**os.environ, **settings_env(settings), "SENTIMON_DATA_DIR": str(settings.data_dir)}
    log = (tmp_path / "up.log").open("wb")
    up = subprocess.Popen(
        [sys.executable, "-m", "cli", "up", "--demo-speed", str(DEMO_SPEED)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield settings, up
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(60)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()
        log.close()


@pytest.mark.timeout(DEMO_TIMEOUT_MS / 1000 * 2)
def test_the_demo_shows_the_loop(
    browser_page: Page, demo_stack: tuple[Settings, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    settings, up = demo_stack
    url = f"http://127.0.0.1:{settings.dashboard_port}"
    started_with = Registry.of(settings).current()

    def healthy() -> bool:
        if up.poll() is not None:
            raise AssertionError(f"sentimon up exited ({up.returncode}):\n{(tmp_path / 'up.log').read_text()[-3000:]}")
        try:
            return httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, DEMO_TIMEOUT_MS / 1000, "the dashboard of sentimon up")
    browser_page.goto(url)
    # The demo oracle's answers, in the teachers table under the name that says what it is.
    teacher = browser_page.locator(".st-key-table_teachers [role=gridcell]", has_text=DEMO_ORACLE_NAME)
    teacher.first.wait_for(state="attached", timeout=DEMO_TIMEOUT_MS)
    # A round, promoted or refused, listed with its reason as the trainer recorded it.
    browser_page.locator(".st-key-table_rounds [role=gridcell]").first.wait_for(
        state="attached", timeout=DEMO_TIMEOUT_MS
    )
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    keys = Keys(settings.redis_prefix)

    def rounds() -> list[RoundRecord]:
        return [RoundRecord.model_validate_json(raw) for raw in client.lrange(keys.rounds, 0, -1)]

    try:
        first = rounds()[-1]
        assert first.outcome in ("promoted", "refused") and first.reason, first
        for text in (first.outcome, first.reason):
            cell = browser_page.locator(".st-key-table_rounds [role=gridcell]", has_text=text)
            cell.first.wait_for(state="attached", timeout=TIMEOUT_MS)
        numbers = metrics(browser_page, "system")
        assert numbers["Escalation rate"] not in ("—", "0.0%"), numbers
        assert int(numbers["Teacher calls"].replace(",", "")) > 0, numbers
        # The version shown is one that served, and a promotion shows as a changed version.
        wait_until(
            lambda: (
                metrics(browser_page, "system")["Current model"]
                in {started_with, *(r.current_version for r in rounds())}
            ),
            TIMEOUT_MS / 1000,
            "the serving model version on the page",
        )
        if any(r.outcome == "promoted" for r in rounds()):
            wait_until(
                lambda: metrics(browser_page, "system")["Current model"] != started_with,
                TIMEOUT_MS / 1000,
                "the promoted version on the page",
            )
    finally:
        client.close()

    ARTIFACTS.mkdir(exist_ok=True)
    height = browser_page.evaluate("document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight")
    browser_page.set_viewport_size({"width": 1600, "height": int(height) + 80})
    time.sleep(1.0)  # let Plotly finish resizing to the new viewport before the picture
    browser_page.screenshot(path=str(ARTIFACTS / "dashboard-demo.png"), timeout=TIMEOUT_MS)

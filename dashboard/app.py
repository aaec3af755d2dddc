"""The Streamlit script (``sentimon dashboard`` serves it): sidebar once per interaction, data live.

Only the live fragment re-runs on the timer, so the sidebar and the page
around it stay put while the numbers and charts update in place. Redis being
down is an expected state, shown as a message and retried on the next tick.
"""

from __future__ import annotations

from datetime import UTC, datetime

import redis
import streamlit as st

from dashboard import gate, quality, views
from dashboard.actions import Actions
from dashboard.model import AROUND_NEWEST, Counts, choose_window
from dashboard.reader import Reader, client_for, redacted
from sentimon.redis_layout import Keys, longest_retention, window_seconds
from sentimon.settings import Settings

KNOWN_BRANDS = "known_brands"


def known_brands(reader: Reader) -> list[str]:
    """Brands for the picker; when Redis is down the last list seen stands and the fragment says why."""
    try:
        st.session_state[KNOWN_BRANDS] = reader.brands()
    except redis.RedisError:
        st.session_state.setdefault(KNOWN_BRANDS, [])
    return st.session_state[KNOWN_BRANDS]


def live(settings: Settings, controls: views.Controls) -> None:
    client = client_for(settings.redis_url)
    reader = Reader(client, settings)
    keys = Keys(settings.redis_prefix)
    actions = Actions(client, keys, longest_retention(settings.windows, settings.retention_windows))
    coarsest = max(settings.windows, key=window_seconds)
    now = datetime.now(UTC)
    try:
        brands = reader.brands()
        if brands != st.session_state.get(KNOWN_BRANDS):
            st.rerun()  # new brands appeared: the whole page re-runs so the picker offers them
        if not brands:
            st.info(
                "No data yet: no verdict has been aggregated in Redis. Start a worker"
                " (`sentimon worker`) and publish posts; this page updates by itself."
            )
            views.system(reader.system(), Counts(), now)
            return
        if not controls.brands:
            st.info("Pick one or more brands in the sidebar.")
            return
        newest = reader.latest(controls.brands, coarsest, end=True) if controls.range_label == AROUND_NEWEST else None
        period = controls.period(now, newest)
        if period.since >= period.until:
            st.error("The range must start before it ends.")
            return
        window = choose_window(period.span_seconds, settings.windows, settings.retention_windows)
        snapshot = reader.snapshot(controls.brands, period, window, now)
        latest = reader.latest(controls.brands, coarsest) if snapshot.total.volume == 0 else None
        # Quality estimates are stamped when they were computed (wall clock), not in event time.
        measured = quality.read(
            client_for(settings.redis_url), Keys(settings.redis_prefix), now.timestamp() - period.span_seconds
        )
    except redis.RedisError as exc:
        st.error(
            f"Redis is unreachable at {redacted(settings.redis_url)} ({type(exc).__name__}: {exc})."
            f" Retrying every {settings.dashboard_refresh_seconds:g} s."
        )
        return
    views.header(snapshot, controls)
    if snapshot.total.volume == 0:
        where = f" The newest data is from {latest:%Y-%m-%d %H:%M} UTC." if latest else ""
        st.info(
            f"No posts for these brands in this time range.{where} Pick a longer range,"
            f" “{AROUND_NEWEST}” or a custom from–to."
        )
    else:
        views.overview(snapshot)
        views.trends(snapshot, settings)
        views.comparison(snapshot)
        views.alerts(snapshot, actions)
        views.posts(snapshot, settings)
    views.system(snapshot.system, snapshot.total, now)
    quality.panel(measured, controls.brands)


def main() -> None:
    settings = Settings()
    st.set_page_config(page_title="sentimon", page_icon="📈", layout="wide")
    st.title("sentimon · brand sentiment")
    if not gate.admitted(settings):
        st.stop()
    controls = views.sidebar(settings, known_brands(Reader(client_for(settings.redis_url), settings)))
    every = settings.dashboard_refresh_seconds if controls.live else None
    st.fragment(run_every=every)(live)(settings, controls)


main()

"""The page's sections, each drawing one part of a snapshot.

Rules that keep the page safe with hostile posts: post text and brand names go
only into data grids, chart traces (escaped in ``charts``) and widget options,
which all render text as text — never into Markdown, and nothing here allows raw HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, tables
from dashboard.actions import MUTE_CHOICES, Actions
from dashboard.model import (
    AROUND_NEWEST,
    AROUND_NEWEST_SECONDS,
    CUSTOM,
    DECIDERS,
    DEFAULT_RANGE,
    EMOTIONS,
    RANGE_CHOICES,
    TIME_RANGES,
    AlertView,
    Counts,
    Period,
    PostFilter,
    Snapshot,
    System,
    period_changes,
)
from sentimon.labels import POLARITIES
from sentimon.settings import Settings

# A worker that has not reported for this long is shown as stale and left out of throughput and lag.
WORKER_LIVE_SECONDS = 30.0
ALERTS_LISTED = 50
# Brands picked the first time any exist: enough for the demo's six (its drift brand sorts last).
DEFAULT_BRANDS = 6
_COLUMNS = {
    "time": st.column_config.DatetimeColumn("time (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "window start": st.column_config.DatetimeColumn("window start (UTC)", format="YYYY-MM-DD HH:mm"),
    "last report": st.column_config.DatetimeColumn("last report (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "text": st.column_config.TextColumn("text", width="large"),
}


@dataclass(frozen=True)
class Controls:
    brands: list[str]
    range_label: str
    live: bool
    custom: Period | None = None
    """The from–to picked when ``range_label`` is the custom range."""

    def period(self, now: datetime, newest: datetime | None) -> Period:
        """The range in view: a preset ending now, the day up to the newest data, or the custom from–to."""
        if self.range_label in TIME_RANGES:
            return Period(now - timedelta(seconds=TIME_RANGES[self.range_label]), now)
        if self.range_label == AROUND_NEWEST:
            end = newest or now
            return Period(end - timedelta(seconds=AROUND_NEWEST_SECONDS), end)
        if self.custom is None:
            raise ValueError("a custom range needs its from and to")
        return self.custom


def count(n: int) -> str:
    return f"{n:,}"


def net(x: float | None) -> str:
    return "—" if x is None else f"{x:+.3f}"


def share(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def grid(table: pd.DataFrame, key: str) -> None:
    """A read-only data grid in a container named ``key`` (a stable handle for tests and page styling)."""
    with st.container(key=key):
        st.dataframe(table, hide_index=True, column_config=_COLUMNS)


def sidebar(settings: Settings, known_brands: list[str]) -> Controls:
    """Brand and range pickers; the first time brands exist, a few are picked so the page is never blank."""
    state = st.session_state
    state["brands"] = [b for b in state.get("brands", []) if b in known_brands]
    if known_brands and not state.get("brands_defaulted"):
        state["brands"] = known_brands[:DEFAULT_BRANDS]
        state["brands_defaulted"] = True
    with st.sidebar:
        st.header("View")
        brands = st.multiselect("Brands", known_brands, key="brands", placeholder="Pick brands to compare")
        range_label = st.radio("Time range", RANGE_CHOICES, index=RANGE_CHOICES.index(DEFAULT_RANGE))
        custom = custom_range() if range_label == CUSTOM else None
        live = st.toggle("Live refresh", value=True, help=f"Every {settings.dashboard_refresh_seconds:g} s")
    return Controls(brands, range_label, live, custom)


def custom_range() -> Period:
    """From and to, each a UTC date and time; the default is the last seven days."""
    today = datetime.now(UTC).date()
    start_day = st.date_input("From (UTC)", value=today - timedelta(days=7), key="from_day")
    start_time = st.time_input("From time", value=time(0, 0), key="from_time", label_visibility="collapsed")
    end_day = st.date_input("To (UTC)", value=today, key="to_day")
    end_time = st.time_input("To time", value=time(23, 59), key="to_time", label_visibility="collapsed")
    return Period(datetime.combine(start_day, start_time, UTC), datetime.combine(end_day, end_time, UTC))


def header(snapshot: Snapshot, controls: Controls) -> None:
    p = snapshot.period
    st.caption(
        f"{controls.range_label} in {snapshot.window} windows, {p.since:%Y-%m-%d %H:%M} – {p.until:%Y-%m-%d %H:%M}"
        f" UTC · updated {snapshot.now:%H:%M:%S} UTC"
    )
    if snapshot.skipped:
        st.warning(f"{snapshot.skipped} entries in Redis could not be read and were left out.")


def overview(snapshot: Snapshot) -> None:
    t = snapshot.total
    cols = st.container(key="overview").columns(5)
    cols[0].metric("Posts", count(t.volume), help="Summed over brands: a post naming two brands counts for each.")
    cols[1].metric("Net sentiment", net(t.net_sentiment), help="Mean score: P(positive) − P(negative).")
    cols[2].metric("Negative share", share(t.share(t.polarity["negative"])))
    cols[3].metric("Positive share", share(t.share(t.polarity["positive"])))
    cols[4].metric("Alerts", count(len(snapshot.alerts)))


def trends(snapshot: Snapshot, settings: Settings) -> None:
    st.subheader("Volume and net sentiment")
    st.plotly_chart(charts.trend(snapshot.series, snapshot.alerts), key="chart_trend")
    left, right = st.columns(2)
    left.subheader("Polarity mix")
    left.plotly_chart(charts.polarity_mix(snapshot.series), key="chart_polarity")
    right.subheader("Emotions (share of posts)")
    right.plotly_chart(charts.emotions(snapshot.series), key="chart_emotions")
    st.subheader("Aspects × polarity")
    st.plotly_chart(charts.aspects(snapshot.series, settings.aspects), key="chart_aspects")
    st.subheader("Competitor comparison")
    st.plotly_chart(charts.comparison(snapshot.series), key="chart_comparison")
    grid(tables.brands(snapshot.series), "table_brands")


def comparison(snapshot: Snapshot) -> None:
    st.subheader("Share of voice and period over period")
    before = snapshot.period.previous()
    st.caption(
        f"Against the previous period of the same length, {before.since:%Y-%m-%d %H:%M} –"
        f" {before.until:%Y-%m-%d %H:%M} UTC. Share of voice is each brand's share of the posts of the brands in view."
    )
    grid(tables.period_changes(period_changes(snapshot.series, snapshot.previous)), "table_periods")


def alerts(snapshot: Snapshot, actions: Actions) -> None:
    st.subheader("Alerts")
    if snapshot.muted:
        grid(tables.mutes(snapshot.muted), "table_mutes")
    if not snapshot.alerts:
        st.success("No alerts for these brands in this time range.")
        return
    listed = snapshot.alerts[:ALERTS_LISTED]
    grid(tables.alerts(listed), "table_alerts")
    by_id = {view.ident: view for view in listed}
    if st.session_state.get("alert_pick") not in by_id:
        st.session_state["alert_pick"] = listed[0].ident
    picked = st.selectbox("Alert", list(by_id), format_func=lambda i: by_id[i].title, key="alert_pick")
    view = by_id[picked]
    explanation(view)
    st.markdown("**Posts that drove the alert**")
    grid(tables.alert_posts(view), "table_alert_posts")
    operator(view, snapshot, actions)


def explanation(view: AlertView) -> None:
    """Why the alert fired, as computed when it fired; the LLM's summary, when one was written, as plain text."""
    why = view.alert.explanation
    if view.summary:
        with st.container(key="alert_summary"):
            st.markdown("**Summary** (written by the LLM from the posts below)")
            st.text(view.summary)
    if why is None:
        st.caption("This alert was raised before alerts carried explanations.")
        return
    cols = st.container(key="alert_why_figures").columns(3)
    cols[0].metric("Teacher-decided", share(why.teacher_share))
    cols[1].metric("Posts in the spike", count(why.window_posts))
    cols[2].metric("Baseline posts compared", count(why.baseline_posts))
    st.markdown(
        "**Over-represented against the baseline** (log-odds with an informative prior; lift = times as common)"
    )
    grid(tables.lifts(why), "table_alert_why")
    st.markdown("**Most typical posts**")
    grid(tables.typical(why), "table_alert_typical")


def operator(view: AlertView, snapshot: Snapshot, actions: Actions) -> None:
    """Acknowledge the alert, mute the brand's notifications: each says who did it."""
    brand = view.alert.brand
    cols = st.container(key="alert_actions").columns([2, 1, 1, 1, 1])
    name = cols[0].text_input("Your name", key="operator", placeholder="who acknowledges or mutes")
    length = cols[1].selectbox("Mute for", list(MUTE_CHOICES), key="mute_for")
    now = datetime.now(UTC)
    try:
        if cols[2].button("Acknowledge", key="ack", disabled=view.ack is not None):
            actions.acknowledge(view.ident, name, now)
            st.rerun()
        if cols[3].button("Mute brand", key="mute", help="No webhook gets this brand's alerts until then"):
            actions.mute(brand, name, MUTE_CHOICES[length], now)
            st.rerun()
    except ValueError as exc:
        st.error(f"Cannot do that: {exc}.")
    if cols[4].button("Unmute brand", key="unmute", disabled=brand not in snapshot.muted):
        actions.unmute(brand)
        st.rerun()


def posts(snapshot: Snapshot, settings: Settings) -> None:
    st.subheader("Recent posts")
    cols = st.columns(4)
    chosen = PostFilter(
        polarities=frozenset(cols[0].multiselect("Polarity", POLARITIES, key="f_polarity")),
        emotions=frozenset(cols[1].multiselect("Emotion", EMOTIONS, key="f_emotion")),
        aspects=frozenset(cols[2].multiselect("Aspect", settings.aspects, key="f_aspect")),
        deciders=frozenset(cols[3].multiselect("Decided by", DECIDERS, key="f_decided")),
    )
    shown = [v for v in snapshot.posts if chosen.matches(v)]
    st.caption(f"{len(shown):,} of the {len(snapshot.posts):,} most recent posts kept for these brands")
    table = tables.posts(shown)
    grid(table, "table_posts")
    if settings.dashboard_password.get_secret_value():
        st.caption(
            "CSV downloads are off while a dashboard password is set: Streamlit serves downloads from"
            " /media URLs that do not check the password."
        )
        return
    left, right = st.columns(2)
    left.download_button(
        "Download posts (CSV)",
        tables.to_csv(table),
        file_name="sentimon-posts.csv",
        mime="text/csv",
        on_click="ignore",
        key="csv_posts",
    )
    right.download_button(
        "Download windows (CSV)",
        tables.to_csv(tables.series(snapshot.series)),
        file_name=f"sentimon-{snapshot.window}-windows.csv",
        mime="text/csv",
        on_click="ignore",
        key="csv_windows",
    )


def _duration(backlog: int, rate: float) -> str:
    if backlog == 0:
        return "—"
    if rate <= 0:
        return "stalled"
    seconds = backlog / rate
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def system(system: System, totals: Counts, now: datetime) -> None:
    """Health of the pipeline; rates are over the brands and range in view."""
    st.subheader("System")
    box = st.container(key="system")
    live = [w for w in system.workers if w.live(now, WORKER_LIVE_SECONDS)]
    calls = sum(t.calls for t in system.teachers)
    compared = sum(t.compared for t in system.teachers)
    agreement = sum(t.agree for t in system.teachers) / compared if compared else None
    row1 = box.columns([1, 1, 1, 1, 2])  # model versions are long
    scorers = [w for w in live if w.role == "worker"]
    scoring = sum(w.posts_per_sec for w in scorers)
    waiting = sum(w.backlog for w in scorers)
    row1[0].metric("Throughput (posts/s)", f"{scoring:,.1f}", help="Posts scored per second by live workers.")
    row1[1].metric(
        "Backlog (posts)",
        count(waiting),
        help="Posts waiting: end offset − committed offset over the posts partitions. "
        "On the embedded broker it is low by at most one producer batch.",
    )
    row1[2].metric("Backlog clears in", _duration(waiting, scoring), help="At the current throughput.")
    row1[3].metric("Workers live", f"{len(live)} of {len(system.workers)}")
    reported = ", ".join(sorted({w.model_version for w in scorers if w.model_version}))
    row1[4].metric(
        "Current model",
        system.current_model or reported or "—",
        help="The promoted version in the registry; until one is published, what live workers report.",
    )
    row2 = box.columns(5)
    row2[0].metric("Escalation rate", share(totals.share(totals.escalated)))
    row2[1].metric("Deferral rate", share(totals.share(totals.deferred)))
    row2[2].metric("Teacher calls", count(calls))
    row2[3].metric("Teacher cost", f"{sum(t.cost for t in system.teachers):,.4f}")
    row2[4].metric("Teacher–student agreement", share(agreement))
    if system.workers:
        grid(tables.workers(system, now, WORKER_LIVE_SECONDS), "table_workers")
    if system.teachers:
        grid(tables.teachers(system), "table_teachers")
    st.markdown("**Model versions**")
    if system.models:
        grid(tables.models(system), "table_models")
    else:
        st.caption("No student registered yet.")
    st.markdown("**Re-distillation rounds**")
    if system.rounds:
        grid(tables.rounds(system), "table_rounds")
    else:
        st.caption("No round yet: one runs once enough new teacher labels are in, or on the trainer's interval.")

"""The "quality" panel: how accurate the cascade says it is, what that costs in teacher calls, and why.

It reads the live accuracy report and its history (``Keys.quality_report``, ``Keys.quality_history``,
written by the workers' steward) and nothing else, and draws three things on one time axis: the
estimated accuracy of student-accepted verdicts and of the whole cascade with their intervals, the share
of verdicts the teacher decided, and the moments the serving model version changed. A stale estimate
(no audit recently: the teacher is down or the budget goes to escalations) is said in words, as is a
router in warm-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import redis
import streamlit as st
from plotly.subplots import make_subplots

from sentimon.redis_layout import Keys

_SCOPES = {"accepted": "student-accepted", "cascade": "whole cascade"}
_COLOURS = {"accepted": "#1f77b4", "cascade": "#2ca02c"}


@dataclass(frozen=True)
class QualityView:
    report: dict[str, Any] | None
    points: list[dict[str, Any]]


def read(client: redis.Redis, keys: Keys, since: float) -> QualityView:
    """The current report and the history points since ``since`` (epoch seconds), oldest first."""
    pipe = client.pipeline(transaction=False)
    pipe.get(keys.quality_report)
    pipe.zrangebyscore(keys.quality_history, since, "+inf")
    report, rows = pipe.execute()
    points = []
    for row in rows:
        try:
            points.append(json.loads(row))
        except ValueError:
            continue  # one unreadable point leaves a gap, not a broken page
    return QualityView(json.loads(report) if report else None, points)


def _time(point: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(point["at"]), UTC)


def version_changes(points: list[dict[str, Any]]) -> list[tuple[datetime, str]]:
    """(time, new version) wherever the serving model version differs from the point before."""
    changes = []
    previous = None
    for point in points:
        version = point.get("model_version")
        if version != previous:
            changes.append((_time(point), str(version)))
            previous = version
    return changes


def figure(points: list[dict[str, Any]]) -> go.Figure:
    """Estimates with their interval bands (top), teacher share (bottom), model swaps as vertical lines."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06)
    for scope, name in _SCOPES.items():
        rows = [(p, p[scope]) for p in points if p.get(scope)]
        times = [_time(p) for p, _ in rows]
        colour = _COLOURS[scope]
        fig.add_trace(
            go.Scatter(
                x=times + times[::-1],
                y=[e["high"] for _, e in rows] + [e["low"] for _, e in rows][::-1],
                fill="toself",
                line={"width": 0},
                fillcolor=colour,
                opacity=0.2,
                name=f"{name} interval",
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(x=times, y=[e["value"] for _, e in rows], name=name, line={"color": colour}), row=1, col=1
        )
    fig.add_trace(
        go.Scatter(
            x=[_time(p) for p in points],
            y=[p.get("teacher_share", 0.0) for p in points],
            name="teacher share",
            line={"color": "#d62728"},
        ),
        row=2,
        col=1,
    )
    for moment, version in version_changes(points):
        fig.add_vline(x=moment, line={"dash": "dot", "color": "grey"})
        fig.add_annotation(x=moment, y=1.0, yref="paper", text=version, showarrow=False, textangle=-90, xanchor="left")
    fig.update_yaxes(title_text="accuracy", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="teacher share", rangemode="tozero", row=2, col=1)
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h"})
    return fig


def _estimate(quality: dict[str, Any] | None, scope: str) -> str:
    estimate = (quality or {}).get(scope)
    if not estimate:
        return "—"
    return f"{estimate['value']:.1%} ({estimate['low']:.1%}–{estimate['high']:.1%})"


def panel(view: QualityView, brands: list[str]) -> None:
    """The quality section; brand names only go into widgets that render text as text."""
    st.subheader("Quality")
    box = st.container(key="quality")
    report = view.report
    if report is None:
        box.caption("No live accuracy estimate yet: it needs audits (SENTIMON_AUDIT_SHARE) and a running teacher.")
        return
    last = view.points[-1] if view.points else {}
    overall = report["overall"]
    cols = box.columns(4)
    cols[0].metric("Accepted accuracy", _estimate(overall, "accepted"), help="From audits; 95 % Wilson interval.")
    cols[1].metric("Cascade accuracy", _estimate(overall, "cascade"), help="Accepted, teacher and kept-doubtful mixed.")
    cols[2].metric("Teacher share", f"{report['teacher_share']:.1%}")
    cols[3].metric("Audits in window", f"{overall['audits']:,}")
    box.caption(
        f"Assumes the teacher is right {report['teacher_accuracy']:.0%} of the time."
        f" Threshold {last.get('threshold', float('nan')):.3f}, calibration v{last.get('calibration_version', 0)}"
        f" ({last.get('calibration_kind', 'identity')})."
    )
    if report["stale"]:
        box.warning("Estimate is stale: no audit answered recently (teacher down or budget spent on escalations).")
    if last.get("warmup"):
        box.info(f"Routing is warming up ({', '.join(last.get('reasons', []))}): escalating and auditing more.")
    box.plotly_chart(figure(view.points), key="chart_quality")
    per_brand = [
        {"brand": b, "accepted": _estimate(q, "accepted"), "cascade": _estimate(q, "cascade"), "audits": q["audits"]}
        for b, q in report.get("brands", {}).items()
        if b in brands
    ]
    if per_brand:
        with box.container(key="table_quality"):
            st.dataframe(per_brand, hide_index=True)

"""Plotly figures of a :class:`~dashboard.model.Snapshot`.

A brand keeps its colour in every figure so an operator comparing competitors
can read any chart without hunting through its legend. Brand names come from
posts, so they are HTML-escaped before Plotly sees them: Plotly renders a
subset of HTML in names and titles.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from dashboard.model import EMOTIONS, AlertView, Series
from sentimon.labels import POLARITIES
from sentimon.redis_layout import window_start

POLARITY_COLOURS = {"negative": "#d64541", "neutral": "#9aa0a6", "positive": "#2e9d5b"}
ALERT_COLOUR = "#e8590c"
_PALETTE = qualitative.Plotly


def brand_colours(brands: Sequence[str]) -> dict[str, str]:
    return {brand: _PALETTE[i % len(_PALETTE)] for i, brand in enumerate(brands)}


def _name(brand: str) -> str:
    # Quotes stay as they are: Plotly decodes &lt; &gt; &amp; but would show &quot; literally, and
    # with the angle brackets escaped a quote cannot open an attribute.
    return html.escape(brand, quote=False)


def _layout(fig: go.Figure, height: int) -> go.Figure:
    """Titles live in the page's headings, so the space above a plot is the legend's alone."""
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        hovermode="closest",
    )
    return fig


def trend(series: Sequence[Series], alerts: Sequence[AlertView]) -> go.Figure:
    """Volume above, net sentiment below, on one time axis; alerts sit on the volume line where they fired."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.55, 0.45],
    )
    colours = brand_colours([s.brand for s in series])
    for s in series:
        x = [p.start for p in s.points]
        line = {"color": colours[s.brand], "width": 2}
        rows = (
            (1, [p.counts.volume for p in s.points], {"mode": "lines"}),
            (2, [p.counts.net_sentiment for p in s.points], {"mode": "lines+markers", "marker": {"size": 4}}),
        )
        for row, y, style in rows:
            trace = go.Scatter(x=x, y=y, name=_name(s.brand), legendgroup=s.brand, showlegend=row == 1, line=line)
            fig.add_trace(trace.update(style), row=row, col=1)
    if alerts and series:
        volumes = {(s.brand, p.start.timestamp()): p.counts.volume for s in series for p in s.points}
        window = series[0].window
        xs, ys, texts = [], [], []
        for view in alerts:
            a = view.alert
            slot = window_start(a.window_start.timestamp(), window)
            xs.append(a.window_start)
            ys.append(volumes.get((a.brand, float(slot)), a.volume))
            texts.append(_name(view.title))
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name="alert",
                mode="markers",
                marker={"symbol": "triangle-down", "size": 14, "color": ALERT_COLOUR, "line": {"width": 1}},
                hovertext=texts,
                hoverinfo="text",
            ),
            row=1,
            col=1,
        )
    fig.update_yaxes(title_text="posts", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="net sentiment", range=[-1.05, 1.05], zeroline=True, row=2, col=1)
    return _layout(fig, 460)


def polarity_mix(series: Sequence[Series]) -> go.Figure:
    fig = go.Figure()
    for polarity in POLARITIES:
        shares = [s.total.share(s.total.polarity[polarity]) or 0.0 for s in series]
        fig.add_trace(
            go.Bar(
                y=[_name(s.brand) for s in series],
                x=shares,
                name=polarity,
                orientation="h",
                marker_color=POLARITY_COLOURS[polarity],
                text=[f"{v:.0%}" for v in shares],
                textposition="inside",
            )
        )
    fig.update_layout(barmode="stack", xaxis={"tickformat": ".0%", "range": [0, 1]}, legend_traceorder="normal")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 120 + 45 * len(series))


def emotions(series: Sequence[Series]) -> go.Figure:
    """Share of each brand's posts showing an Ekman group; shares, not counts, so brands compare."""
    colours = brand_colours([s.brand for s in series])
    fig = go.Figure()
    for s in series:
        t = s.total
        fig.add_trace(
            go.Bar(
                x=list(EMOTIONS),
                y=[t.share(t.emotion[g]) or 0.0 for g in EMOTIONS],
                name=_name(s.brand),
                marker_color=colours[s.brand],
            )
        )
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%"})
    return _layout(fig, 320)


def aspects(series: Sequence[Series], aspect_names: Sequence[str]) -> go.Figure:
    """One aspect × polarity grid per brand; colour is the share of the brand's posts, text the count."""
    fig = make_subplots(
        rows=1,
        cols=max(len(series), 1),
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=[_name(s.brand) for s in series],
    )
    for col, s in enumerate(series, start=1):
        t = s.total
        counts = [[t.aspect[(a, p)] for p in POLARITIES] for a in aspect_names]
        fig.add_trace(
            go.Heatmap(
                z=[[(c / t.volume if t.volume else 0.0) for c in row] for row in counts],
                x=list(POLARITIES),
                y=list(aspect_names),
                text=counts,
                texttemplate="%{text}",
                coloraxis="coloraxis",
                hovertemplate="%{y} · %{x}: %{text} posts (%{z:.0%})<extra></extra>",
            ),
            row=1,
            col=col,
        )
    fig.update_layout(
        coloraxis={"colorscale": "Reds", "cmin": 0, "colorbar": {"tickformat": ".0%", "title": "share"}},
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, 120 + 34 * max(len(aspect_names), 1))


def comparison(series: Sequence[Series]) -> go.Figure:
    """Competitors side by side on the three numbers an operator compares first."""
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=("Posts", "Net sentiment", "Negative share"), horizontal_spacing=0.08
    )
    colours = brand_colours([s.brand for s in series])
    names = [_name(s.brand) for s in series]
    values = (
        [s.total.volume for s in series],
        [s.total.net_sentiment or 0.0 for s in series],
        [s.total.share(s.total.polarity["negative"]) or 0.0 for s in series],
    )
    formats = ("{:,}", "{:+.2f}", "{:.0%}")
    for col, (ys, fmt) in enumerate(zip(values, formats, strict=True), start=1):
        fig.add_trace(
            go.Bar(
                x=names,
                y=ys,
                marker_color=[colours[s.brand] for s in series],
                text=[fmt.format(v) for v in ys],
                textposition="auto",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(range=[-1, 1], row=1, col=2)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=3)
    return _layout(fig, 320)

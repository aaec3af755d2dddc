"""Brand names reach Plotly escaped once: markup stays inert and quotes read as quotes."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard import charts
from dashboard.model import Counts, Point, Series

BRAND = 'say "hi" <b>bold</b> & co'
SHOWN = 'say "hi" &lt;b&gt;bold&lt;/b&gt; &amp; co'


def test_brand_names_are_escaped_once() -> None:
    start = datetime(2024, 5, 1, 12, tzinfo=UTC)
    series = [Series(BRAND, "1m", [Point(start, Counts(volume=3))])]
    names = {trace.name for figure in (charts.trend(series, []), charts.emotions(series)) for trace in figure.data}
    assert names == {SHOWN}
    assert [bar.y[0] for bar in charts.polarity_mix(series).data] == [SHOWN] * 3

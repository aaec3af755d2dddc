"""The pure parts of the dashboard: window choice and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard import tables
from dashboard.model import TIME_RANGES, Counts, Point, Series, choose_window
from sentimon.redis_layout import SCORE_SUM, VOLUME, pol_field


@pytest.mark.parametrize(
    ("label", "window"),
    [("Last 15 min", "1m"), ("Last 1 h", "1m"), ("Last 6 h", "1m"), ("Last 24 h", "1h"), ("Last 7 d", "1h")],
)
def test_range_picks_the_finest_readable_window(label: str, window: str) -> None:
    assert choose_window(TIME_RANGES[label], ["1h", "1m"], 2880) == window


def test_window_choice_respects_what_is_kept() -> None:
    assert choose_window(3600, ["30s", "1h"], 2880) == "30s"
    assert choose_window(7 * 86400, ["1m"], 2880) == "1m"  # the only window there is, even if dense
    with pytest.raises(ValueError, match="no aggregate windows"):
        choose_window(3600, [], 2880)


def test_csv_defuses_spreadsheet_formulas() -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "plain, with comma", "line\nbreak"]
    table = pd.DataFrame({"text": hostile, "score": [-0.5, 0.1, -1.0, 0.0, 0.2, 0.3]})
    rows = list(csv.DictReader(io.StringIO(tables.to_csv(table).decode())))
    assert [r["text"] for r in rows] == ['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)", *hostile[4:]]
    assert [float(r["score"]) for r in rows] == [-0.5, 0.1, -1.0, 0.0, 0.2, 0.3]  # numbers stay numbers


def test_csv_defuses_formulas_behind_blanks_and_full_width_signs() -> None:
    hostile = [" =1+1", "\n=cmd|' /C calc'!A0", "\u200b\u3000@SUM(A1)", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff201"]
    harmless = ["a = b", " plain", "\uff21 full-width letter"]
    table = pd.DataFrame({"text": hostile + harmless})
    rows = list(csv.DictReader(io.StringIO(tables.to_csv(table).decode())))
    assert [r["text"] for r in rows] == [f"'{cell}" for cell in hostile] + harmless


def test_windows_csv_holds_the_counts_behind_the_charts() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    counts = Counts.from_hash({VOLUME: "4", SCORE_SUM: "-1.0", pol_field("negative"): "3"}, ["price"])
    rows = list(
        csv.DictReader(
            io.StringIO(tables.to_csv(tables.series([Series("acme", "1m", [Point(start, counts)])])).decode())
        )
    )
    assert rows == [
        {
            **rows[0],
            "brand": "acme",
            "window": "1m",
            "window_start": start.isoformat(),
            "volume": "4",
            "net_sentiment": "-0.25",
            "negative": "3",
        }
    ]

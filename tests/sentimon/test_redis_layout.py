"""The window maths every writer and reader of the aggregates relies on, and the brands a post counts under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sentimon.redis_layout import (
    NO_BRAND,
    Keys,
    brands_of,
    longest_retention,
    retention_seconds,
    window_seconds,
    window_start,
    window_start_of,
)


@pytest.mark.parametrize(("window", "seconds"), [("30s", 30), ("1m", 60), ("5m", 300), ("1h", 3600), ("1d", 86400)])
def test_window_names_are_lengths(window: str, seconds: int) -> None:
    assert window_seconds(window) == seconds


@pytest.mark.parametrize("window", ["", "1", "m", "1w", "-1m", "1.5h", "1 m", "1M"])
def test_a_window_that_is_not_a_length_is_refused(window: str) -> None:
    with pytest.raises(ValueError, match="window must look like"):
        window_seconds(window)


def test_windows_tumble_on_multiples_of_their_length() -> None:
    assert window_start(0, "1m") == 0
    assert window_start(59.999, "1m") == 0
    assert window_start(60, "1m") == 60
    assert window_start(3_599.5, "1h") == 0
    assert window_start(7_261, "1h") == 7_200
    assert window_start(7_261, "30s") == 7_260


def test_a_moment_without_a_zone_is_utc() -> None:
    naive = datetime(2024, 3, 1, 10, 0, 59)
    assert window_start_of(naive, "1m") == window_start_of(naive.replace(tzinfo=UTC), "1m")
    assert window_start_of(naive, "1m") == int(datetime(2024, 3, 1, 10, 0, tzinfo=UTC).timestamp())


def test_a_moment_in_another_zone_lands_in_the_same_utc_window() -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2024, 3, 1, 11, 30, 5, tzinfo=paris)
    assert window_start_of(local, "1h") == int(datetime(2024, 3, 1, 10, 0, tzinfo=UTC).timestamp())


def test_retention_is_counted_in_windows_and_brand_keys_live_as_long_as_the_longest() -> None:
    assert retention_seconds("1m", 10) == 600
    assert retention_seconds("1h", 48) == 172_800
    assert longest_retention(["1m", "1h", "30s"], 48) == 172_800


def test_a_post_counts_once_under_each_of_its_brands_or_under_no_brand() -> None:
    assert brands_of(["acme", "globex", "acme"]) == ("acme", "globex")
    assert brands_of([]) == (NO_BRAND,)


def test_every_key_carries_the_prefix() -> None:
    keys = Keys("t1")
    assert keys.agg("1m", "acme", 60).startswith("t1:")
    assert keys.agg("1m", "acme", 60) != keys.agg("1m", "acme", 120) != keys.agg("1h", "acme", 60)
    assert all(p.startswith("t1:") for p in keys.aggregate_patterns())

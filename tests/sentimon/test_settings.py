"""Settings that make no sense are refused at start-up with the variable's name, not deep in a worker."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sentimon.settings import Settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SENTIMON_BATCH_SIZE", "0"),
        ("SENTIMON_BATCH_SIZE", "-4"),
        ("SENTIMON_BATCH_WITHIN", "0"),
        ("SENTIMON_PIPELINE_DEPTH", "0"),
        ("SENTIMON_ORT_INTER_THREADS", "0"),
        ("SENTIMON_ORT_INTRA_THREADS", "-1"),
        ("SENTIMON_ORT_LANES", "-1"),
        ("SENTIMON_TRAIN_THREADS", "-2"),
        ("SENTIMON_TRAIN_BATCH_SIZE", "0"),
        ("SENTIMON_TRAIN_NICE", "-5"),
        ("SENTIMON_TRAIN_NICE", "20"),
        ("SENTIMON_QUANTIZATION", "int4"),
    ],
)
def test_bad_speed_settings_are_refused_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    field = variable.removeprefix("SENTIMON_").lower()
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


def test_zero_threads_means_the_runtime_default_where_that_is_meaningful(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMON_ORT_INTRA_THREADS", "0")
    monkeypatch.setenv("SENTIMON_ORT_LANES", "0")
    monkeypatch.setenv("SENTIMON_TRAIN_THREADS", "0")
    monkeypatch.setenv("SENTIMON_TRAIN_NICE", "0")
    settings = Settings()
    assert (settings.ort_intra_threads, settings.ort_lanes, settings.train_threads, settings.train_nice) == (0,) * 4

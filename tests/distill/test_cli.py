"""`sentimon train|eval|export|bootstrap` and `sentimon models list|promote|rollback`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from models.registry import Registry
from sentimon.settings import Settings
from tests.fixtures.student import TINY_EXAMPLES


@pytest.fixture
def run(student_settings: Settings):
    env = {
        "SENTIMON_DATA_DIR": str(student_settings.data_dir),
        "SENTIMON_BACKBONE": student_settings.backbone,
        "SENTIMON_TRAIN_THREADS": "1",
        "SENTIMON_TRAIN_BATCH_SIZE": "8",
        "SENTIMON_LEARNING_RATE": "0.002",
    }

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


@pytest.fixture
def labeled_csv(tmp_path: Path) -> Path:
    stars = {"negative": "1", "neutral": "3", "positive": "5"}
    lines = ["review,stars"] + [f'"{e.text}",{stars[e.polarity]}' for e in TINY_EXAMPLES if e.context is None]
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join([*lines, "broken row without stars"]) + "\n")
    return path


def test_train_eval_promote_rollback(run, labeled_csv: Path, student_settings: Settings) -> None:
    registry = Registry.of(student_settings)
    first = registry.current()
    options = ["--text-column", "review", "--label-column", "stars", "--label-map", "1=negative,3=neutral,5=positive"]
    out = run("train", str(labeled_csv), *options, "--skip-bad", "--epochs", "2", "--from-current", "--promote")
    assert "skipped 1 broken rows" in out
    new = registry.current()
    assert new != first and f"registered {new} (promoted)" in out
    assert registry.manifest(new).parent_version == first
    report = run("eval", str(labeled_csv), *options, "--skip-bad")
    assert f"student {new}" in report and "macro_f1" in report
    listing = run("models", "list")
    assert f"* {new}" in listing and first in listing
    assert json.loads(run("models", "list", "--json"))[-1]["version"] == new
    assert f"current: {first}" in run("models", "rollback")
    assert registry.current() == first
    assert f"current: {new}" in run("models", "promote", new)


def test_errors_are_reported_not_raised(student_settings: Settings, labeled_csv: Path) -> None:
    env = {"SENTIMON_DATA_DIR": str(student_settings.data_dir)}
    result = CliRunner().invoke(main, ["models", "promote", "v0042-20000101000000"], env=env)
    assert result.exit_code != 0 and "no readable manifest" in result.output
    result = CliRunner().invoke(main, ["train", str(labeled_csv), "--text-column", "review"], env=env)
    assert result.exit_code == 1
    assert f"{labeled_csv}:1: no column(s) label" in result.output


def test_export_and_bootstrap(run, student_settings: Settings, tmp_path: Path) -> None:
    registry = Registry.of(student_settings)
    before = len(registry.versions())
    out = run("export", "--out", str(tmp_path / "again"), "--register")
    assert "max |logit diff|" in out
    assert len(registry.versions()) == before + 1
    assert run("bootstrap").strip() == f"student {registry.current()}"  # already built: no-op

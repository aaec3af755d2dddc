"""The README documents what the code does: its settings table and its commands cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from cli import main
from sentimon.settings import settings_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_settings_table_is_the_generated_one() -> None:
    assert settings_table() in README, "regenerate it with `sentimon settings --markdown`"


def test_every_sentimon_command_in_the_readme_exists() -> None:
    runner = CliRunner()
    commands = set(re.findall(r"`sentimon ([a-z-]+(?: [a-z]+)?)", README))
    assert commands
    for command in commands:
        words = command.split()
        outcome = runner.invoke(main, [*words, "--help"])
        if outcome.exit_code != 0:
            outcome = runner.invoke(main, [words[0], "--help"])
        assert outcome.exit_code == 0, f"`sentimon {command}` is in the README but not in the CLI"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()

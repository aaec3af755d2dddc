"""The ``sentimon`` command. Thin: each area's commands live in their own module and call into the packages."""

from __future__ import annotations

import click

from sentimon.cli import (
    aggregate_cmds,
    alert_cmds,
    dashboard_cmds,
    model_cmds,
    run_cmds,
    stream_cmds,
    teacher_cmds,
    trainer_cmds,
    util_cmds,
)


@click.group()
def main() -> None:
    """Streaming sentiment monitor."""


for module in (
    util_cmds,
    model_cmds,
    stream_cmds,
    aggregate_cmds,
    alert_cmds,
    teacher_cmds,
    trainer_cmds,
    dashboard_cmds,
    run_cmds,
):
    for command in module.COMMANDS:
        main.add_command(command)

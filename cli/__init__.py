"""The ``sentimon`` command. Thin: each area's commands live in their own module and call into the packages."""

from __future__ import annotations

import click
from pydantic import ValidationError

from cli import (
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
from sentimon.settings import ENV_PREFIX


class _Group(click.Group):
    """Settings that fail validation stop any command with one line per bad variable, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            lines = [
                (f"{ENV_PREFIX}{'_'.join(str(p) for p in e['loc']).upper()}: " if e["loc"] else "") + e["msg"]
                for e in exc.errors()
            ]
            raise click.ClickException("invalid settings:\n  " + "\n  ".join(lines)) from exc


@click.group(cls=_Group)
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

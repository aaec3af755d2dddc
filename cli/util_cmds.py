"""Commands about the project itself: settings and record schemas."""

from __future__ import annotations

import json
from pathlib import Path

import click

import sentimon
from sentimon.records import RECORDS
from sentimon.settings import Settings, settings_table

SCHEMA_DIR = Path(sentimon.__file__).resolve().parent / "schemas"


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the table of every setting for the README.")
def settings_cmd(markdown: bool) -> None:
    """Show the effective settings (secrets hidden)."""
    if markdown:
        click.echo(settings_table())
        return
    click.echo(Settings().model_dump_json(indent=2))


def schema_documents() -> dict[str, dict]:
    return {name: record.model_json_schema() for name, record in RECORDS.items()}


@click.command("schemas")
@click.option("--out", type=click.Path(path_type=Path), default=SCHEMA_DIR, show_default=True)
def schemas_cmd(out: Path) -> None:
    """Write the JSON Schema file of every record."""
    out.mkdir(parents=True, exist_ok=True)
    for name, document in schema_documents().items():
        (out / f"{name}.schema.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    click.echo(f"wrote {len(RECORDS)} schemas to {out}")


COMMANDS: list[click.Command] = [settings_cmd, schemas_cmd]

"""``sentimon dashboard``: serve the Streamlit operator dashboard."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

import dashboard
from sentimon.settings import Settings

APP = Path(dashboard.__file__).resolve().parent / "app.py"


def streamlit_argv(port: int, address: str) -> list[str]:
    """Headless, no usage statistics, no file watching, and no error internals shown to operators."""
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--server.address",
        address,
    ]
    return argv


@click.command("dashboard")
@click.option("--port", type=int, default=None, help="Port to serve on; default SENTIMON_DASHBOARD_PORT.")
@click.option("--address", default=None, help="Interface to listen on; default SENTIMON_DASHBOARD_ADDRESS.")
def dashboard_cmd(port: int | None, address: str | None) -> None:
    """Serve the operator dashboard on the live aggregates in Redis (read-only)."""
    settings = Settings()
    argv = streamlit_argv(port or settings.dashboard_port, address or settings.dashboard_address)
    # Replace this process so that signals (Ctrl-C, a container's SIGTERM) reach Streamlit directly.
    os.execv(argv[0], argv)


COMMANDS: list[click.Command] = [dashboard_cmd]

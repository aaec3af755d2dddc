"""One role as one process: topics ensured, role registered, metrics served, Faust run until stopped.

Everything that must happen before Faust starts (creating topics, building a teacher client,
loading the student) runs on the very event loop Faust then runs on, so clients created there
stay usable. SIGTERM and SIGINT stop the worker gracefully: the role hears of it at once
(``RoleContext.on_stop_signal``; the trainer abandons a round), Faust stops consuming, finishes
the batch in hand, flushes the producer and commits what was done, and the group hands the
partitions to the others. The process then exits at once: the interpreter would otherwise join
library threads left behind, which under load took seconds. A role that overstays is killed by
``sentimon up``; the batch it had in hand is then uncommitted and read again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from typing import NoReturn

import faust
from pydantic import SecretStr
from redis.asyncio import Redis

from sentimon.settings import ENV_PREFIX, Settings
from stream.agents import ROLES, add_stats
from stream.app import create_app
from stream.metrics import WorkerMetrics
from stream.roles import RoleContext
from stream.topics import ensure_topics

log = logging.getLogger(__name__)


def settings_env(settings: Settings) -> dict[str, str]:
    """``SENTIMON_*`` variables that make a child process read exactly these settings."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue  # unset optional settings stay unset: "None" would not parse as a number
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[f"{ENV_PREFIX}{name.upper()}"] = str(value)
    return env


def cli_command(*args: str) -> list[str]:
    """The ``sentimon`` command for a child process: by module, so it needs no console script on PATH."""
    return [sys.executable, "-m", "cli", *args]


def worker_command(role: str) -> list[str]:
    return cli_command("worker", "--role", role)


def worker_id(role: str) -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def connect_redis(settings: Settings) -> Redis:
    """The stream's Redis client: replies decoded to ``str``, as the stream modules expect."""
    return Redis.from_url(settings.redis_url, decode_responses=True)


def run_worker(settings: Settings, role: str, loglevel: str = "info") -> NoReturn:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known roles: {', '.join(sorted(ROLES))}")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(settings))
    app = create_app(settings, role)
    metrics = WorkerMetrics(role, worker_id(role))
    redis = connect_redis(settings)
    ctx = RoleContext(app=app, settings=settings, redis=redis, metrics=metrics)
    loop.run_until_complete(ROLES[role](ctx))
    add_stats(ctx)

    @app.on_before_shutdown.connect
    async def withdraw(sender: faust.App, **_: object) -> None:
        await metrics.withdraw(redis, ctx.keys)

    port = metrics.serve(settings.metrics_port)
    if port is not None:
        log.info("metrics of %s on http://0.0.0.0:%d/metrics", metrics.worker_id, port)
    worker = _Worker(app, ctx, loop=loop, loglevel=loglevel)
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    else:
        code = 0
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _Worker(faust.Worker):
    """Faust's worker, telling the role as soon as a stop signal arrives rather than when its turn comes."""

    def __init__(self, app: faust.App, ctx: RoleContext, **kwargs: object) -> None:
        super().__init__(app, **kwargs)  # type: ignore[arg-type]
        self._ctx = ctx

    def _on_sigterm(self) -> None:
        self._ctx.stop_signalled()
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._ctx.stop_signalled()
        super()._on_sigint()

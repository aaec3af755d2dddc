"""The embedded default: the whole system on one machine, started by ``sentimon up``.

Each role runs as its own child process, exactly as it would in the compose
stack, so the embedded default exercises the same code paths as production.
Children get their own process group: a terminal's Ctrl-C reaches only this
supervisor, which then stops them in order (producers first, broker last) and
leaves no orphan behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

from distill.bootstrap import ensure_default_student, teacher_registry
from sentimon.settings import Settings
from stream.broker import Broker, free_port
from stream.demo import DEMO_ORACLE_NAME, embedded_env, wants_demo_teacher

STOP_GRACE_SECONDS = 10.0
MAX_RESTARTS = 5


class StackError(RuntimeError):
    """Something the stack needs is missing; the message says what to install or set."""


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1.0)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@dataclass
class Child:
    """One supervised role: restarted when it dies, up to ``MAX_RESTARTS`` times."""

    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        self._log = self._log or self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def signal_group(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def wait(self, deadline: float) -> bool:
        if self.process is None:
            return True
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
        return True

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class Stack:
    """Redis (reused or started), Tansu, the student, and every role as a child process."""

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 1,
        demo_speed: float | None = 1.0,
        dashboard: bool = True,
        external_broker: bool = False,
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.demo_speed = demo_speed
        self.dashboard = dashboard
        self.external_broker = external_broker
        self.data_dir = settings.data_dir.resolve()
        self.log_dir = self.data_dir / "logs"
        self.children: list[Child] = []
        self._broker: Broker | None = None
        self._redis: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._env: dict[str, str] = {}

    # --- start-up --------------------------------------------------------------------------
    def _ensure_redis(self) -> str:
        """Use the configured Redis when it answers; otherwise start a throw-away one on a free port."""
        if _redis_answers(self.settings.redis_url):
            return self.settings.redis_url
        binary = shutil.which("redis-server")
        if binary is None:
            raise StackError(
                f"no Redis answers at {self.settings.redis_url} and redis-server is not installed: "
                "install it (apt-get install redis-server) or set SENTIMON_REDIS_URL"
            )
        port = free_port()
        self._redis = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=(self.log_dir / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while not _redis_answers(url):
            if time.monotonic() > deadline or self._redis.poll() is not None:
                raise StackError(f"redis-server did not start; see {self.log_dir / 'redis.log'}")
            time.sleep(0.1)
        return url

    def _ensure_broker(self) -> str:
        if self.external_broker:
            return self.settings.broker_url
        self._broker = Broker(log=(self.log_dir / "broker.log").open("ab")).start()
        return self._broker.url

    def _child_env(self, broker_url: str, redis_url: str) -> dict[str, str]:
        return {
            **os.environ,
            **embedded_env(self.settings, demo=self.demo_speed is not None),
            "SENTIMON_BROKER_URL": broker_url,
            "SENTIMON_REDIS_URL": redis_url,
            "SENTIMON_DATA_DIR": str(self.data_dir),
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }

    def _plan(self) -> Iterator[Child]:
        me = [sys.executable, "-m", "sentimon"]
        for index in range(self.workers):
            yield Child(
                f"worker-{index + 1}", [*me, "worker", "--role", "worker"], self.log_dir / f"worker-{index + 1}.log"
            )
        yield Child("teacher", [*me, "worker", "--role", "teacher"], self.log_dir / "teacher.log")
        yield Child("trainer", [*me, "worker", "--role", "trainer"], self.log_dir / "trainer.log")
        if self.dashboard:
            yield Child("dashboard", [*me, "dashboard"], self.log_dir / "dashboard.log")
        if self.demo_speed is not None:
            demo = [*me, "demo", "--loop", "--speed", str(self.demo_speed)]
            yield Child("demo", demo, self.log_dir / "demo.log")

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        redis_url = self._ensure_redis()
        broker_url = self._ensure_broker()
        print(f"broker  {broker_url}\nredis   {redis_url}", flush=True)
        version = ensure_default_student(self.settings, progress=True)
        print(f"student {version}", flush=True)
        self._env = self._child_env(broker_url, redis_url)
        print(f"teacher {self._teacher_in_use()}", flush=True)
        self.children = list(self._plan())
        for child in self.children:
            child.start(self._env)
        print(f"logs    {self.log_dir}", flush=True)
        if self.dashboard:
            print(f"\nDashboard: http://{self.settings.dashboard_address}:{self.settings.dashboard_port}\n", flush=True)

    def _teacher_in_use(self) -> str:
        """What the teacher role will run, said plainly; a teacher it could not build stops the start here."""
        if wants_demo_teacher(self.settings):
            if self.demo_speed is None:
                return f"{DEMO_ORACLE_NAME}: it knows no post but the demo's, set SENTIMON_TEACHER_URL for an LLM"
            return DEMO_ORACLE_NAME
        names = self.settings.effective_teacher_backends()
        if "encoder" in names and not teacher_registry(self.settings).current():
            raise StackError(
                "the encoder teacher is not built: run `sentimon bootstrap --teacher` once (minutes),"
                " or set SENTIMON_TEACHER_URL to an OpenAI-compatible LLM endpoint"
            )
        return ", ".join(names)

    # --- supervision -----------------------------------------------------------------------
    def supervise(self, poll_seconds: float = 1.0) -> None:
        """Restart a child that died on its own; give up on one that keeps dying."""
        while not self._stopping:
            for child in self.children:
                code = child.process.poll() if child.process else 0
                if code is None or self._stopping:
                    continue
                if child.restarts >= MAX_RESTARTS:
                    raise StackError(f"{child.name} keeps exiting (status {code}); see {child.log_path}")
                child.restarts += 1
                print(
                    f"{child.name} exited with status {code}; restarting ({child.restarts}/{MAX_RESTARTS})", flush=True
                )
                child.start(self._env)
            time.sleep(poll_seconds)

    def stop(self) -> None:
        """Producers and readers first, then the broker, then Redis: nothing is cut off mid-write."""
        self._stopping = True
        for child in reversed(self.children):
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in reversed(self.children):
            if not child.wait(deadline):
                child.signal_group(signal.SIGKILL)
                child.wait(time.monotonic() + 5)
            child.close()
        if self._broker is not None:
            self._broker.stop()
        if self._redis is not None:
            self._redis.terminate()
            self._redis.wait(10)

    def run(self) -> None:
        """Start everything, supervise until SIGINT/SIGTERM, then stop everything."""

        def _interrupt(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.start()
            self.supervise()
        except KeyboardInterrupt:
            print("\nstopping…", flush=True)
        finally:
            self.stop()
            signal.signal(signal.SIGTERM, previous)

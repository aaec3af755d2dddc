"""The embedded default: the whole system on one machine, started by ``sentimon up``.

Each role runs as its own child process, exactly as it would in the compose
stack, so the embedded default exercises the same code paths as production.
Children get their own process group: a terminal's Ctrl-C reaches only this
supervisor, which then stops them within ``stop_seconds``: every role is asked
to stop (SIGTERM: stop consuming, finish or abandon the batch in hand, whose
offsets then stay uncommitted so it is read again, flush, close); a role still
running after 60% of the budget is killed with its whole process group and
named; then the broker and a Redis it started. Before the broker goes, the
posts still undecided are counted and reported: with the in-memory broker they
are lost, with ``--durable`` they are decided after the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis
from aiokafka.errors import KafkaError

from distill.bootstrap import ensure_default_student
from models.registry import Registry
from sentimon.settings import Settings
from stream import s3_snapshot
from stream.backlog import undecided
from stream.broker import Broker, S3Server, free_port
from stream.demo import DEMO_ORACLE_NAME, embedded_env, wants_demo_teacher
from stream.worker import cli_command

MAX_RESTARTS = 5
ROLES_SHARE = 0.6
"""Share of ``stop_seconds`` the roles get to stop by themselves before SIGKILL."""
KILL_WAIT_SECONDS = 0.5
COUNT_SECONDS = 1.5
"""At most this long counting undecided posts: a slow broker costs the report, not the bound."""
S3_SNAPSHOT = "broker-s3"
DURABLE_FETCH_WAIT_MS = 500
"""Fetch wait the roles get with ``--durable`` unless one is set. Tansu serves a fetch on S3 storage by listing
the partition's objects, so the default wait (tens of ms) has every idle consumer ask the S3 server
for listings dozens of times a second: measured (``bench/chaos.py``, broker restarted under load),
two scoring workers then decided about one post a second for minutes; at 500 ms they were back at
once, for some latency (Tansu holds an empty fetch for the whole wait)."""


class StackError(RuntimeError):
    """Something the stack needs is missing; the message says what to install or set."""


def redis_answers(url: str, connect_timeout: float = 1.0) -> bool:
    """Whether a Redis server answers PING at ``url`` now."""
    client = redis.Redis.from_url(url, socket_connect_timeout=connect_timeout)
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

    def kill_group(self) -> None:
        """SIGKILL the whole group, even when its leader is gone and only its own children remain."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

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
        durable: bool = False,
    ) -> None:
        if durable and external_broker:
            raise StackError("--durable is for the embedded broker; an external Kafka keeps its own data")
        self.settings = settings
        self.durable = durable
        self.workers = workers
        self.demo_speed = demo_speed
        self.dashboard = dashboard
        self.external_broker = external_broker
        self.data_dir = settings.data_dir.resolve()
        self.log_dir = self.data_dir / "logs"
        self.children: list[Child] = []
        self._broker: Broker | None = None
        self._s3: S3Server | None = None
        self._broker_url = ""
        self._redis: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._env: dict[str, str] = {}

    # --- start-up --------------------------------------------------------------------------
    def _ensure_redis(self) -> str:
        """Use the configured Redis when it answers; otherwise start a throw-away one on a free port."""
        if redis_answers(self.settings.redis_url):
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
        while not redis_answers(url):
            if time.monotonic() > deadline or self._redis.poll() is not None:
                raise StackError(f"redis-server did not start; see {self.log_dir / 'redis.log'}")
            time.sleep(0.1)
        return url

    def _ensure_broker(self) -> str:
        if self.external_broker:
            return self.settings.broker_url
        log = (self.log_dir / "broker.log").open("ab")
        if not self.durable:
            self._broker = Broker(log=log).start()
            return self._broker.url
        self._s3 = S3Server(log=log).start()
        restored = s3_snapshot.restore(self._s3, self.data_dir / S3_SNAPSHOT)
        print(f"durable broker storage: {restored} objects restored from {self.data_dir / S3_SNAPSHOT}", flush=True)
        self._broker = Broker.on_s3(self._s3, log=log).start()
        return self._broker.url

    def _child_env(self, broker_url: str, redis_url: str) -> dict[str, str]:
        env = {
            **os.environ,
            **embedded_env(self.settings, demo=self.demo_speed is not None),
            "SENTIMON_BROKER_URL": broker_url,
            "SENTIMON_REDIS_URL": redis_url,
            "SENTIMON_DATA_DIR": str(self.data_dir),
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        if self.durable and "fetch_max_wait_ms" not in self.settings.model_fields_set:  # a user's own choice wins
            env["SENTIMON_FETCH_MAX_WAIT_MS"] = str(max(self.settings.fetch_max_wait_ms, DURABLE_FETCH_WAIT_MS))
        return env

    def _plan(self) -> Iterator[Child]:
        me = cli_command()
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
        broker_url = self._broker_url = self._ensure_broker()
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
        if "encoder" in names and not Registry.of_teachers(self.settings).current():
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
        """Every role, then the broker, then Redis, all within ``stop_seconds`` whatever the load.

        Further Ctrl-C presses are ignored meanwhile: interrupting the stop itself is what would
        leave orphans behind.
        """
        self._stopping = True
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: print("already stopping…", flush=True))
        started = time.monotonic()
        end = started + self.settings.stop_seconds
        for child in reversed(self.children):
            child.signal_group(signal.SIGTERM)
        patience = started + self.settings.stop_seconds * ROLES_SHARE
        for child in reversed(self.children):
            if not child.wait(patience):
                print(
                    f"{child.name} still running {time.monotonic() - started:.1f} s after SIGTERM: killed", flush=True
                )
                child.kill_group()
        killed_by = time.monotonic() + KILL_WAIT_SECONDS
        for child in self.children:
            child.wait(killed_by)
            child.kill_group()  # whatever a role left behind in its group
            child.close()
        self._report_undecided()
        if self._broker is not None:
            self._broker.stop(grace=max(0.5, (end - time.monotonic()) / 2))
        if self._s3 is not None:
            self._save_s3()
            self._s3.stop(grace=1.0)
        if self._redis is not None:
            self._redis.terminate()
            try:
                self._redis.wait(max(0.5, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._redis.kill()
                self._redis.wait()
        print(f"stopped in {time.monotonic() - started:.1f} s", flush=True)

    def _report_undecided(self) -> None:
        if not self._broker_url:
            return
        settings = self.settings.model_copy(update={"broker_url": self._broker_url})
        try:
            waiting = asyncio.run(asyncio.wait_for(undecided(settings), COUNT_SECONDS))
        except (TimeoutError, OSError, KafkaError) as exc:
            print(f"could not count undecided posts: {exc!r}", flush=True)
            return
        if waiting.total == 0:
            print("every post read so far has its verdict", flush=True)
            return
        # Tansu reports a partition's end as its last record batch's first offset + 1 (stream.backlog), so
        # its count can be short by up to one producer batch per partition: 161 of 1,500 once.
        floor = "" if self.external_broker else "at least "
        what = (
            f"{floor}{waiting.total} posts undecided ({waiting.posts} not yet scored,"
            f" {waiting.escalations} with the teacher)"
        )
        if self.durable:
            print(f"{what}: kept in {self.data_dir / S3_SNAPSHOT}, decided after the next start", flush=True)
        elif self.external_broker:
            print(f"{what}: kept by the broker, decided after the next start", flush=True)
        else:
            print(f"{what}: lost with the in-memory broker (`sentimon up --durable` keeps them)", flush=True)

    def _save_s3(self) -> None:
        assert self._s3 is not None
        target = self.data_dir / S3_SNAPSHOT
        try:
            saved = s3_snapshot.save(self._s3, target)
        except (s3_snapshot.SnapshotError, OSError) as exc:
            print(f"broker storage NOT saved ({exc}); the previous copy in {target} stays", flush=True)
            return
        print(f"broker storage saved: {saved} objects in {target}", flush=True)

    def run(self) -> None:
        """Start everything, supervise until SIGINT/SIGTERM, then stop everything."""

        def _interrupt(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        # SIGINT too, not left to Python's default: a shell starts a background job with SIGINT
        # ignored, and Python then installs no handler, so `sentimon up &` would ignore a Ctrl-C
        # (or an explicit `kill -INT`) meant for it and leave its roles running.
        for signum in previous:
            signal.signal(signum, _interrupt)
        try:
            self.start()
            self.supervise()
        except KeyboardInterrupt:
            print("\nstopping…", flush=True)
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

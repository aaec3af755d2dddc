"""`sentimon up`: the whole embedded default starts, processes the demo stream, serves the dashboard, and stops clean."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from models.registry import TEACHER_REGISTRY
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.broker import free_port
from stream.worker import settings_env
from tests.distill.redistill_support import round_settings
from tests.fixtures.broker import distinct_ids, read_topic

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


def _kill_all(up: subprocess.Popen[bytes], spawned: set[int]) -> None:
    """Whatever a failed test left running: ``up`` and every process it started."""
    leftovers = spawned | _descendants(up.pid)
    if up.poll() is None:
        up.kill()
    for pid in leftovers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


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
    up = _start_up(["--demo-speed", "40"], env, log, terminal=True)
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
        # Ctrl-C as a terminal sends it: to the whole foreground group. Every role must stop by itself,
        # which it cannot if the signal also reached the broker it commits to (it did, until the
        # broker got its own session, and every role was killed after the grace period).
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(60) == 0, log.read_text()[-3000:]
        time.sleep(0.5)
        assert not [pid for pid in spawned if _alive(pid)], "processes outlived sentimon up"
        assert "still running" not in log.read_text(), log.read_text()[-3000:]
    finally:
        _kill_all(up, spawned)
        client.close()


def test_up_refuses_an_encoder_teacher_that_is_not_built_before_starting_any_role(student_settings: Settings) -> None:
    from stream.embedded import Stack, StackError

    stack = Stack(student_settings.model_copy(update={"teacher_backends": ["encoder"]}), dashboard=False)
    with pytest.raises(StackError, match="sentimon bootstrap --teacher"):
        stack.run()
    assert stack.children == []
    assert not (student_settings.data_dir / TEACHER_REGISTRY).exists()  # nothing was trained


def _start_up(args: list[str], env: dict[str, str], log: Path, *, terminal: bool = False) -> subprocess.Popen[bytes]:
    """``sentimon up`` started as a shell starts a background job, with SIGINT ignored: a Ctrl-C test
    then also checks that it stops on SIGINT however it was launched (Python installs no handler of
    its own for a signal it inherits ignored).

    ``terminal``: started as a terminal's foreground job instead, leading its own process group, for
    a test to send SIGINT to the whole group as Ctrl-C does; with SIGINT ignored, the processes
    ``up`` starts would inherit the ignoring and such a test could not tell what the group signal hits.
    """
    command = [sys.executable, "-m", "cli", "up", *args]
    with log.open("wb") as out:
        if terminal:
            return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return subprocess.Popen(
            ["bash", "-c", 'trap "" INT; exec "$@"', "up", *command], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _posts_file(path: Path, tag: str, count: int) -> Path:
    """``count`` JSONL posts for `sentimon publish`, ids ``tag-0`` …"""
    with path.open("w") as out:
        for i in range(count):
            out.write(json.dumps({"id": f"{tag}-{i}", "text": f"Kestrel phone number {i} is okay", "brand": "Kestrel"}))
            out.write("\n")
    return path


def _broker_url(log: Path) -> str:
    found = re.search(r"^broker\s+(\S+)", log.read_text(), re.MULTILINE)
    assert found, log.read_text()[-2000:]
    return found.group(1)


def _publish(posts: Path, env: dict[str, str], up: subprocess.Popen[bytes], log: Path) -> None:
    """Once the stack is up, `sentimon publish` of ``posts`` at full speed to its broker, to the end."""
    _wait(lambda: "logs " in log.read_text(), 180, "the stack to start", up, log)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "publish", str(posts)],
        env={**env, "SENTIMON_BROKER_URL": _broker_url(log)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _scratch_builds(scratch: Path) -> list[Path]:
    return list(scratch.glob("sentimon-build-*"))


def test_ctrl_c_stops_every_role_within_the_bound_under_load_and_abandons_a_round(
    student_settings: Settings, tmp_path: Path
) -> None:
    """A producer at full speed and a re-distillation round training when Ctrl-C comes.

    The only time bound asserted is the setting's own, with slack (the supervisor kills what overstays);
    how fast the machine is otherwise does not matter.
    """
    shutil.copytree(student_settings.registry_dir, student_settings.data_dir / TEACHER_REGISTRY)
    settings = round_settings(student_settings, tmp_path).model_copy(
        update={
            "metrics_port": -1,
            "accept_threshold": 1.0,  # every post escalates: teacher labels pile up at once
            "retrain_min_labels": 20,
            "train_epochs": 500,  # a round that trains far longer than the test waits
            "early_stop_patience": 500,
            "stop_seconds": 10.0,
        }
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, **settings_env(settings), "SENTIMON_DATA_DIR": str(settings.data_dir), "TMPDIR": str(scratch)}
    log = tmp_path / "up.log"
    trainer_log = settings.data_dir / "logs" / "trainer.log"
    # The demo replayed 100,000 times faster than recorded, in a loop: a producer that never waits.
    up = _start_up(["--no-dashboard", "--demo-speed", "100000"], env, log)
    spawned: set[int] = set()
    try:
        _wait(lambda: bool(_scratch_builds(scratch)), 600, "a re-distillation round to start building", up, log)
        spawned = _descendants(up.pid)
        demo = [pid for pid in spawned if b"demo" in _cmdline(pid)]
        assert demo and all(_alive(pid) for pid in demo), "the producer should still be sending when Ctrl-C comes"

        up.send_signal(signal.SIGINT)
        assert up.wait(settings.stop_seconds * 3) == 0, log.read_text()[-3000:]

        output = log.read_text()
        time.sleep(0.5)
        assert not [pid for pid in spawned if _alive(pid)], "processes outlived sentimon up"
        assert "posts undecided" in output or "every post read so far has its verdict" in output, output[-2000:]
        # The teacher role gives up the posts waiting on the teacher rather than overstaying: not killed.
        assert "teacher still running" not in output, output[-2000:]
        assert "re-distillation round abandoned" in trainer_log.read_text(), trainer_log.read_text()[-2000:]
        assert _scratch_builds(scratch) == [], "the abandoned round left its scratch directory"
        assert not list(settings.registry_dir.glob(".staging-*"))
    finally:
        _kill_all(up, spawned)


@pytest.mark.timeout(900)  # two start-ups of the whole stack, and thousands of posts decided on S3 storage
def test_durable_mode_decides_after_the_next_start_what_a_stop_left_undecided(
    student_settings: Settings, tmp_path: Path
) -> None:
    shutil.copytree(student_settings.registry_dir, student_settings.data_dir / TEACHER_REGISTRY)
    # What is measured is the broker's durability: no audits, which would wait on a teacher that
    # (with --no-demo) answers nothing until each post's deadline.
    settings = student_settings.model_copy(update={"metrics_port": -1, "audit_share": 0.0, "audit_warmup_share": 0.0})
    env = {**os.environ, **settings_env(settings), "SENTIMON_DATA_DIR": str(settings.data_dir)}
    # With 4,000 posts the S3 server (moto, Python) saturated on a slower 2-core machine and Tansu
    # served no fetch for minutes after the restart: the S3 server's limit, not the stack's.
    count = 1_500
    posts = _posts_file(tmp_path / "posts.jsonl", "d", count)
    args = ["--durable", "--no-demo", "--no-dashboard"]
    first_log, second_log = tmp_path / "up-1.log", tmp_path / "up-2.log"
    up = _start_up(args, env, first_log)
    try:
        _wait(lambda: "logs " in first_log.read_text(), 180, "the stack to start", up, first_log)
        # The scoring worker is frozen while the posts go in, so that the stop finds them undecided
        # however fast the machine (scoring one post per batch still left only 4 of 1,500 undecided on
        # a busy one); the stop then kills it as it kills any role that overstays.
        workers = [pid for pid in _descendants(up.pid) if b"--role\x00worker" in _cmdline(pid)]
        assert workers, first_log.read_text()[-2000:]
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        _publish(posts, env, up, first_log)
        up.send_signal(signal.SIGINT)
        assert up.wait(settings.stop_seconds * 3) == 0, first_log.read_text()[-3000:]
        output = first_log.read_text()
        undecided = re.search(r"(\d+) posts undecided .*decided after the next start", output)
        assert undecided and int(undecided.group(1)) > 0, output[-2000:]
        assert re.search(r"broker storage saved: [1-9]\d* objects", output), output[-2000:]

        up = _start_up(args, env, second_log)
        _wait(lambda: "logs " in second_log.read_text(), 180, "the stack to start again", up, second_log)
        assert re.search(r"durable broker storage: [1-9]\d* objects restored", second_log.read_text())
        records = asyncio.run(
            read_topic(_broker_url(second_log), settings.topic_verdicts, distinct_ids(count), timeout=600)
        )
        assert {r.key for r in records} == {f"d-{i}".encode() for i in range(count)}
        up.send_signal(signal.SIGINT)
        assert up.wait(settings.stop_seconds * 3) == 0, second_log.read_text()[-3000:]
    finally:
        _kill_all(up, set())

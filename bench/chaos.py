"""Chaos: a stream of real posts through the real stack while one part of it fails, scenario by scenario.

The stack is what ``sentimon up`` runs, minus the dashboard, the demo and the trainer: its own
``redis-server`` on a free port (never the shared one), Tansu (in memory, the default of ``sentimon
up``; on S3 storage, a ``moto_server``, as ``--durable`` runs it, for the broker restart), scoring workers and a teacher role as child processes, and a local OpenAI-compatible teacher
(an HTTP server in this process, answering from a word list) that can be told to hang or to answer
garbage. Each scenario gets topics, consumer groups and Redis keys of its own, fresh roles, and a
stream of TweetEval test tweets (the seed corpus without the data set) published at a steady rate
with a retrying producer (a send that fails is sent again, as an at-least-once producer would).
A third of the way in, the fault:

* ``kill``: one of the workers is killed with SIGKILL and started again a second later, as the
  supervisor of ``sentimon up`` would;
* ``broker``: Tansu, on S3 storage (with the fetch wait ``sentimon up --durable`` gives the roles),
  is killed and started again on the same port and bucket after a pause;
* ``redis``: Redis is shut down (saving its data), and started again after a pause;
* ``redis-flush``: Redis loses everything: the roles are stopped, Redis comes back empty,
  ``sentimon rebuild-aggregates`` recounts, the roles start again (the README's procedure);
* ``teacher-hang``: the teacher answers nothing for a while;
* ``teacher-garbage``: the teacher answers text that is not the JSON asked for, for a while.

Then, per scenario: posts sent, verdict records, posts missing a verdict, duplicate verdicts,
dead letters, whether the Redis aggregates equal a recount of the ``verdicts`` topic (``sentimon
rebuild-aggregates`` run into a separate key prefix), latency (the verdict's broker timestamp minus
the first send), the outage (fault to service back), recovery (from then until the last verdict
later than normal: max(2 s, 3 × the p99 before the fault)), and the roles that had to be killed at
the end because they did not stop by themselves within ``SENTIMON_STOP_SECONDS``.

    python -m bench.chaos [--scenarios kill broker redis redis-flush teacher-hang teacher-garbage]
                          [--posts 600] [--rate 15] [--workers 2]

Figures, not a test: printed as a table; logs of every process go to ``bench/out/chaos``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import redis
from aiokafka import AIOKafkaProducer
from pydantic import SecretStr

from bench.common import OUT_DIR, percentile
from bench.stream_e2e import bench_texts
from distill.bootstrap import ensure_default_student
from sentimon.records import Post, Verdict
from sentimon.redis_layout import SCORE_SUM, Keys
from sentimon.settings import ENV_PREFIX, Settings
from stream.broker import HOST, Broker, S3Server, free_port
from stream.embedded import DURABLE_FETCH_WAIT_MS, redis_answers
from stream.rebuild import TopicReader, rebuild
from stream.topics import bootstrap_servers, ensure_topics, isolated
from stream.worker import settings_env, worker_command

SCENARIOS = ("kill", "broker", "redis", "redis-flush", "teacher-hang", "teacher-garbage")
BRANDS = ("Kestrel", "Orbit", "Juniper", "Halcyon", "Marlow")
LOG_DIR = OUT_DIR / "chaos"
FAULT_AT = 1 / 3
"""Share of the stream sent before the fault."""
OUTAGE_SECONDS = {"broker": 5.0, "redis": 5.0, "redis-flush": 5.0, "teacher-hang": 25.0, "teacher-garbage": 25.0}
RESTART_AFTER_KILL_SECONDS = 1.0
LATE_FLOOR_SECONDS = 2.0
DRAIN_SECONDS = 240.0
"""How long after the last send every post may take to get its verdict before it counts as missing."""
ROLE_STOP_SECONDS = 30.0
SEND_RETRY_SECONDS = 0.5
WORDS_POSITIVE = frozenset(("love", "great", "good", "best", "happy", "thanks", "awesome", "amazing", "nice", "win"))
WORDS_NEGATIVE = frozenset(("hate", "bad", "worst", "sad", "angry", "terrible", "awful", "fail", "sucks", "broken"))
WORD = re.compile(r"[a-z']+")


# --- the teacher -------------------------------------------------------------------------------
class ChaosTeacher:
    """An OpenAI-compatible chat-completions endpoint whose behaviour is switched while it serves."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: Counter[str] = Counter()
        self._healed = threading.Event()
        self._httpd = ThreadingHTTPServer((HOST, 0), self._handler())
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._httpd.server_address[1]}/v1"

    def start(self) -> ChaosTeacher:
        threading.Thread(target=self._httpd.serve_forever, args=(0.1,), daemon=True).start()
        return self

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if mode == "ok":
            self._healed.set()
        else:
            self._healed.clear()

    def close(self) -> None:
        self._healed.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, body: dict[str, object]) -> tuple[int, bytes]:
        mode = self.mode
        self.requests[mode] += 1
        if mode == "hang":
            self._healed.wait(120)
            return 504, b'{"error": {"message": "gateway timeout"}}'
        if mode == "garbage":
            content = "Sure! The sentiment is kind of positive, I think :)"
        else:
            messages = body.get("messages", [])
            text = " ".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
            words = WORD.findall(text.lower())
            score = sum(w in WORDS_POSITIVE for w in words) - sum(w in WORDS_NEGATIVE for w in words)
            polarity = "positive" if score > 0 else "negative" if score < 0 else "neutral"
            content = json.dumps(
                {"polarity": polarity, "confidence": 0.8, "emotions": [], "aspects": [], "rationale": "word list"}
            )
        completion = {
            "id": "chaos",
            "object": "chat.completion",
            "model": "chaos",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }
        return 200, json.dumps(completion).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        teacher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the table is the output."""

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                status, payload = teacher.answer(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a hanging request

        return Handler


# --- the stack ---------------------------------------------------------------------------------
class OwnRedis:
    """A ``redis-server`` of the benchmark's own on a free port: the shared one is never touched."""

    def __init__(self, directory: Path, log: IO[bytes]) -> None:
        self.port = free_port()
        self.directory = directory
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "redis-server"
        command = [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        self.directory.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [*command, "--dir", str(self.directory)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while not redis_answers(self.url, 0.5):
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)

    def shutdown(self, *, save: bool) -> None:
        """SHUTDOWN SAVE writes the data set to ``directory`` for the next start; NOSAVE loses it."""
        client = redis.Redis.from_url(self.url)
        try:
            client.shutdown(save=save, nosave=not save)
        except redis.ConnectionError:
            pass  # the server closes the connection as it goes
        finally:
            client.close()
        if self._process is not None:
            self._process.wait(30)
        if not save:
            (self.directory / "dump.rdb").unlink(missing_ok=True)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(30)


@dataclass
class Role:
    """One ``sentimon worker --role NAME`` process."""

    name: str
    role: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                worker_command(self.role), env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float) -> bool:
        """SIGTERM; True when it exited by itself within ``timeout``, else it is killed."""
        if self.process is None or self.process.poll() is not None:
            return True
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            self.kill()
            return False


@dataclass
class Run:
    """One scenario's stack state and what happened when."""

    name: str
    settings: Settings
    roles: list[Role]
    sent: dict[str, float] = field(default_factory=dict)
    fault_at: float = math.nan
    back_at: float = math.nan
    killed_at_stop: list[str] = field(default_factory=list)

    def role_env(self) -> dict[str, str]:
        return self.roles[0].env


class Chaos:
    def __init__(self, base: Settings, workers: int) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.base = base
        self.workers = workers
        self._logs: list[IO[bytes]] = []
        self.redis = OwnRedis(LOG_DIR / "redis-data", self._log("redis"))
        self.broker: Broker | None = None
        self.teacher = ChaosTeacher()

    def _log(self, name: str) -> IO[bytes]:
        log = (LOG_DIR / f"{name}.log").open("ab")
        self._logs.append(log)
        return log

    def __enter__(self) -> Chaos:
        shutil.rmtree(self.redis.directory, ignore_errors=True)  # a saved data set of an earlier run
        self.redis.start()
        self.teacher.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.redis.stop()
        self.teacher.close()
        for log in self._logs:
            log.close()

    @contextmanager
    def broker_for(self, name: str) -> Iterator[Broker]:
        """A Tansu of the scenario's own: in memory (the default, and several times faster here than on
        ``moto_server`` storage), except for the broker restart, which only S3 storage survives."""
        s3 = S3Server(log=self._log(f"{name}-s3")).start() if name == "broker" else None
        log = self._log(f"{name}-broker")
        self.broker = (Broker.on_s3(s3, log=log) if s3 else Broker(log=log)).start()
        try:
            yield self.broker
        finally:
            self.broker.stop()
            self.broker = None
            if s3 is not None:
                s3.stop()

    def settings_for(self, name: str) -> Settings:
        """The scenario's settings; on S3 storage with the fetch wait ``sentimon up --durable`` gives."""
        assert self.broker is not None
        tag = f"chaos-{name}-{uuid.uuid4().hex[:6]}"
        fetch_wait = max(self.base.fetch_max_wait_ms, DURABLE_FETCH_WAIT_MS if name == "broker" else 0)
        return isolated(self.base, tag, self.broker.url).model_copy(
            update={
                "fetch_max_wait_ms": fetch_wait,
                "redis_url": self.redis.url,
                "metrics_port": -1,
                "teacher_backends": ["openai"],
                "teacher_url": self.teacher.url,
                "teacher_model": "chaos",
                "teacher_api_key": SecretStr("chaos"),
            }
        )

    def roles_for(self, settings: Settings, name: str) -> list[Role]:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)},
            **settings_env(settings),
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        names = [(f"worker-{i + 1}", "worker") for i in range(self.workers)] + [("teacher", "teacher")]
        return [Role(n, role, env, LOG_DIR / f"{name}-{n}.log") for n, role in names]

    # --- faults ----------------------------------------------------------------------------
    async def fault(self, run: Run) -> None:
        run.fault_at = time.time()
        outage = OUTAGE_SECONDS.get(run.name, 0.0)
        if run.name == "kill":
            victim = run.roles[0]
            victim.kill()
            run.back_at = time.time()
            await asyncio.sleep(RESTART_AFTER_KILL_SECONDS)
            victim.start()
        elif run.name == "broker":
            assert self.broker is not None
            self.broker.kill()
            await asyncio.sleep(outage)
            await asyncio.to_thread(self.broker.start)
            run.back_at = time.time()
        elif run.name == "redis":
            await asyncio.to_thread(self.redis.shutdown, save=True)
            await asyncio.sleep(outage)
            await asyncio.to_thread(self.redis.start)
            run.back_at = time.time()
        elif run.name == "redis-flush":
            await asyncio.to_thread(stop_roles, run.roles, run.killed_at_stop)
            await asyncio.to_thread(self.redis.shutdown, save=False)
            await asyncio.sleep(outage)
            await asyncio.to_thread(self.redis.start)
            await asyncio.to_thread(rebuild_aggregates, run)
            for role in run.roles:
                role.start()
            run.back_at = time.time()
        elif run.name in ("teacher-hang", "teacher-garbage"):
            self.teacher.set_mode("hang" if run.name == "teacher-hang" else "garbage")
            await asyncio.sleep(outage)
            self.teacher.set_mode("ok")
            run.back_at = time.time()
        else:
            raise ValueError(f"unknown scenario {run.name!r}")


def stop_roles(roles: list[Role], killed: list[str]) -> None:
    """SIGTERM to every role at once, as ``sentimon up`` does; those still running later are killed."""
    for role in roles:
        if role.process is not None and role.process.poll() is None:
            role.process.send_signal(signal.SIGTERM)
    for role in roles:
        if not role.stop(ROLE_STOP_SECONDS):
            killed.append(role.name)


def rebuild_aggregates(run: Run) -> None:
    """``sentimon rebuild-aggregates``, the command an operator runs, with the scenario's settings."""
    done = subprocess.run(
        [sys.executable, "-m", "cli", "rebuild-aggregates"],
        env=run.role_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"rebuild-aggregates failed:\n{done.stdout}\n{done.stderr}")


# --- the stream --------------------------------------------------------------------------------
def posts_of(tag: str, lines: list[str], seed: int) -> list[Post]:
    rng = random.Random(seed)
    return [Post(id=f"{tag}-{i}", text=text, brand=[rng.choice(BRANDS)]) for i, text in enumerate(lines)]


async def feed(
    run: Run, posts: list[Post], rate: float, at_fault: Callable[[], Awaitable[None]], fault_index: int
) -> None:
    """Publish at ``rate``, each post until the broker acknowledges it; the fault starts at ``fault_index``."""
    settings = run.settings
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers(settings.broker_url), acks="all", linger_ms=0, request_timeout_ms=5000
    )
    await producer.start()
    fault: asyncio.Task[None] | None = None
    start = time.monotonic()
    try:
        for i, post in enumerate(posts):
            if i == fault_index:
                fault = asyncio.create_task(at_fault())
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            run.sent[post.id] = time.time()
            value = post.to_bytes()
            while True:
                try:
                    await (await producer.send(settings.topic_posts, value, key=post.id.encode()))
                    break
                except Exception:  # any failed send: an at-least-once producer sends it again
                    await asyncio.sleep(SEND_RETRY_SECONDS)
        if fault is not None:
            await fault
    finally:
        await producer.stop()


async def read_all(settings: Settings, topic: str) -> list[tuple[str, float, bytes]]:
    """(key, broker timestamp in s, value) of every record of ``topic``."""
    records: list[tuple[str, float, bytes]] = []
    async with TopicReader(settings, topic) as reader:
        async for chunk in reader.chunks(idle_seconds=2.0):
            records += [(r.key.decode() if r.key else "", r.timestamp / 1000, r.value or b"") for r in chunk]
    return records


async def wait_verdicts(run: Run, timeout: float) -> list[tuple[str, float, bytes]]:
    deadline = time.monotonic() + timeout
    while True:
        records = await read_all(run.settings, run.settings.topic_verdicts)
        if {key for key, _, _ in records} >= set(run.sent) or time.monotonic() > deadline:
            return records
        await asyncio.sleep(5.0)


# --- the checks --------------------------------------------------------------------------------
def aggregates(client: redis.Redis, prefix: str) -> dict[str, dict[str, float]]:
    found = {}
    for key in client.scan_iter(f"{prefix}:agg:*", count=1000):
        suffix = key.decode().removeprefix(f"{prefix}:")
        found[suffix] = {field.decode(): float(value) for field, value in client.hgetall(key).items()}
    return found


def same_aggregates(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]]) -> bool:
    """Counters equal; score sums equal up to float summation order."""
    if a.keys() != b.keys():
        return False
    for key, fields in a.items():
        other = b[key]
        if fields.keys() != other.keys():
            return False
        for name, value in fields.items():
            tolerance = 1e-6 if name == SCORE_SUM else 0.0
            if abs(value - other[name]) > tolerance:
                return False
    return True


async def aggregates_match_recount(settings: Settings, timeout: float = 60.0) -> bool:
    """The live aggregates equal a recount of the ``verdicts`` topic into a separate prefix."""
    recount = settings.model_copy(update={"redis_prefix": f"{settings.redis_prefix}-recount"})
    await rebuild(recount, idle_seconds=2.0)
    client = redis.Redis.from_url(settings.redis_url)
    try:
        expected = aggregates(client, recount.redis_prefix)
        deadline = time.monotonic() + timeout
        while True:  # the workers may still be counting the last verdicts
            if same_aggregates(aggregates(client, settings.redis_prefix), expected):
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(2.0)
    finally:
        client.close()


@dataclass
class Figures:
    name: str
    sent: int
    verdicts: int
    missing: int
    duplicates: int
    dead_letters: int
    fallbacks: int
    aggregates_ok: bool
    outage: float
    recovery: float
    p50: float
    p99: float
    worst: float
    killed_at_stop: list[str]

    def row(self) -> str:
        def seconds(value: float) -> str:
            return "never" if math.isinf(value) else "—" if math.isnan(value) else f"{value:.1f}"

        return (
            f"| {self.name} | {self.sent} | {self.verdicts} | {self.missing} | {self.duplicates} | {self.dead_letters}"
            f" | {self.fallbacks} | {'yes' if self.aggregates_ok else 'NO'} | {seconds(self.outage)}"
            f" | {seconds(self.recovery)} | {seconds(self.p50)} | {seconds(self.p99)} | {seconds(self.worst)}"
            f" | {', '.join(self.killed_at_stop) or 'none'} |"
        )


HEADER = (
    "| scenario | sent | verdicts | missing | duplicates | dead letters | teacher fallbacks | aggregates = recount"
    " | outage (s) | recovery (s) | p50 (s) | p99 (s) | max (s) | killed at stop |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def figures(run: Run, records: list[tuple[str, float, bytes]], dead: int, aggregates_ok: bool) -> Figures:
    first: dict[str, float] = {}
    fallbacks = 0
    counts = Counter(key for key, _, _ in records if key in run.sent)
    for key, at, value in records:
        if key in run.sent and key not in first:
            first[key] = at
            fallbacks += Verdict.model_validate_json(value).decided_by == "fallback"
    latency = {key: first[key] - run.sent[key] for key in first}
    before = [lat for key, lat in latency.items() if run.sent[key] < run.fault_at]
    late = max(LATE_FLOOR_SECONDS, 3 * percentile(before, 99)) if before else LATE_FLOOR_SECONDS
    missing = len(set(run.sent) - set(first))
    late_verdicts = [first[key] for key, lat in latency.items() if lat > late]
    recovery = math.inf if missing else max(0.0, max(late_verdicts, default=run.back_at) - run.back_at)
    values = list(latency.values())
    return Figures(
        name=run.name,
        sent=len(run.sent),
        verdicts=sum(counts.values()),
        missing=missing,
        duplicates=sum(counts.values()) - len(counts),
        dead_letters=dead,
        fallbacks=fallbacks,
        aggregates_ok=aggregates_ok,
        outage=run.back_at - run.fault_at,
        recovery=recovery,
        p50=percentile(values, 50),
        p99=percentile(values, 99),
        worst=max(values, default=math.nan),
        killed_at_stop=run.killed_at_stop,
    )


def wait_assigned(run: Run, timeout: float = 300.0) -> None:
    """Until every worker holds partitions of the posts topic and the teacher of the escalations."""
    settings = run.settings
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            lines = [json.loads(line) for line in client.hvals(Keys(settings.redis_prefix).stats_workers)]
            scoring = sum(any(p.startswith(f"{settings.topic_posts}/") for p in line["partitions"]) for line in lines)
            teaching = any(
                any(p.startswith(f"{settings.topic_escalations}/") for p in ln["partitions"]) for ln in lines
            )
            if scoring >= sum(r.role == "worker" for r in run.roles) and teaching:
                return
            for role in run.roles:
                if role.process is not None and role.process.poll() is not None:
                    raise SystemExit(f"{role.name} exited during start-up; see {role.log_path}")
            time.sleep(1.0)
    finally:
        client.close()
    raise SystemExit(f"the roles did not all hold partitions within {timeout:.0f} s; see {LOG_DIR}")


def scenario(chaos: Chaos, name: str, lines: list[str], rate: float, seed: int) -> Figures:
    settings = chaos.settings_for(name)
    run = Run(name, settings, chaos.roles_for(settings, name))
    posts = posts_of(settings.redis_prefix, lines, seed)
    asyncio.run(ensure_topics(settings))
    for role in run.roles:
        role.start()
    try:
        wait_assigned(run)
        print(f"{name}: roles ready, {len(posts)} posts at {rate:g}/s", flush=True)
        asyncio.run(feed(run, posts, rate, lambda: chaos.fault(run), int(len(posts) * FAULT_AT)))
        print(f"{name}: sent; waiting for verdicts", flush=True)
        records = asyncio.run(wait_verdicts(run, DRAIN_SECONDS))
        time.sleep(5.0)  # a late duplicate would arrive now
        records = asyncio.run(read_all(settings, settings.topic_verdicts))
        dead = len(asyncio.run(read_all(settings, settings.topic_dlq)))
        aggregates_ok = asyncio.run(aggregates_match_recount(settings))
    finally:
        stop_roles(run.roles, run.killed_at_stop)
    write_timeline(run, records)
    return figures(run, records, dead, aggregates_ok)


def write_timeline(run: Run, records: list[tuple[str, float, bytes]]) -> None:
    """Every verdict of the scenario, with its post's send time, to look into a figure."""
    with (LOG_DIR / f"{run.name}-verdicts.jsonl").open("w") as out:
        out.write(json.dumps({"fault_at": run.fault_at, "back_at": run.back_at}) + "\n")
        for key, at, value in records:
            verdict = Verdict.model_validate_json(value)
            line = {"id": key, "sent": run.sent.get(key), "verdict_at": at, "decided_by": verdict.decided_by}
            out.write(json.dumps({**line, "flags": verdict.flags, "latency_ms": verdict.latency_ms}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--posts", type=int, default=600, help="Posts per scenario.")
    parser.add_argument("--rate", type=float, default=15.0, help="Posts per second.")
    parser.add_argument("--workers", type=int, default=2, help="Scoring workers.")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    base = Settings()
    print(f"student {ensure_default_student(base, progress=False)}", flush=True)
    lines = bench_texts(base, args.posts, args.seed)
    rows = []
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # the producer's retries during a broker outage
    with Chaos(base, args.workers) as chaos:
        for name in args.scenarios:
            with chaos.broker_for(name):
                rows.append(scenario(chaos, name, lines, args.rate, args.seed))
            print(rows[-1].row(), flush=True)
    print(f"\n{args.posts} posts per scenario at {args.rate:g}/s, {args.workers} workers and a teacher role\n")
    print(HEADER)
    for row in rows:
        print(row.row())


if __name__ == "__main__":
    main()

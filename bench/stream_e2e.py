"""End to end through broker + Faust + student, against the student alone on the same texts.

Measured side by side in one run, on the serving student (the registry's current version; the
default one is built first when the registry is empty):

1. the student alone: ``predict`` over the texts in micro-batches of ``SENTIMON_BATCH_SIZE``;
2. capacity: one worker (a real ``sentimon worker`` process on an embedded Tansu and the
   configured Redis; ``--workers N`` starts N, which share the partitions), already holding its
   partitions, decides the texts published flat out as posts; rate = posts over the time from the
   first post sent to the last verdict (broker timestamps), so process start-up and the group join
   are left out. The producer runs on the same cores; freezing the workers while it published
   (SIGSTOP, then timing from the resume) was tried and measured the same ratios (0.68 and 0.81 for
   one and two workers, against 0.69 and 0.81). ``--depths 2 1`` measures workers with each
   ``SENTIMON_PIPELINE_DEPTH`` in every round (fresh topics, group and workers for each), so that
   what overlapping batches buys is seen side by side; ``--batch-sizes 32 64 128`` does the same for
   ``SENTIMON_BATCH_SIZE``, each against the student alone at that batch size, which tells the
   worker's cost per batch (amortised by larger batches) from its cost per post (not). Goal: ≥ 0.9
   × the student alone. Beside
   it, where the CPU went per post (:mod:`bench.proc_cpu`: the workers, the broker, Redis, this
   process, the kernel's threads, the rest of the machine) and what the cores allow per post at
   the goal, which says whether it is within reach of any worker on this machine;
3. latency: posts published at half that capacity (the first depth's and batch size's); latency = the verdict's
   broker timestamp minus the moment the post was handed to the producer. Goal: p95 < 100 ms;
4. the same latency while a re-distillation round trains beside the worker as the trainer role
   runs it (its own process, the serving model, TweetEval examples, niced by ``SENTIMON_TRAIN_NICE``
   and ``SENTIMON_TRAIN_IDLE_CLASS``, with ``SENTIMON_TRAIN_THREADS`` PyTorch threads). Goal: p95
   within 2× of phase 3. Phases 3 and 4 take turns in three pairs of windows, the training process
   frozen (SIGSTOP) during phase 3's and running during phase 4's: the shared machines this runs on
   drift in speed by a third within an hour, and measured one after the other the two sides saw
   different machines.

Every post is accepted by the student (``accept_threshold`` = 0, no audits: no teacher runs here,
so an audited post would wait for one): what is measured is the scoring path, not the teacher. Texts: TweetEval's test split when ``../shared/data`` has it, else the
seed corpus.

    python -m bench.stream_e2e [--posts 1000] [--rounds 3] [--latency-seconds 20] [--no-round] [--workers 1]
        [--depths 2 1] [--batch-sizes 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, NamedTuple

import redis

from bench import proc_cpu
from bench.common import OUT_DIR, TWEETEVAL, percentile, serving_student, tweeteval_test
from distill.data import Example, read_jsonl, seed_corpus_path
from distill.pipeline import start_from_version
from distill.trainer import TrainConfig, Trainer
from models.encoding import TextEncoder
from models.registry import Registry
from models.types import Scorer
from sentimon.records import Post
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.broker import Broker
from stream.producer import Publisher, paced
from stream.rebuild import TopicReader
from stream.topics import ensure_topics, isolated
from stream.trainer_role import lower_priority
from stream.worker import settings_env, worker_command


def bench_texts(settings: Settings, n: int, seed: int) -> list[str]:
    examples = tweeteval_test(TWEETEVAL, n, seed)
    texts = (
        [e.text for e in examples] if examples else [e.text for e in read_jsonl(seed_corpus_path(settings)).examples]
    )
    return (texts * (n // len(texts) + 1))[:n]


def student_rate(runtime: Scorer, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        runtime.predict(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


class Config(NamedTuple):
    """One worker configuration whose capacity is measured in every round."""

    depth: int
    batch_size: int

    def label(self) -> str:
        return f"d{self.depth} b{self.batch_size}"


def posts_of(texts: list[str], tag: str) -> list[Post]:
    return [Post(id=f"{tag}-{i}", text=text, brand=["bench"]) for i, text in enumerate(texts)]


async def publish(settings: Settings, posts: list[Post], rate: float | None = None) -> dict[str, float]:
    """Publish (at ``rate`` per second, or flat out); returns when each post went to the producer."""
    sent = {}
    async with Publisher(settings.broker_url, settings.topic_posts, linger_ms=0 if rate else 5) as publisher:
        async for post in paced(posts, rate):
            sent[post.id] = await publisher.post(post)
    return sent


def wait_processed(settings: Settings, count: int, timeout: float) -> None:
    """Until the worker reports ``count`` posts taken: polling Redis costs the worker no CPU."""
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            lines = client.hvals(Keys(settings.redis_prefix).stats_workers)
            if sum(json.loads(line)["processed"] for line in lines) >= count:
                return
            # Short, so that the CPU meter stops soon after the report that counts the last post (workers
            # report every few seconds, so the meter's window can still run that long past it).
            time.sleep(0.2)
    finally:
        client.close()
    raise SystemExit(f"the worker did not take {count} posts within {timeout:.0f} s")


async def verdict_records(settings: Settings, expected: int, timeout: float) -> dict[str, tuple[float, bytes]]:
    """Broker timestamp (epoch seconds) and value of each post's verdict, once ``expected`` posts have one."""
    deadline = time.monotonic() + timeout
    while True:
        records: dict[str, tuple[float, bytes]] = {}
        async with TopicReader(settings, settings.topic_verdicts) as reader:
            async for chunk in reader.chunks(idle_seconds=1.0):
                records.update((r.key.decode(), (r.timestamp / 1000, r.value)) for r in chunk if r.key)
        if len(records) >= expected:
            return records
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(records)} of {expected} verdicts within {timeout:.0f} s")
        await asyncio.sleep(2.0)


def scoring_settings(base: Settings, broker_url: str, **update: object) -> Settings:
    """Topics, group and Redis keys of their own, every post accepted and none audited: no teacher
    runs in these benchmarks, so an escalated or audited post would wait for one."""
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    return isolated(base, tag, broker_url).model_copy(
        update={"accept_threshold": 0.0, "audit_share": 0.0, "audit_warmup_share": 0.0, "metrics_port": -1, **update}
    )


@contextmanager
def running_workers(settings: Settings, count: int, log: IO[bytes] | int) -> Iterator[list[int]]:
    """``count`` worker processes on ``settings``, each holding partitions before this yields their
    pids; stopped afterwards and their Redis keys removed."""
    asyncio.run(ensure_topics(settings))
    workers = [
        subprocess.Popen(
            worker_command("worker"),
            env={**os.environ, **settings_env(settings), "HF_HUB_OFFLINE": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(count)
    ]
    try:
        wait_assigned(settings, count, timeout=120)
        yield [worker.pid for worker in workers]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        client = redis.Redis.from_url(settings.redis_url)
        for key in client.scan_iter(f"{Keys(settings.redis_prefix).prefix}:*", count=1000):
            client.delete(key)
        client.close()


def wait_assigned(settings: Settings, workers: int, timeout: float) -> None:
    """Until every worker holds partitions: start-up and the group join stay out of the measurement."""
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            lines = client.hvals(Keys(settings.redis_prefix).stats_workers)
            holding = sum(
                any(p.startswith(settings.topic_posts) for p in json.loads(line)["partitions"]) for line in lines
            )
            if holding >= workers:
                return
            time.sleep(0.5)
    finally:
        client.close()
    raise SystemExit(f"fewer than {workers} worker(s) held a partition within {timeout:.0f} s")


def latency_at(settings: Settings, posts: list[Post], rate: float, expected: int) -> list[float]:
    """Produce → verdict milliseconds of ``posts`` published at ``rate``, sorted."""
    sent = asyncio.run(publish(settings, posts, rate))
    verdicts = asyncio.run(verdict_records(settings, expected, timeout=300))
    return sorted((verdicts[post_id][0] - at) * 1000 for post_id, at in sent.items())


WINDOWS = 3
"""Pairs of latency windows, idle and beside training in turns."""


def paired_latencies(
    settings: Settings, trainer: subprocess.Popen[bytes], texts: list[str], rate: float
) -> tuple[list[float], list[float], list[tuple[float, float]]]:
    """Produce → verdict milliseconds with the training process frozen and running in turns, pooled
    per side, and each pair's p95s."""
    idle: list[float] = []
    busy: list[float] = []
    pairs: list[tuple[float, float]] = []
    size = max(1, len(texts) // WINDOWS)
    done = 0
    for window in range(WINDOWS):
        chunk = texts[window * size : (window + 1) * size]
        p95s = []
        for running, into in ((False, idle), (True, busy)):
            os.kill(trainer.pid, signal.SIGCONT if running else signal.SIGSTOP)
            done += len(chunk)
            measured = latency_at(settings, posts_of(chunk, f"{'busy' if running else 'idle'}{window}"), rate, done)
            into.extend(measured)
            p95s.append(percentile(measured, 95))
        pairs.append((p95s[0], p95s[1]))
    return idle, busy, pairs


def train_until_stopped(settings: Settings, examples: Sequence[Example]) -> None:
    """Training as a round does it (the serving model, niced, ``SENTIMON_TRAIN_THREADS``), until killed.

    Run in a process of its own, as the trainer role is: in this process it would hold the GIL
    against the publisher and measure Python's lock instead of the cores. What it learns is
    thrown away.
    """
    lower_priority(settings.train_nice, settings.train_idle_class)
    registry = Registry.of(settings)
    version = registry.current()
    assert version is not None, "serving_student registered one"
    start = start_from_version(registry, version, settings.aspects, settings.seed)
    encoder = TextEncoder.from_file(start.tokenizer_file, settings.max_seq_len)
    config = TrainConfig.of(settings, epochs=100, progress=False)
    Trainer(start.model, encoder, config).train(list(examples), [])


def trainer_process(settings: Settings, seed: int) -> subprocess.Popen[bytes]:
    code = (
        "from bench.common import TWEETEVAL, tweeteval_test; from bench.stream_e2e import train_until_stopped;"
        f" from sentimon.settings import Settings; train_until_stopped(Settings(), tweeteval_test(TWEETEVAL, 2000, {seed}))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **settings_env(settings), "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def end_to_end_rate(settings: Settings, posts: list[Post], meter: proc_cpu.CpuMeter | None = None) -> float:
    """Posts per second from the first post sent to the last verdict; ``meter`` counts the CPU
    used until the workers have taken every post (reading the verdicts back is left out)."""
    if meter is not None:
        meter.start()
    sent = asyncio.run(publish(settings, posts))
    wait_processed(settings, len(posts), timeout=900)
    if meter is not None:
        meter.stop()
    verdicts = asyncio.run(verdict_records(settings, len(posts), timeout=60))
    return len(posts) / (max(verdicts[p.id][0] for p in posts) - min(sent.values()))


def print_cpu(cpu: dict[Config, list[dict[str, float]]], alone_cpu: dict[int, float], alone_rate: float) -> None:
    """CPU milliseconds per post by process group (medians over rounds) for each configuration, next to
    the student alone at its batch size, and what the machine's cores allow per post at the 0.9 goal
    (for the first configuration's student-alone rate)."""
    configs = list(cpu)
    medians = {
        config: {group: statistics.median(r[group] for r in rounds) for group in proc_cpu.GROUPS}
        for config, rounds in cpu.items()
    }
    print(
        "\nCPU ms per post while the posts flowed flat out (medians; Linux /proc, all threads; d = depth, b = batch):"
    )
    print(f"{'':38}" + "".join(f"{c.label():>10}" for c in configs))
    print(f"{'student alone (this process)':38}" + "".join(f"{alone_cpu[c.batch_size]:10.3f}" for c in configs))
    for group in proc_cpu.GROUPS:
        print(f"{group:38}" + "".join(f"{medians[c][group]:10.3f}" for c in configs))
        if group == proc_cpu.WORKERS:
            beyond = "".join(f"{medians[c][group] - alone_cpu[c.batch_size]:10.3f}" for c in configs)
            print(f"{'  beyond the student alone':38}{beyond}")
    print(f"{'total':38}" + "".join(f"{sum(medians[c].values()):10.3f}" for c in configs))
    cores = len(os.sched_getaffinity(0))
    print(
        f"at 0.9 x the student alone ({0.9 * alone_rate:.0f} posts/s, batch {configs[0].batch_size}) the {cores}"
        f" cores allow {cores * 1000 / (0.9 * alone_rate):.3f} ms per post in all\n",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000, help="Posts per round, for each side.")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds; the medians are compared.")
    parser.add_argument("--latency-seconds", type=float, default=20.0, help="How long posts flow at half capacity.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-round", action="store_true", help="Skip the latency while a round trains.")
    parser.add_argument(
        "--workers", type=int, default=1, help="Worker processes sharing the posts' partitions (capacity of N)."
    )
    parser.add_argument(
        "--depths",
        type=int,
        nargs="+",
        help="SENTIMON_PIPELINE_DEPTH values whose capacity is measured side by side, each round (default: the"
        " setting's); the latencies are measured with the first.",
    )
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        help="SENTIMON_BATCH_SIZE values measured side by side the same way, each against the student alone at"
        " that batch size (default: the setting's); the latencies are measured with the first.",
    )
    args = parser.parse_args()

    base = Settings()
    configs = [
        Config(depth, batch)
        for depth in args.depths or [base.pipeline_depth]
        for batch in args.batch_sizes or [base.batch_size]
    ]
    batch_sizes = list(dict.fromkeys(c.batch_size for c in configs))
    texts = bench_texts(base, args.posts * args.rounds, args.seed)
    runtime = serving_student(base)
    runtime.predict(texts[: base.batch_size])  # warm-up: first calls allocate
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log_path = OUT_DIR / "stream_e2e_worker.log"
    log_path.unlink(missing_ok=True)
    with Broker() as broker, log_path.open("ab") as log:
        alone: dict[int, list[float]] = {batch: [] for batch in batch_sizes}
        alone_cpu: dict[int, list[float]] = {batch: [] for batch in batch_sizes}
        e2e: dict[Config, list[float]] = {config: [] for config in configs}
        cpu: dict[Config, list[dict[str, float]]] = {config: [] for config in configs}
        for r in range(args.rounds):
            chunk = texts[r * args.posts : (r + 1) * args.posts]
            for batch in batch_sizes:
                cpu_before = time.process_time()
                alone[batch].append(student_rate(runtime, chunk, batch))
                alone_cpu[batch].append((time.process_time() - cpu_before) * 1000 / len(chunk))
            rates = []
            for config in configs:
                # Workers of their own for every configuration and round: each starts on an empty topic and group.
                settings = scoring_settings(base, broker.url, pipeline_depth=config.depth, batch_size=config.batch_size)
                with running_workers(settings, args.workers, log) as pids:
                    meter = proc_cpu.CpuMeter(pids) if proc_cpu.available() else None
                    e2e[config].append(end_to_end_rate(settings, posts_of(chunk, f"cap{r}"), meter))
                if meter is not None:
                    cpu[config].append({group: 1000 * s / len(chunk) for group, s in meter.used.items()})
                rates.append(f"{config.label()} {e2e[config][-1]:6.1f}")
            alone_rates = ", ".join(f"b{batch} {alone[batch][-1]:6.1f}" for batch in batch_sizes)
            print(
                f"round {r + 1}: student alone {alone_rates} posts/s, end to end ({args.workers} worker(s))"
                f" {', '.join(rates)} posts/s",
                flush=True,
            )
        for config in configs:
            own = statistics.median(alone[config.batch_size])
            ratio = statistics.median(e2e[config]) / own
            print(
                f"student alone {own:6.1f} posts/s, end to end at depth {config.depth}"
                f" {statistics.median(e2e[config]):6.1f} posts/s (medians, batch {config.batch_size}):"
                f" ratio {ratio:.2f} (goal >= 0.9)",
                flush=True,
            )
        if all(cpu.values()):
            print_cpu(
                cpu,
                {batch: statistics.median(values) for batch, values in alone_cpu.items()},
                statistics.median(alone[configs[0].batch_size]),
            )
        first = configs[0]
        settings = scoring_settings(base, broker.url, pipeline_depth=first.depth, batch_size=first.batch_size)
        with running_workers(settings, args.workers, log):
            rate = statistics.median(e2e[first]) / 2
            flowing = bench_texts(base, max(1, int(rate * args.latency_seconds)), args.seed + 1)
            busy: list[float] = []
            if args.no_round:
                idle = latency_at(settings, posts_of(flowing, "lat"), rate, len(flowing))
            else:
                trainer = trainer_process(base, args.seed)
                time.sleep(20.0)  # the model loaded and the first steps taken: a round in full swing
                try:
                    idle, busy, pairs = paired_latencies(settings, trainer, flowing, rate)
                finally:
                    trainer.kill()
                    trainer.wait()
            print(
                f"latency at {rate:.0f}/s ({first.label()}): p50 {percentile(idle, 50):.0f} ms,"
                f" p95 {percentile(idle, 95):.0f} ms, p99 {percentile(idle, 99):.0f} ms ({len(idle)} posts;"
                " goal p95 < 100 ms)",
                flush=True,
            )
            if busy:
                ratio = percentile(busy, 95) / percentile(idle, 95)
                turns = ", ".join(f"{i:.0f} / {b:.0f}" for i, b in pairs)
                print(
                    f"latency at {rate:.0f}/s while a round trains: p50 {percentile(busy, 50):.0f} ms,"
                    f" p95 {percentile(busy, 95):.0f} ms, p99 {percentile(busy, 99):.0f} ms;"
                    f" p95 {ratio:.2f}x idle (goal <= 2x); p95 idle / training in each turn: {turns} ms",
                    flush=True,
                )


if __name__ == "__main__":
    main()

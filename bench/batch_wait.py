"""How long a micro-batch should wait to fill: produce → verdict latency by ``SENTIMON_BATCH_WITHIN``.

For each wait, a fresh ``sentimon worker`` (the serving student, every post accepted, no audits)
on one embedded Tansu and the configured Redis takes posts published at a steady rate; the waits
take turns over ``--rounds`` so that a machine whose speed drifts slows them alike. Latency is
split where the verdict says the worker first saw the post (``latency_ms``): the part inside the
worker (scoring, ledger, publishing) and the rest (producer, broker, fetch, the batch's wait).

Faust's ``take_events`` flushes a micro-batch when it is full or when the wait runs out, counted
from the end of the previous batch, so at moderate traffic a post waits for the batch before it,
the full wait, then its own batch: a longer wait also makes batches larger and slower to score.
Under a backlog batches fill at once and the wait does not matter.

    python -m bench.batch_wait [--rate 100] [--seconds 15] [--within 0.02 0.01 0.005 0.002] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import uuid

import redis

from bench.stream_e2e import bench_texts, percentile, posts_of, publish, wait_assigned
from sentimon.records import Post
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.broker import Broker
from stream.rebuild import TopicReader
from stream.topics import ensure_topics, isolated
from stream.worker import settings_env, worker_command


async def verdict_latencies(settings: Settings, posts: list[Post], sent: dict[str, float]) -> list[tuple[float, float]]:
    """(produce → verdict ms, inside-the-worker ms) per post, once every post has its verdict."""
    wanted = {p.id for p in posts}
    found: dict[str, tuple[float, float]] = {}
    for _ in range(120):
        async with TopicReader(settings, settings.topic_verdicts) as reader:
            async for chunk in reader.chunks(idle_seconds=1.0):
                for record in chunk:
                    post_id = record.key.decode() if record.key else ""
                    if post_id in wanted:
                        total = record.timestamp - sent[post_id] * 1000
                        found[post_id] = (total, float(json.loads(record.value)["latency_ms"]))
        if len(found) == len(wanted):
            return list(found.values())
        await asyncio.sleep(1.0)
    raise SystemExit(f"only {len(found)} of {len(wanted)} verdicts arrived")


def measure(base: Settings, broker_url: str, within: float, texts: list[str], rate: float) -> list[tuple[float, float]]:
    """One worker with this wait, ``texts`` published at ``rate``; its topics and keys removed after."""
    tag = f"wait-{uuid.uuid4().hex[:8]}"
    settings = isolated(base, tag, broker_url).model_copy(
        update={
            "accept_threshold": 0.0,
            "audit_share": 0.0,
            "audit_warmup_share": 0.0,
            "metrics_port": -1,
            "batch_within": within,
        }
    )
    asyncio.run(ensure_topics(settings))
    worker = subprocess.Popen(
        worker_command("worker"),
        env={**os.environ, **settings_env(settings), "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_assigned(settings, 1, timeout=120)
        asyncio.run(publish(settings, posts_of(texts[:50], "warm"), rate))  # first batches allocate
        posts = posts_of(texts, "lat")
        sent = asyncio.run(publish(settings, posts, rate))
        return asyncio.run(verdict_latencies(settings, posts, sent))
    finally:
        worker.terminate()
        worker.wait(30)
        client = redis.Redis.from_url(settings.redis_url)
        for key in client.scan_iter(f"{Keys(tag).prefix}:*", count=1000):
            client.delete(key)
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="Posts per second (about half a worker's capacity).")
    parser.add_argument("--seconds", type=float, default=15.0, help="How long posts flow per measurement.")
    parser.add_argument("--within", type=float, nargs="+", default=[0.02, 0.01, 0.005, 0.002], help="Waits (s).")
    parser.add_argument("--rounds", type=int, default=2, help="Turns each wait takes; their posts are pooled.")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    base = Settings()
    texts = bench_texts(base, int(args.rate * args.seconds), args.seed)
    results: dict[float, list[tuple[float, float]]] = {w: [] for w in args.within}
    with Broker() as broker:
        for _ in range(args.rounds):
            for within in args.within:
                results[within] += measure(base, broker.url, within, texts, args.rate)
    print(f"\nProduce → verdict latency at {args.rate:.0f} posts/s by micro-batch wait ({args.rounds} turns each)")
    print(f"{'wait (ms)':>9} {'p50':>7} {'p95':>7} {'p99':>7} {'in worker p50':>14} {'p95':>7} {'posts':>6}")
    for within, pairs in results.items():
        total = sorted(t for t, _ in pairs)
        inside = sorted(w for _, w in pairs)
        print(
            f"{within * 1000:>9.0f} {percentile(total, 50):>7.0f} {percentile(total, 95):>7.0f}"
            f" {percentile(total, 99):>7.0f} {percentile(inside, 50):>14.0f} {percentile(inside, 95):>7.0f}"
            f" {len(pairs):>6}"
        )
    print(f"\ngoal p95 < 100 ms; SENTIMON_BATCH_WITHIN now {base.batch_within * 1000:.0f} ms")


if __name__ == "__main__":
    main()

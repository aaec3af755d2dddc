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
import subprocess

from bench.stream_e2e import (
    bench_texts,
    percentile,
    posts_of,
    publish,
    running_workers,
    scoring_settings,
    verdict_records,
)
from sentimon.settings import Settings
from stream.broker import Broker


def measure(base: Settings, broker_url: str, within: float, texts: list[str], rate: float) -> list[tuple[float, float]]:
    """(produce → verdict ms, inside-the-worker ms) per post of ``texts`` published at ``rate`` to a
    worker with this wait, on topics and Redis keys of its own."""
    settings = scoring_settings(base, broker_url, batch_within=within)
    with running_workers(settings, 1, subprocess.DEVNULL):
        warm = posts_of(texts[:50], "warm")  # first batches allocate
        asyncio.run(publish(settings, warm, rate))
        posts = posts_of(texts, "lat")
        sent = asyncio.run(publish(settings, posts, rate))
        verdicts = asyncio.run(verdict_records(settings, len(warm) + len(posts), timeout=120))
    return [
        ((verdicts[p.id][0] - sent[p.id]) * 1000, float(json.loads(verdicts[p.id][1])["latency_ms"])) for p in posts
    ]


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

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

``--fetch-wait`` adds the broker fetch wait (``SENTIMON_FETCH_MAX_WAIT_MS``) as a second dimension:
Tansu holds every fetch for its full wait, so a shorter one answers sooner but fetches more often,
and that CPU is taken from scoring.

    python -m bench.batch_wait [--rate 100] [--seconds 15] [--within 0.02 0.01 0.005 0.002]
        [--fetch-wait 25] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess

from bench.common import percentile
from bench.stream_e2e import (
    bench_texts,
    posts_of,
    publish,
    running_workers,
    scoring_settings,
    verdict_records,
)
from distill.bootstrap import ensure_default_student
from sentimon.settings import Settings
from stream.broker import Broker


def measure(
    base: Settings, broker_url: str, within: float, fetch_wait_ms: int, texts: list[str], rate: float
) -> list[tuple[float, float]]:
    """(produce → verdict ms, inside-the-worker ms) per post of ``texts`` published at ``rate`` to a
    worker with these waits, on topics and Redis keys of its own."""
    settings = scoring_settings(base, broker_url, batch_within=within, fetch_max_wait_ms=fetch_wait_ms)
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
    base = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="Posts per second (about half a worker's capacity).")
    parser.add_argument("--seconds", type=float, default=15.0, help="How long posts flow per measurement.")
    parser.add_argument("--within", type=float, nargs="+", default=[0.02, 0.01, 0.005, 0.002], help="Waits (s).")
    parser.add_argument(
        "--fetch-wait", type=int, nargs="+", default=[base.fetch_max_wait_ms], help="Broker fetch waits (ms)."
    )
    parser.add_argument("--rounds", type=int, default=2, help="Turns each pair of waits takes; their posts are pooled.")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    ensure_default_student(base)  # the workers serve the registry's current student
    texts = bench_texts(base, int(args.rate * args.seconds), args.seed)
    pairs = [(within, fetch) for fetch in args.fetch_wait for within in args.within]
    results: dict[tuple[float, int], list[tuple[float, float]]] = {pair: [] for pair in pairs}
    with Broker() as broker:
        for _ in range(args.rounds):
            for within, fetch in pairs:
                results[within, fetch] += measure(base, broker.url, within, fetch, texts, args.rate)
    print(
        f"\nProduce → verdict latency at {args.rate:.0f} posts/s by micro-batch and fetch wait ({args.rounds} turns each)"
    )
    print(
        f"{'batch wait (ms)':>15} {'fetch wait (ms)':>15} {'p50':>7} {'p95':>7} {'p99':>7}"
        f" {'in worker p50':>14} {'p95':>7} {'posts':>6}"
    )
    for (within, fetch), measured in results.items():
        total = sorted(t for t, _ in measured)
        inside = sorted(w for _, w in measured)
        print(
            f"{within * 1000:>15.0f} {fetch:>15} {percentile(total, 50):>7.0f} {percentile(total, 95):>7.0f}"
            f" {percentile(total, 99):>7.0f} {percentile(inside, 50):>14.0f} {percentile(inside, 95):>7.0f}"
            f" {len(measured):>6}"
        )
    print(
        f"\ngoal p95 < 100 ms; SENTIMON_BATCH_WITHIN now {base.batch_within * 1000:.0f} ms,"
        f" SENTIMON_FETCH_MAX_WAIT_MS {base.fetch_max_wait_ms} ms"
    )


if __name__ == "__main__":
    main()

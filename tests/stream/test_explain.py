"""Alert explanations on a planted spike, through the real aggregator and Redis, and the statistic alone."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest

from sentimon.records import Verdict
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from stream.aggregates import Aggregator
from stream.explain import brand_words, log_odds, terms
from tests.stream.aggregate_support import T0, async_client, verdict

MINUTE = timedelta(minutes=1)
CALM = [
    "Acme support sorted my refund quickly, thanks",
    "the new Acme app update looks clean",
    "price went up a bit but still fair",
    "staff at the Acme store were friendly today",
    "ordered a jacket from Acme, quality is fine",
    "anyone tried the acme loyalty card yet?",
    "acme checkout took a while this morning",
    "good value for money honestly",
]
SPIKE = [
    "Acme parcel never arrived, delivery late again",
    "third week waiting, acme delivery is late and the courier lies",
    "where is my parcel?? delivery late for the fifth time",
    "late delivery again from acme, parcel stuck in the depot",
]


def post(post_id: str, minute: int, second: float, text: str, polarity: str, **extra: object) -> Verdict:
    base = verdict(post_id, T0 + minute * MINUTE + timedelta(seconds=second), polarity=polarity, **extra)  # type: ignore[arg-type]
    return base.model_copy(update={"text": text})


def traffic() -> tuple[list[Verdict], list[Verdict]]:
    """Ten calm minutes of varied posts, then a minute where most posts complain about late parcels."""
    rng = random.Random(3)
    calm = [
        post(
            f"c{k}-{i}",
            k,
            i * 2,
            rng.choice(CALM),
            "negative" if i % 6 == 0 else "positive",
            emotions=["joy"] if i % 2 else [],
            aspects=[(rng.choice(["price", "app", "staff"]), "positive")],
        )
        for k in range(10)
        for i in range(25)
    ]
    spike = [
        post(
            f"s-{i}",
            10,
            i * 1.5,
            SPIKE[i % len(SPIKE)] if i % 5 else rng.choice(CALM),
            "negative" if i % 5 else "positive",
            emotions=["anger"] if i % 5 else ["joy"],
            aspects=[("delivery", "negative")] if i % 5 else [("price", "positive")],
            decided_by="teacher" if i % 4 == 0 else "student",
        )
        for i in range(30)
    ]
    return calm, spike


async def test_planted_spike_is_explained_by_its_aspect_emotion_and_words(settings: Settings, keys: Keys) -> None:
    quick = settings.model_copy(update={"alert_baseline_windows": 8, "alert_min_volume": 20, "windows": ["1m"]})
    client = async_client()
    aggregator = Aggregator(client, keys, quick)
    calm, spike = traffic()
    assert await aggregator.apply(calm) == []
    raised = await aggregator.apply(spike)
    await client.aclose()

    shares = [a for a in raised if a.kind == "negative_share"]
    assert len(shares) == 1
    why = shares[0].explanation
    assert why is not None
    assert why.aspects[0].item == "delivery (negative)"
    assert why.aspects[0].count == 24 and why.aspects[0].baseline_count == 0
    assert why.emotions[0].item == "anger"
    top = [t.item for t in why.terms[:4]]
    assert {"delivery", "late", "parcel"} <= set(top), top
    listed = {t.item for t in why.terms}
    assert not listed & {"acme", "the", "is", "again"}, listed
    assert all(t.lift > 1 and t.count >= 2 for t in why.terms)
    assert why.teacher_share == pytest.approx(sum(v.decided_by == "teacher" for v in spike) / len(spike))
    assert 3 <= len(why.posts) <= 5
    assert len({p.text for p in why.posts}) == len(why.posts)
    assert all(p.post_id.startswith("s-") for p in why.posts)
    negatives = {v.post_id for v in spike if v.polarity == "negative"}
    assert {p.post_id for p in why.posts} <= negatives  # the typical complaints, not the calm posts around them


def test_rare_terms_do_not_outrank_frequent_over_represented_ones() -> None:
    """A word in 2 of 20 window posts and never before is less telling than one in 15 of 20 posts."""
    window = Counter({"outage": 15, "zebra": 2, "app": 10})
    baseline = Counter({"app": 200, "outage": 3, "price": 150})
    ranked = [item for item, _ in log_odds(window, baseline, 20, 400)]
    assert ranked[0] == "outage"
    assert ranked.index("zebra") > ranked.index("outage")


def test_terms_drop_stop_words_links_and_the_brand() -> None:
    drop = brand_words("Acme Corp")
    found = terms("The AcmeCorp app crashed again https://x.y/z @acme_help #outage", drop)
    assert found == {"app", "crashed", "#outage", "app crashed", "crashed #outage"}

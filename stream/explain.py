"""Why an alert fired: what is over-represented in its window against the brand's own baseline.

Computed once, when the alert fires, and stored in the alert, so that the explanation an operator
reads later (or a webhook receiver gets) is what the data said at that moment.

**The statistic.** Raw ratios of frequencies put words seen once or twice on top: a word in 1 of 20
window posts and 0 of 400 baseline posts has an "infinite" lift. Instead every item (term, aspect,
emotion) is scored with the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi
and Quinn (2008, "Fightin' Words", §3.5.1), applied to presence in posts: with ``y_w`` the window's
posts that have item ``w`` out of its ``n`` posts, ``b_w``/``m`` the same for the baseline, and a
prior ``a_w = a0 · (y_w + b_w) / (n + m)`` (``a0`` = ``PRIOR_WEIGHT`` pseudo-posts) that shrinks
every estimate toward the item's pooled rate::

    δ_w = log((y_w + a_w) / (n + a0 − y_w − a_w)) − log((b_w + a_w) / (m + a0 − b_w − a_w))
    z_w = δ_w / sqrt(1 / (y_w + a_w) + 1 / (b_w + a_w))

Items are ranked by ``z_w``: an item must be both much more frequent *and* frequent enough for the
difference to be more than noise. ``lift`` (the smoothed ratio of shares) and ``count`` are reported
next to it because they are what an operator reads.

Counts are of posts, not occurrences (a word repeated ten times in one post counts once), so one
long rant cannot dominate. Terms are lower-cased words and bigrams of adjacent words, with stop
words, the brand's own name, links, mentions and numbers left out: they say nothing about *why*.

**Representative posts** are the window posts closest (cosine) to the TF-IDF centroid of the
window's driving posts (the negative ones for a negative-share alert), one per distinct text: the
most typical complaints, not the newest ones.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from sentimon.records import Explanation, Lift, RepresentativePost, Verdict
from sentimon.redis_layout import VOLUME, asp_field, decided_field, emo_field

PRIOR_WEIGHT = 10.0
"""a0 of the prior: how many pseudo-posts of pooled frequency each side starts with."""
REPRESENTATIVE_POSTS = 5
MIN_COUNT = 2
"""An item in fewer window posts than this is not listed: one post is an anecdote, not a cause."""
TEXT_CHARS = 280
EMOTION_PREFIX = emo_field("")
ASPECT_PREFIX = asp_field("", "")[:-1]  # "asp:": the aspect and polarity follow

_TOKEN = re.compile(r"[#]?[^\W\d_][\w'’-]*", re.UNICODE)
_LINK = re.compile(r"https?://\S+|www\.\S+|@\w+")
_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
    each few for from further get got had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
    just let's me more most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own really rt same shan't she she'd she'll she's should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up us very via was wasn't we we'd we'll we're we've were weren't what
    what's when when's where where's which while who who's whom why why's will with won't would wouldn't you
    you'd you'll you're you've your yours yourself yourselves im dont cant ive its amp
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def words(text: str, drop: frozenset[str]) -> list[str]:
    """Lower-cased content words in order; stop words and ``drop`` (the brand's own words) left out."""
    tokens = (t.strip("'’-").replace("’", "'") for t in _TOKEN.findall(_LINK.sub(" ", text.lower())))
    return [t for t in tokens if len(t) > 1 and t not in STOP_WORDS and t.lstrip("#") not in drop]


def terms(text: str, drop: frozenset[str]) -> set[str]:
    """The post's words and bigrams of adjacent content words, each once."""
    found = words(text, drop)
    return set(found) | {f"{a} {b}" for a, b in itertools.pairwise(found)}


def brand_words(brand: str) -> frozenset[str]:
    """Every word of a brand's name, and the name squashed (``Acme Corp`` drops acme, corp, acmecorp)."""
    parts = [t.strip("'’-") for t in _TOKEN.findall(brand.lower())]
    return frozenset([*parts, "".join(parts)])


def log_odds(window: Mapping[str, int], baseline: Mapping[str, int], n: int, m: int) -> list[tuple[str, float]]:
    """(item, z) of every item of the window, highest z first; ``n``/``m`` are the posts of each side."""
    pooled = n + m
    scored = []
    for item, y in window.items():
        b = baseline.get(item, 0)
        prior = PRIOR_WEIGHT * (y + b) / pooled
        rest_window, rest_baseline = n + PRIOR_WEIGHT - y - prior, m + PRIOR_WEIGHT - b - prior
        if rest_window <= 0 or rest_baseline <= 0:
            continue  # in every post of both sides: nothing to be over-represented against
        delta = math.log((y + prior) / rest_window) - math.log((b + prior) / rest_baseline)
        scored.append((item, delta / math.sqrt(1 / (y + prior) + 1 / (b + prior))))
    scored.sort(key=lambda entry: (-entry[1], entry[0]))
    return scored


def top_lifts(window: Counter[str], baseline: Counter[str], posts: int, base_posts: int, limit: int) -> list[Lift]:
    """The ``limit`` most over-represented items seen in at least ``MIN_COUNT`` window posts.

    ``lift`` is the item's share of posts in the window over its share in the baseline, each with half
    a post added so that an item absent from the baseline has a finite lift.
    """
    listed = [
        Lift(
            item=item,
            count=window[item],
            baseline_count=baseline[item],
            lift=round(((window[item] + 0.5) / (posts + 1)) / ((baseline[item] + 0.5) / (base_posts + 1)), 3),
            z=round(z, 3),
        )
        for item, z in log_odds(window, baseline, posts, base_posts)
        if window[item] >= MIN_COUNT and z > 0
    ]
    return listed[:limit]


def representative(verdicts: Sequence[Verdict], drop: frozenset[str], count: int) -> list[RepresentativePost]:
    """Posts nearest the TF-IDF centroid of ``verdicts``, one per distinct text."""
    docs = [Counter(words(v.text, drop)) for v in verdicts]
    df = Counter(term for doc in docs for term in doc)
    total = len(docs)
    vectors = []
    for doc in docs:
        vector = {t: (1 + math.log(c)) * math.log((1 + total) / (1 + df[t])) + 1e-9 for t, c in doc.items()}
        norm = math.sqrt(sum(x * x for x in vector.values())) or 1.0
        vectors.append({t: x / norm for t, x in vector.items()})
    centroid: Counter[str] = Counter()
    for vector in vectors:
        centroid.update(vector)
    ranked = sorted(
        range(total),
        key=lambda i: (-sum(x * centroid[t] for t, x in vectors[i].items()), verdicts[i].post_id),
    )
    chosen: dict[str, RepresentativePost] = {}
    for i in ranked:
        text = " ".join(verdicts[i].text.split()).lower()
        if text not in chosen:
            chosen[text] = RepresentativePost(post_id=verdicts[i].post_id, text=verdicts[i].text[:TEXT_CHARS])
        if len(chosen) == count:
            break
    return list(chosen.values())


def explain(
    brand: str,
    driving: Sequence[Verdict],
    window_posts: Sequence[Verdict],
    baseline_posts: Sequence[Verdict],
    window_fields: Mapping[str, int],
    baseline_fields: Mapping[str, int],
    limit: int,
) -> Explanation:
    """The explanation of one alert.

    ``driving`` are the posts that made the spike (the window's negatives, or all of them for a volume
    spike); ``window_posts``/``baseline_posts`` are the kept posts of the window and of the baseline
    windows (terms need the text, which only the recent list holds); ``window_fields``/``baseline_fields``
    are aggregate counters (``emo:<group>``, ``asp:<aspect>:<polarity>``, ``volume``, ``decided:teacher``),
    exact over every post even when the recent list has rotated.
    """
    drop = brand_words(brand)
    window_terms = Counter(t for v in driving for t in terms(v.text, drop))
    baseline_terms = Counter(t for v in baseline_posts for t in terms(v.text, drop))
    volume, base_volume = window_fields.get(VOLUME, 0), baseline_fields.get(VOLUME, 0)
    return Explanation(
        terms=top_lifts(window_terms, baseline_terms, len(driving), len(baseline_posts), limit),
        aspects=top_lifts(
            *_prefixed(window_fields, baseline_fields, ASPECT_PREFIX, _aspect_name), volume, base_volume, limit
        ),
        emotions=top_lifts(*_prefixed(window_fields, baseline_fields, EMOTION_PREFIX, str), volume, base_volume, limit),
        teacher_share=window_fields.get(decided_field("teacher"), 0) / volume if volume else None,
        posts=representative(driving or window_posts, drop, REPRESENTATIVE_POSTS),
        window_posts=len(driving),
        baseline_posts=len(baseline_posts),
    )


def _aspect_name(rest: str) -> str:
    aspect, _, polarity = rest.rpartition(":")
    return f"{aspect} ({polarity})"


def _prefixed(
    window: Mapping[str, int], baseline: Mapping[str, int], prefix: str, name: Callable[[str], str]
) -> tuple[Counter[str], Counter[str]]:
    """The counters under ``prefix`` of both sides, renamed for reading."""

    def pick(fields: Mapping[str, int]) -> Counter[str]:
        return Counter({name(k[len(prefix) :]): v for k, v in fields.items() if k.startswith(prefix) and v > 0})

    return pick(window), pick(baseline)


def field_totals(hashes: Iterable[Mapping[str, str | bytes]]) -> Counter[str]:
    """Sum of several aggregate hashes' integer counters (``score_sum`` and other floats left out)."""
    summed: Counter[str] = Counter()
    for fields in hashes:
        for key, value in fields.items():
            name = key.decode() if isinstance(key, bytes) else key
            text = value.decode() if isinstance(value, bytes) else value
            if text.lstrip("-").isdigit():
                summed[name] += int(text)
    return summed

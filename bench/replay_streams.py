"""Labeled streams with real drift, for :mod:`bench.stream_replay`, built from ``../shared/data``.

* ``semeval``: the SemEval-2017 train pool (tweets from 2013 to 2016) in the order its source files
  were published, so topics, slang and class mix move as the years do.
* ``domain``: a domain shift in three equal legs: tweets (TweetEval's test split), then Reddit
  comments (GoEmotions' test split, mapped to polarity by the paper's sentiment groups), then film
  reviews (SST-5's test split, very negative/negative → negative, neutral, positive/very positive →
  positive).
* ``crisis``: a prior shift on one domain: TweetEval's test tweets drawn into four phases whose
  polarity mix moves as a brand's does (the test split's own mix, a launch with many positive
  posts, a crisis with many negative ones, a mostly neutral recovery), shuffled within a phase.
* ``reviews``: one new domain whose class mix the student was never trained on: SST-2's test and
  dev sentences from film reviews, in file order, binary (negative or positive, no neutral at all),
  so the student's every neutral answer is wrong and the stream's own labels are learnable (its
  in-domain ceiling is the highest of the streams).
* ``products``: product and service reviews, the nearest of the shared data to what a brand hears
  about itself: SemEval-2014 ABSA restaurant test sentences, then laptop train and test sentences,
  each labelled with the one polarity all its annotated aspects share (sentences without aspect
  annotations, or with conflicting ones, are left out). The default student saw restaurant *train*
  sentences for its aspect head only, never these and never their polarity.

Which student may judge which stream: the shipped default student was trained on the SemEval-2017
pool (and GoEmotions train, TweetEval val for selection), so only streams of texts it never saw
(:data:`UNSEEN_BY_DEFAULT`: test splits, and the ABSA sentences of ``products``) judge it; ``semeval``
judges the seed-only student.

A short run keeps every k-th post rather than the first n, so even a few thousand posts span the
whole drift.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from distill.data import Example, read_tweeteval, read_tweeteval_pool
from sentimon.labels import POLARITIES

STREAMS = ("semeval", "domain", "crisis", "reviews", "products")
# Streams of texts the shipped default student never trained or was selected on.
UNSEEN_BY_DEFAULT = ("domain", "crisis", "reviews", "products")
# The crisis stream's phases: (name, share of negative, neutral, positive posts), in POLARITIES order.
_CRISIS_PHASES = (
    ("calm", (0.32, 0.48, 0.20)),
    ("launch", (0.15, 0.35, 0.50)),
    ("crisis", (0.65, 0.25, 0.10)),
    ("recovery", (0.25, 0.60, 0.15)),
)
# GoEmotions' sentiment groups (group/labels.txt order); "ambiguous" carries no polarity.
_GOEMOTIONS_GROUPS = ("ambiguous", "negative", "neutral", "positive")
_SST5_POLARITY = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}
_YEAR = re.compile(r"(\d{4})")


@dataclass(frozen=True, slots=True)
class Post:
    """One post of a replayed stream: its gold label and the leg of the stream it comes from."""

    id: str
    text: str
    polarity: str
    leg: str


def build_stream(name: str, data: Path, posts: int) -> list[Post]:
    """The stream ``name`` cut to about ``posts`` posts (0 = all), in stream order."""
    if name == "semeval":
        full = _semeval(data)
    elif name == "domain":
        full = _domain(data, posts)
    elif name == "crisis":
        full = _crisis(data)
    elif name == "reviews":
        full = _sst2(data / "sst2")
    elif name == "products":
        full = _absa(data / "semeval2014_absa")
    else:
        raise ValueError(f"unknown stream {name!r}; known: {', '.join(STREAMS)}")
    return _every_kth(full, posts)


def _every_kth(stream: list[Post], posts: int) -> list[Post]:
    if posts <= 0 or posts >= len(stream):
        return stream
    step = len(stream) / posts
    return [stream[int(i * step)] for i in range(posts)]


def _semeval(data: Path) -> list[Post]:
    path = data / "tweeteval_sentiment" / "train_semeval2017_pool.tsv"
    examples = read_tweeteval_pool(path)
    sources = [line.rsplit("\t", 1)[-1] for line in path.read_text(encoding="utf-8").splitlines()[1:] if line]
    if len(sources) != len(examples):
        raise ValueError(f"{path}: {len(examples)} examples but {len(sources)} source files")
    order = sorted(range(len(examples)), key=lambda i: (_year(sources[i]), i))  # stable within a year
    return [
        Post(f"semeval-{i}", examples[i].text, str(examples[i].polarity), sources[i].removesuffix(".tsv"))
        for i in order
    ]


def _year(source: str) -> int:
    found = _YEAR.search(source)
    return int(found.group(1)) if found else 0


def _domain(data: Path, posts: int) -> list[Post]:
    legs = [
        ("tweets", read_tweeteval(data / "tweeteval_sentiment", "test")),
        ("reddit", _goemotions_polarity(data / "goemotions" / "group" / "test.tsv")),
        ("reviews", _sst5_polarity(data / "sst5" / "sst_test.txt")),
    ]
    # Equal legs, as long as the shortest allows (or a third of the requested length each).
    size = min(len(examples) for _, examples in legs)
    if posts > 0:
        size = min(size, -(-posts // len(legs)))
    stream = []
    for leg, examples in legs:
        kept = _every_kth([Post(f"{leg}-{i}", e.text, str(e.polarity), leg) for i, e in enumerate(examples)], size)
        stream.extend(kept)
    return stream


def _crisis(data: Path) -> list[Post]:
    """Equal phases, each as long as the scarcest class allows, drawn without replacement."""
    examples = read_tweeteval(data / "tweeteval_sentiment", "test")
    rng = random.Random(13)
    by_class: dict[str, list[int]] = {p: [] for p in POLARITIES}
    for i, example in enumerate(examples):
        by_class[str(example.polarity)].append(i)
    for indices in by_class.values():
        rng.shuffle(indices)
    need = {p: sum(mix[c] for _, mix in _CRISIS_PHASES) for c, p in enumerate(POLARITIES)}
    length = min(int(len(by_class[p]) / need[p]) for p in POLARITIES if need[p] > 0)
    stream = []
    for phase, mix in _CRISIS_PHASES:
        drawn = [(p, by_class[p].pop()) for c, p in enumerate(POLARITIES) for _ in range(round(length * mix[c]))]
        rng.shuffle(drawn)
        stream.extend(Post(f"crisis-{i}", examples[i].text, polarity, phase) for polarity, i in drawn)
    return stream


def _sst2(directory: Path) -> list[Post]:
    stream = []
    for split in ("test", "dev"):
        lines = (directory / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]
        for i, line in enumerate(lines):
            label, _, text = line.partition("\t")
            if text and label in ("0", "1"):
                stream.append(Post(f"sst2-{split}-{i}", text, "positive" if label == "1" else "negative", "reviews"))
    return stream


def _absa(directory: Path) -> list[Post]:
    stream = []
    for leg, file in (
        ("restaurants", "Restaurants_Test_Gold.xml"),
        ("laptops", "Laptop_Train_v2.xml"),
        ("laptops", "Laptops_Test_Gold.xml"),
    ):
        root = ElementTree.parse(directory / file).getroot()
        for sentence in root.iter("sentence"):
            polarities = {
                tag.get("polarity") for kind in ("aspectTerm", "aspectCategory") for tag in sentence.iter(kind)
            }
            text = sentence.findtext("text", "").strip()
            if text and len(polarities) == 1 and (polarity := polarities.pop()) in POLARITIES:
                stream.append(Post(f"{Path(file).stem}-{sentence.get('id')}", text, str(polarity), leg))
    return stream


def _goemotions_polarity(path: Path) -> list[Example]:
    """Comments whose emotions all fall in one polarity group; ambiguous or mixed ones are left out."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        text, ids = line.split("\t")[:2]
        groups = {_GOEMOTIONS_GROUPS[int(i)] for i in ids.split(",")}
        if len(groups) == 1 and (group := groups.pop()) in POLARITIES:
            examples.append(Example(text=text, polarity=group))
    return examples


def _sst5_polarity(path: Path) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if text and label.startswith("__label__"):
            examples.append(Example(text=text, polarity=_SST5_POLARITY[int(label.removeprefix("__label__"))]))
    return examples

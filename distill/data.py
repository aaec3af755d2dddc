"""Training examples and the readers that produce them.

An :class:`Example` carries only the labels its source actually has: ``None``
means "unknown" (that head is masked out of the loss), while an empty tuple
means "known to be none" (e.g. no aspect mentioned, every aspect is absent).
Readers stop at the first broken row with an error naming file and line,
unless asked to skip, in which case every skipped row is counted and reported.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentimon.labels import GOEMOTIONS, POLARITIES
from sentimon.settings import Settings

SEED_CORPUS = Path(__file__).resolve().parent / "seed" / "seed_corpus.jsonl"
# Share of the seed corpus held out as gold for the promotion gate; never trained on.
SEED_GOLD_FRACTION = 0.2

_POLARITY_ALIASES = {"neg": "negative", "neu": "neutral", "pos": "positive"}
_TWEETEVAL_LABELS = {"0": "negative", "1": "neutral", "2": "positive"}
# SemEval-2014 restaurant categories onto the default deployment aspects; the rest have no counterpart.
SEMEVAL_CATEGORY_MAP: dict[str, str] = {"food": "quality", "service": "service", "price": "price"}


class DataError(ValueError):
    """A training row that cannot be used; the message names file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    context: str | None = None
    polarity: str | None = None
    probs: tuple[float, float, float] | None = None  # teacher's soft polarity, order of POLARITIES
    emotions: tuple[str, ...] | None = None
    aspects: tuple[tuple[str, str], ...] | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ValueError(f"text must be a string, not {type(self.text).__name__}")
        if self.polarity is not None and self.polarity not in POLARITIES:
            raise ValueError(f"unknown polarity {self.polarity!r} (expected one of {', '.join(POLARITIES)})")
        if self.probs is not None:
            probs = tuple(float(p) for p in self.probs)
            if len(probs) != len(POLARITIES) or any(not 0 <= p <= 1 for p in probs) or abs(sum(probs) - 1) > 1e-3:
                raise ValueError(f"probs must be {len(POLARITIES)} probabilities summing to 1, got {self.probs!r}")
            object.__setattr__(self, "probs", probs)
        if self.emotions is not None:
            unknown = [e for e in self.emotions if e not in GOEMOTIONS]
            if unknown:
                raise ValueError(f"unknown emotion(s) {', '.join(map(repr, unknown))}")
            object.__setattr__(self, "emotions", tuple(self.emotions))
        if self.aspects is not None:
            pairs = tuple((str(a), str(p)) for a, p in self.aspects)
            bad = [p for _, p in pairs if p not in POLARITIES]
            if bad:
                raise ValueError(f"unknown aspect polarity {bad[0]!r}")
            object.__setattr__(self, "aspects", pairs)
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"weight must be a positive number, got {self.weight!r}")

    @property
    def hard_polarity(self) -> str | None:
        """The hard label: the given one, else the teacher's most likely class."""
        if self.polarity is not None:
            return self.polarity
        if self.probs is not None:
            return POLARITIES[max(range(len(POLARITIES)), key=self.probs.__getitem__)]
        return None

    def key(self) -> str:
        """Stable identity of the input (not the labels): dedupes, splits and fingerprints use it."""
        return hashlib.sha256(f"{self.text}\x00{self.context or ''}".encode()).hexdigest()


@dataclass
class Loaded:
    """What a reader produced, and what it skipped (with reasons) when asked to skip."""

    examples: list[Example] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def fingerprint(examples: Iterable[Example]) -> str:
    """sha256 over the examples, independent of their order, so the manifest can name the data."""
    lines = sorted(
        json.dumps([e.text, e.context, e.polarity, e.probs, e.emotions, e.aspects, e.weight]) for e in examples
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def parse_label_map(spec: str) -> dict[str, str]:
    """``0=negative,1=neutral,2=positive`` as a mapping (the CLI's --label-map)."""
    mapping = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        raw, sep, polarity = item.partition("=")
        if not sep:
            raise ValueError(f"label map item {item!r} is not raw=polarity")
        mapping[raw.strip()] = polarity.strip()
    return mapping


def parse_polarity(value: object, label_map: Mapping[str, str] | None = None) -> str:
    raw = str(value).strip()
    if label_map:
        if raw not in label_map:
            raise ValueError(f"label {raw!r} is not in the label map ({', '.join(label_map)})")
        raw = label_map[raw]
    polarity = _POLARITY_ALIASES.get(raw.lower(), raw.lower())
    if polarity not in POLARITIES:
        raise ValueError(f"unknown label {raw!r} (expected one of {', '.join(POLARITIES)}, or give a label map)")
    return polarity


def _parse_emotions(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    raise ValueError(f"emotions must be a list or comma-separated text, not {type(value).__name__}")


def _parse_aspects(value: object) -> tuple[tuple[str, str], ...]:
    if isinstance(value, dict):
        return tuple((str(a), str(p)) for a, p in value.items())
    if not isinstance(value, list):
        raise ValueError(f"aspects must be a list, not {type(value).__name__}")
    pairs = []
    for item in value:
        if isinstance(item, dict) and "aspect" in item and "polarity" in item:
            pairs.append((str(item["aspect"]), str(item["polarity"])))
        elif isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((str(item[0]), str(item[1])))
        else:
            raise ValueError(f"aspect entry {item!r} is neither {{aspect, polarity}} nor a pair")
    return tuple(pairs)


def example_from_record(
    row: Mapping[str, Any],
    text_field: str = "text",
    label_field: str = "polarity",
    context_field: str = "context",
    label_map: Mapping[str, str] | None = None,
) -> Example:
    """One JSON object (seed corpus, teacher labels, user data) as an example."""
    text = row.get(text_field)
    if not isinstance(text, str):
        raise ValueError(f"no text in field {text_field!r}")
    label = row.get(label_field)
    context = row.get(context_field)
    probs = row.get("probs")
    if isinstance(probs, dict):
        probs = [probs[p] for p in POLARITIES]
    emotions = row.get("emotions")
    aspects = row.get("aspects")
    return Example(
        text=text,
        context=context if isinstance(context, str) and context else None,
        polarity=parse_polarity(label, label_map) if label not in (None, "") else None,
        probs=tuple(probs) if probs is not None else None,
        emotions=_parse_emotions(emotions) if emotions is not None else None,
        aspects=_parse_aspects(aspects) if aspects is not None else None,
        weight=float(row.get("weight", 1.0)),
    )


def _collect(path: Path, rows: Iterator[tuple[int, Callable[[], Example]]], skip_bad: bool) -> Loaded:
    """Build examples row by row; a failure names file and line, or is counted when skipping."""
    loaded = Loaded()
    for line, build in rows:
        try:
            loaded.examples.append(build())
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            message = f"{path}:{line}: {exc}"
            if not skip_bad:
                raise DataError(message) from exc
            loaded.skipped.append(message)
    return loaded


def read_jsonl(
    path: Path,
    text_field: str = "text",
    label_field: str = "polarity",
    label_map: Mapping[str, str] | None = None,
    skip_bad: bool = False,
) -> Loaded:
    def rows() -> Iterator[tuple[int, Callable[[], Example]]]:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, lambda line=line: _from_json_line(line, text_field, label_field, label_map)

    return _collect(path, rows(), skip_bad)


def _from_json_line(line: str, text_field: str, label_field: str, label_map: Mapping[str, str] | None) -> Example:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from exc
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    return example_from_record(row, text_field, label_field, label_map=label_map)


def read_table(
    path: Path,
    text_column: str = "text",
    label_column: str = "label",
    context_column: str | None = None,
    delimiter: str | None = None,
    label_map: Mapping[str, str] | None = None,
    skip_bad: bool = False,
) -> Loaded:
    """CSV or TSV with a header row; columns are chosen by name."""
    delimiter = delimiter or ("\t" if path.suffix.lower() in (".tsv", ".tab") else ",")
    # Tweets are full of stray quotes; TSV files in the wild do not quote fields.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL

    def rows() -> Iterator[tuple[int, Callable[[], Example]]]:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter, quoting=quoting)
            missing = [
                c for c in (text_column, label_column, context_column) if c and c not in (reader.fieldnames or [])
            ]
            if missing:
                raise DataError(f"{path}:1: no column(s) {', '.join(missing)} in header {reader.fieldnames}")
            for row in reader:
                yield (
                    reader.line_num,
                    lambda row=row: _from_table_row(row, text_column, label_column, context_column, label_map),
                )

    return _collect(path, rows(), skip_bad)


def _from_table_row(
    row: Mapping[str, str | None],
    text_column: str,
    label_column: str,
    context_column: str | None,
    label_map: Mapping[str, str] | None,
) -> Example:
    text, label = row.get(text_column), row.get(label_column)
    if text is None or label is None:
        raise ValueError("row has too few fields")
    context = row.get(context_column) if context_column else None
    return Example(text=text, context=context or None, polarity=parse_polarity(label, label_map))


def read_labeled(
    path: Path,
    fmt: str | None = None,
    text_column: str = "text",
    label_column: str | None = None,
    context_column: str | None = None,
    label_map: Mapping[str, str] | None = None,
    skip_bad: bool = False,
) -> Loaded:
    """Any labeled file by format (jsonl, csv, tsv), guessed from the suffix when not given."""
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt in ("jsonl", "json", "ndjson"):
        return read_jsonl(path, text_column, label_column or "polarity", label_map, skip_bad)
    if fmt in ("csv", "tsv", "tab"):
        return read_table(
            path,
            text_column,
            label_column or "label",
            context_column,
            "\t" if fmt != "csv" else ",",
            label_map,
            skip_bad,
        )
    raise DataError(f"{path}: unknown format {fmt!r} (use jsonl, csv or tsv)")


def read_tweeteval(directory: Path, split: str) -> list[Example]:
    """TweetEval's parallel ``{split}_text.txt`` / ``{split}_labels.txt`` files."""
    text_path, label_path = directory / f"{split}_text.txt", directory / f"{split}_labels.txt"
    texts = text_path.read_text(encoding="utf-8").splitlines()
    labels = label_path.read_text(encoding="utf-8").splitlines()
    if len(texts) != len(labels):
        raise DataError(f"{text_path}: {len(texts)} texts but {label_path} has {len(labels)} labels")
    rows = ((n, lambda t=t, lab=lab: Example(text=t.strip(), polarity=parse_polarity(lab, _TWEETEVAL_LABELS)))
            for n, (t, lab) in enumerate(zip(texts, labels, strict=True), start=1))  # fmt: skip
    return _collect(label_path, rows, skip_bad=False).examples


def read_tweeteval_pool(path: Path) -> list[Example]:
    """The SemEval-2017 train pool TSV (tweet_id, label, label_name, text, source_file)."""
    return read_table(path, "text", "label", label_map=_TWEETEVAL_LABELS).examples


def read_goemotions(path: Path) -> list[Example]:
    """GoEmotions TSV: text, comma-separated label ids (GoEmotions order), comment id; no header."""

    def build(line: str) -> Example:
        text, ids = line.split("\t")[:2]
        return Example(text=text, emotions=tuple(GOEMOTIONS[int(i)] for i in ids.split(",")))

    lines = path.read_text(encoding="utf-8").splitlines()
    return _collect(path, ((n, lambda x=x: build(x)) for n, x in enumerate(lines, start=1) if x), False).examples


def read_semeval_absa(path: Path, category_map: Mapping[str, str] = SEMEVAL_CATEGORY_MAP) -> list[Example]:
    """SemEval-2014 ABSA XML, aspect categories mapped onto deployment aspects.

    Only sentences with category annotations are returned (the laptop files have
    none); a sentence whose categories all fall outside the map has every
    deployment aspect absent. "conflict" polarities carry no usable label and
    are left out of that sentence's aspects.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DataError(f"{path}:{exc.position[0]}: broken XML: {exc}") from exc
    examples = []
    for sentence in root.iter("sentence"):
        categories = sentence.find("aspectCategories")
        if categories is None:
            continue
        aspects = []
        for category in categories.iter("aspectCategory"):
            aspect, polarity = category_map.get(category.get("category", "")), category.get("polarity", "")
            if aspect and polarity in POLARITIES:
                aspects.append((aspect, polarity))
        examples.append(Example(text=(sentence.findtext("text") or "").strip(), aspects=tuple(aspects)))
    return examples


def seed_corpus_path(settings: Settings) -> Path:
    return Path(settings.seed_corpus) if settings.seed_corpus else SEED_CORPUS


def seed_split(settings: Settings) -> tuple[list[Example], list[Example]]:
    """(train, gold) split of the seed corpus, by a hash of each text so it never moves.

    Hashing the input rather than shuffling keeps the split stable when rows
    are added or reordered, and puts duplicate texts on the same side.
    """
    path = seed_corpus_path(settings)
    if not path.is_file():
        raise FileNotFoundError(f"seed corpus {path} not found")
    train, gold = [], []
    for example in read_jsonl(path).examples:
        (gold if int(example.key()[:8], 16) / 0xFFFFFFFF < SEED_GOLD_FRACTION else train).append(example)
    return train, gold


def split_validation(examples: Sequence[Example], fraction: float) -> tuple[list[Example], list[Example]]:
    """(train, validation) by the same stable hash; validation drives early stopping and calibration."""
    train, val = [], []
    for example in examples:
        # A different hash slice than seed_split's, so the two splits are independent.
        (val if int(example.key()[8:16], 16) / 0xFFFFFFFF < fraction else train).append(example)
    return train, val

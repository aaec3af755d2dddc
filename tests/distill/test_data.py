"""Examples, labeled-file readers, dataset readers and the seed split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distill.data import (
    DataError,
    Example,
    fingerprint,
    parse_label_map,
    read_goemotions,
    read_jsonl,
    read_labeled,
    read_semeval_absa,
    read_table,
    read_tweeteval,
    read_tweeteval_pool,
    seed_split,
    split_validation,
)
from sentimon.settings import Settings

SHARED = Path("/work/shared/data")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_example_validates_its_labels() -> None:
    example = Example(text="x", probs=[0.2, 0.3, 0.5], emotions=["joy"], aspects=[("price", "negative")])
    assert example.probs == (0.2, 0.3, 0.5)
    assert example.hard_polarity == "positive"
    assert example.aspects == (("price", "negative"),)
    for bad, message in [
        ({"polarity": "great"}, "unknown polarity"),
        ({"probs": (0.5, 0.6, 0.1)}, "summing to 1"),
        ({"emotions": ("happiness",)}, "unknown emotion"),
        ({"aspects": (("price", "meh"),)}, "unknown aspect polarity"),
        ({"weight": 0.0}, "positive number"),
    ]:
        with pytest.raises(ValueError, match=message):
            Example(text="x", **bad)


def test_jsonl_reads_every_label_kind(tmp_path: Path) -> None:
    rows = [
        {
            "text": "love it",
            "polarity": "pos",
            "emotions": ["love"],
            "aspects": [{"aspect": "price", "polarity": "positive"}],
        },
        {"text": "a reply", "context": "the parent", "probs": {"negative": 0.7, "neutral": 0.2, "positive": 0.1}},
        {"text": "no labels at all", "weight": 2},
    ]
    path = _write(tmp_path / "d.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    first, second, third = read_jsonl(path).examples
    assert (first.polarity, first.emotions, first.aspects) == ("positive", ("love",), (("price", "positive"),))
    assert (second.context, second.hard_polarity, second.emotions) == ("the parent", "negative", None)
    assert (third.polarity, third.aspects, third.weight) == (None, None, 2.0)


def test_broken_rows_name_file_and_line_or_are_counted(tmp_path: Path) -> None:
    lines = ['{"text": "fine", "polarity": "negative"}', "{oops", '{"text": "x", "polarity": "furious"}', "[1, 2]"]
    path = _write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(DataError, match=rf"{path}:2: not JSON"):
        read_jsonl(path)
    loaded = read_jsonl(path, skip_bad=True)
    assert len(loaded.examples) == 1
    assert len(loaded.skipped) == 3
    assert loaded.skipped[1].startswith(f"{path}:3: unknown label 'furious'")
    assert loaded.skipped[2] == f"{path}:4: not a JSON object"


def test_csv_and_tsv_with_chosen_columns_and_label_map(tmp_path: Path) -> None:
    csv_path = _write(tmp_path / "d.csv", 'body,stars,parent\n"great, really",2,\nmeh,1,what do you think\n')
    label_map = parse_label_map("0=negative, 1=neutral, 2=positive")
    examples = read_table(csv_path, "body", "stars", "parent", label_map=label_map).examples
    assert [(e.text, e.polarity, e.context) for e in examples] == [
        ("great, really", "positive", None),
        ("meh", "neutral", "what do you think"),
    ]
    tsv_path = _write(tmp_path / "d.tsv", 'label\ttext\npositive\tsaid "wow" and left\nnegative\n')
    with pytest.raises(DataError, match=rf"{tsv_path}:3: row has too few fields"):
        read_labeled(tsv_path)
    assert read_labeled(tsv_path, skip_bad=True).examples[0].text == 'said "wow" and left'
    with pytest.raises(DataError, match="no column"):
        read_table(csv_path, "text", "stars")
    with pytest.raises(DataError, match="not in the label map"):
        read_table(csv_path, "body", "stars", label_map={"2": "positive"})
    with pytest.raises(DataError, match="unknown format"):
        read_labeled(tmp_path / "d.parquet")


def test_dataset_readers_on_their_formats(tmp_path: Path) -> None:
    _write(tmp_path / "test_text.txt", "good day \nbad day\n")
    _write(tmp_path / "test_labels.txt", "2\n0\n")
    assert [(e.text, e.polarity) for e in read_tweeteval(tmp_path, "test")] == [
        ("good day", "positive"),
        ("bad day", "negative"),
    ]
    pool = _write(tmp_path / "pool.tsv", "tweet_id\tlabel\tlabel_name\ttext\tsource_file\n1\t1\tneutral\thi\tx.tsv\n")
    assert read_tweeteval_pool(pool)[0].polarity == "neutral"
    go = _write(tmp_path / "go.tsv", "so happy\t17,15\tab1\nugh\t2\tab2\n")
    assert [e.emotions for e in read_goemotions(go)] == [("joy", "gratitude"), ("anger",)]
    xml = _write(
        tmp_path / "absa.xml",
        """<sentences>
  <sentence id="1"><text>Rude waiter, great pasta.</text>
    <aspectCategories><aspectCategory category="service" polarity="negative"/>
      <aspectCategory category="food" polarity="positive"/></aspectCategories></sentence>
  <sentence id="2"><text>Nice decor.</text>
    <aspectCategories><aspectCategory category="ambience" polarity="positive"/></aspectCategories></sentence>
  <sentence id="3"><text>No categories here.</text></sentence>
</sentences>""",
    )
    first, second = read_semeval_absa(xml)
    assert first.aspects == (("service", "negative"), ("quality", "positive"))
    assert second.aspects == ()  # talks only about aspects the deployment does not track
    broken = _write(tmp_path / "broken.xml", "<sentences><sentence>\n</sentences>")
    with pytest.raises(DataError, match=rf"{broken}:2: broken XML"):
        read_semeval_absa(broken)


def test_seed_split_is_stable_and_disjoint(tmp_path: Path) -> None:
    rows = [{"id": f"s{i}", "text": f"post number {i}", "polarity": "neutral"} for i in range(200)]
    path = _write(tmp_path / "seed.jsonl", "\n".join(json.dumps(r) for r in rows))
    settings = Settings(data_dir=tmp_path, seed_corpus=str(path))
    train, gold = seed_split(settings)
    assert len(train) + len(gold) == 200
    assert 20 <= len(gold) <= 60
    assert not {e.text for e in train} & {e.text for e in gold}
    _write(path, "\n".join(json.dumps(r) for r in reversed(rows)))
    train_again, gold_again = seed_split(settings)
    assert {e.text for e in gold_again} == {e.text for e in gold}
    fit, val = split_validation(train, 0.1)
    assert len(fit) + len(val) == len(train) and val
    assert fingerprint(train) == fingerprint(train_again) != fingerprint(fit)
    with pytest.raises(FileNotFoundError, match="seed corpus"):
        seed_split(Settings(data_dir=tmp_path, seed_corpus=str(tmp_path / "absent.jsonl")))


def test_shipped_seed_corpus_reads_cleanly() -> None:
    train, gold = seed_split(Settings())
    assert len(train) + len(gold) >= 3000
    assert all(e.polarity and e.emotions is not None and e.aspects is not None for e in train + gold)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared datasets absent")
def test_shared_datasets_read() -> None:
    assert len(read_tweeteval(SHARED / "tweeteval_sentiment", "test")) == 12284
    assert len(read_goemotions(SHARED / "goemotions" / "original" / "dev.tsv")) == 5426
    assert len(read_semeval_absa(SHARED / "semeval2014_absa" / "Restaurants_Test_Gold.xml")) == 800

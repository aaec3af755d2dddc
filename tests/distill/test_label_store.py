"""The label store on a real SQLite file: dedupe, the growing held-out side, all-labels training, rounds."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from distill.label_store import LabelStore, holdout_bucket
from sentimon.records import Probs, TeacherLabel

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def label(post_id: str, polarity: str = "positive", at: datetime = T0, teacher: str = "oracle") -> TeacherLabel:
    return TeacherLabel(
        post_id=post_id,
        text=f"text of {post_id}",
        teacher=teacher,
        polarity=polarity,  # type: ignore[arg-type]
        probs=Probs.from_list([1.0 if p == polarity else 0.0 for p in ("negative", "neutral", "positive")]),
        student_version="v0001-20250101000000",
        at=at,
    )


@pytest.fixture
def store(tmp_path: Path) -> LabelStore:
    return LabelStore(tmp_path / "labels.sqlite")


def test_wal_mode(store: LabelStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_redelivered_label_is_stored_once_and_not_new_again(store: LabelStore) -> None:
    assert store.add([label("a"), label("b")]) == 2
    store.record_round(started_at=T0, upto_seq=store.latest_seq(), outcome="promoted", reason="r", current_version="v")
    # The same answers arrive again (at-least-once delivery): nothing changes.
    assert store.add([label("a"), label("b")]) == 0
    assert store.count() == 2
    assert store.new_labels(0.0) == []


def test_a_later_answer_replaces_the_earlier_one_and_is_new_again(store: LabelStore) -> None:
    store.add([label("a", "positive")])
    store.record_round(started_at=T0, upto_seq=store.latest_seq(), outcome="refused", reason="r", current_version="v")
    assert store.add([label("a", "negative", at=T0 + timedelta(minutes=1), teacher="llm")]) == 1
    # An older answer arriving late does not overwrite the newer one.
    assert store.add([label("a", "neutral", at=T0 - timedelta(minutes=1))]) == 0
    stored = store.get("a")
    assert stored is not None
    assert (stored.label.polarity, stored.label.teacher) == ("negative", "llm")
    assert stored.label.student_version == "v0001-20250101000000"
    assert [s.label.post_id for s in store.new_labels(0.0)] == ["a"]
    assert store.count() == 1


def test_holdout_is_a_deterministic_hash_slice_never_offered_for_training(tmp_path: Path) -> None:
    ids = [f"post-{i}" for i in range(400)]
    first, second = LabelStore(tmp_path / "one.sqlite"), LabelStore(tmp_path / "two.sqlite")
    first.add(label(i) for i in ids)
    second.add(label(i) for i in reversed(ids))  # another order, another store: the same slice
    held = {s.label.post_id for s in first.holdout(0.15)}
    assert held == {s.label.post_id for s in second.holdout(0.15)}
    assert held == {i for i in ids if holdout_bucket(i) < 0.15}
    assert 0.08 < len(held) / len(ids) < 0.22
    training = {s.label.post_id for s in first.new_labels(0.15)}
    assert training.isdisjoint(held) and training | held == set(ids)
    assert first.count_new(0.15) == len(training)
    first.record_round(started_at=T0, upto_seq=first.latest_seq(), outcome="promoted", reason="r", current_version="v")
    assert {s.label.post_id for s in first.training(0.15)} == training


def test_new_labels_follow_rounds_that_used_them(store: LabelStore) -> None:
    store.add(label(f"a{i}") for i in range(10))
    upto = store.latest_seq()
    store.add(label(f"b{i}") for i in range(5))  # arrive while a round runs
    assert len(store.new_labels(0.0, upto)) == 10
    store.record_round(started_at=T0, upto_seq=upto, outcome="promoted", reason="ok", current_version="v2")
    assert {s.label.post_id for s in store.new_labels(0.0)} == {f"b{i}" for i in range(5)}
    # Skipped and failed rounds use nothing: their labels stay new.
    store.record_round(started_at=T0, upto_seq=store.latest_seq(), outcome="failed", reason="x", current_version="v2")
    assert store.count_new(0.0) == 5


def test_training_keeps_every_label_so_far_and_the_holdout_grows_across_rounds(store: LabelStore) -> None:
    held_sizes = []
    for r in range(3):
        store.add(label(f"r{r}-{i}") for i in range(200))
        upto = store.latest_seq()
        held_sizes.append(len(store.holdout(0.15, upto)))
        store.record_round(started_at=T0, upto_seq=upto, outcome="promoted", reason="r", current_version="v")
    # Every round trains on all training-side labels so far, not only the ones since the last round.
    training = store.training(0.15)
    assert len(training) + held_sizes[-1] == 600
    assert {s.label.post_id.split("-")[0] for s in training} == {"r0", "r1", "r2"}
    assert [s.seq for s in training] == sorted(s.seq for s in training)
    # The gate's held-out side only ever grows, and keeps what earlier rounds were judged on.
    assert held_sizes[0] < held_sizes[1] < held_sizes[2]
    assert {s.label.post_id for s in store.holdout(0.15, 200)} <= {s.label.post_id for s in store.holdout(0.15)}


def test_audits_are_held_out_until_a_round_consumes_them_then_train(store: LabelStore) -> None:
    audited = [label(f"audit-{i}").model_copy(update={"audit": True}) for i in range(40)]
    store.add([*audited, *(label(f"esc-{i}") for i in range(40))])
    held = {s.label.post_id for s in store.holdout(0.15)}
    assert {a.post_id for a in audited} <= held
    training = {s.label.post_id for s in store.training(0.15)}
    assert not any(i.startswith("audit-") for i in training)
    assert store.count_new(0.15) == len(training) == len(store.new_labels(0.15))
    assert all(store.get(a.post_id).label.audit for a in audited)  # type: ignore[union-attr]

    # A round's gate saw them: the next round may train on those on the training side of the hash,
    # and the next gate judges only on audits newer than that round (and the hash's held-out labels).
    store.record_round(started_at=T0, upto_seq=store.latest_seq(), outcome="refused", reason="r", current_version="v")
    fresh = [label(f"audit-new-{i}").model_copy(update={"audit": True}) for i in range(10)]
    store.add(fresh)
    trained_audits = {s.label.post_id for s in store.training(0.15)} - training
    expected = {a.post_id for a in audited if holdout_bucket(a.post_id) >= 0.15}
    assert trained_audits == expected and expected
    held = {s.label.post_id for s in store.holdout(0.15)}
    assert {a.post_id for a in fresh} <= held
    assert not held & trained_audits
    assert store.count_new(0.15) == 0, "audits are never new labels: they train one round late"


def test_rounds_are_recorded_with_outcome_and_reason(store: LabelStore) -> None:
    store.record_round(
        started_at=T0,
        upto_seq=7,
        outcome="refused",
        reason="gold_accuracy 0.9 -> 0.5",
        current_version="v0001-20250101000000",
        candidate_version="v0002-20250101000001",
        new_labels=7,
        train_examples=14,
        metrics={"current_gold_accuracy": 0.9, "candidate_gold_accuracy": 0.5},
    )
    store.record_round(started_at=T0, upto_seq=7, outcome="skipped", reason="nothing new", current_version="v1")
    rounds = LabelStore(store.path).rounds()  # read back through a fresh store
    assert [r.outcome for r in rounds] == ["skipped", "refused"]
    refused = rounds[1]
    assert refused.reason == "gold_accuracy 0.9 -> 0.5"
    assert refused.candidate_version == "v0002-20250101000001"
    assert refused.metrics["candidate_gold_accuracy"] == 0.5
    assert (refused.new_labels, refused.train_examples, refused.upto_seq) == (7, 14, 7)


def test_concurrent_writers_lose_nothing(store: LabelStore) -> None:
    def write(tag: str) -> None:
        for i in range(40):
            store.add([label(f"{tag}{i}")])

    threads = [threading.Thread(target=write, args=(t,)) for t in "xyz"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count() == 120
    seqs = [s.seq for s in store.new_labels(0.0)]
    assert len(set(seqs)) == 120

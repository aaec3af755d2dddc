"""The demo stream and what `sentimon up` changes for it: labels beside the posts, drift, the demo profile."""

from __future__ import annotations

import json

from distill.data import seed_corpus_path
from models.teacher.oracle import read_gold_file
from sentimon.settings import Settings
from stream.demo import LABELS_FILE, DemoStream, embedded_env, recorded_id


def scenes(stream: DemoStream) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for post in stream.posts:
        metadata = post["metadata"]
        assert isinstance(metadata, dict)
        found.setdefault(str(metadata["scene"]), []).append(float(metadata["offset_s"]))
    return found


def test_every_post_has_its_labels_beside_the_stream_and_none_inside_it() -> None:
    stream = DemoStream.load()
    labels = read_gold_file(LABELS_FILE)
    assert sorted(str(p["id"]) for p in stream.posts) == sorted(str(label.id) for label in labels)
    assert all(set(p["metadata"]) == {"offset_s", "scene"} for p in stream.posts)  # type: ignore[arg-type]
    assert {label.polarity for label in labels} == {"negative", "neutral", "positive"}


def test_replayed_ids_lead_back_to_the_recorded_ones() -> None:
    stream = DemoStream.load()
    replayed = [item for _, item in stream.round(1732) if isinstance(item, dict)]
    assert [recorded_id(str(p["id"])) for p in replayed] == [str(p["id"]) for p in stream.posts]
    assert recorded_id("user-post-r2d2") == "user-post-r2d2"  # only a pass suffix of digits is removed


def test_drift_the_student_never_saw_runs_through_the_whole_demo() -> None:
    stream = DemoStream.load()
    found = scenes(stream)
    slang, sarcasm = sorted(found["slang"]), sorted(found["sarcasm"])
    # The slang launch starts in the first minutes and still runs in the last, after a round has had time.
    assert slang[0] < 90 and slang[-1] > 540 and len(slang) >= 300
    assert sum(1 for t in slang if t > 360) >= 80
    # Two sarcasm waves with a lull between them.
    assert sum(1 for t in sarcasm if 150 <= t <= 270) >= 50 and sum(1 for t in sarcasm if 430 <= t <= 570) >= 50
    assert not any(300 < t < 400 for t in sarcasm)
    seed = seed_corpus_path(Settings()).read_text(encoding="utf-8").lower()
    assert "voltway" not in seed and "glide" not in seed
    launch = [str(p["text"]).lower() for p in stream.posts if p["brand"] == "Voltway" and not p.get("parent_id")]
    assert all("voltway" in text or "glide" in text for text in launch)


def test_up_gives_the_demo_its_teacher_and_cadence_unless_the_user_chose(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("TEACHER_BACKENDS", "TEACHER_URL", "RETRAIN_MIN_LABELS", "RETRAIN_INTERVAL_MINUTES"):
        monkeypatch.delenv(f"SENTIMON_{name}", raising=False)
    env = embedded_env(Settings(_env_file=None), demo=True)
    assert env["SENTIMON_TEACHER_BACKENDS"] == "demo"
    assert int(env["SENTIMON_RETRAIN_MIN_LABELS"]) < Settings.model_fields["retrain_min_labels"].default
    # Without the demo: the same teacher (no LLM is configured), a real stream's cadence.
    assert embedded_env(Settings(_env_file=None), demo=False) == {"SENTIMON_TEACHER_BACKENDS": "demo"}
    monkeypatch.setenv("SENTIMON_RETRAIN_MIN_LABELS", "500")
    monkeypatch.setenv("SENTIMON_TEACHER_URL", "http://127.0.0.1:11434/v1")
    chosen = embedded_env(Settings(_env_file=None), demo=True)
    assert "SENTIMON_TEACHER_BACKENDS" not in chosen and "SENTIMON_RETRAIN_MIN_LABELS" not in chosen
    assert json.loads(chosen["SENTIMON_RETRAIN_INTERVAL_MINUTES"]) > 0

"""The first-run builds: the default student from a checkpoint or a (small) seed corpus, and the encoder teacher."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from distill.bootstrap import ensure_default_student, ensure_encoder_teacher
from distill.modeling import StudentModel
from models.registry import Registry
from models.student import RuntimeOptions, StudentRuntime
from sentimon.labels import GOEMOTIONS
from sentimon.settings import Settings
from tests.fixtures.student import TINY_EXAMPLES


@pytest.fixture
def seed_settings(settings: Settings, tiny_backbone: Path, tmp_path: Path) -> Settings:
    rows = [
        {
            "id": f"t{i}",
            "text": e.text if e.context is None else f"{e.text} ({i})",
            "brand": "Acme",
            "domain": "retail",
            "polarity": e.polarity,
            "emotions": list(e.emotions or ()),
            "aspects": [{"aspect": a, "polarity": p} for a, p in e.aspects or ()],
        }
        for i, e in enumerate(TINY_EXAMPLES * 2)
    ]
    corpus = tmp_path / "seed.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return settings.model_copy(
        update={"seed_corpus": str(corpus), "backbone": str(tiny_backbone), "bootstrap_epochs": 1, "train_threads": 1}
    )


def test_builds_once_even_when_started_concurrently(seed_settings: Settings) -> None:
    versions: list[str] = []
    threads = [
        threading.Thread(target=lambda: versions.append(ensure_default_student(seed_settings, progress=False)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(versions)) == 1
    registry = Registry.of(seed_settings)
    assert registry.current() == versions[0]
    assert len(registry.versions()) == 1
    manifest = registry.manifest(versions[0])
    assert manifest.train_examples > 0 and manifest.data_fingerprint
    assert ensure_default_student(seed_settings, progress=False) == versions[0]


def test_encoder_teacher_lives_in_its_own_registry(seed_settings: Settings) -> None:
    path = Path(ensure_encoder_teacher(seed_settings, progress=False))
    assert path.parent.parent == seed_settings.data_dir / "teacher-registry"
    teacher = StudentRuntime.load(path, RuntimeOptions.of(seed_settings))
    assert teacher.predict(["hello"])[0].polarity in ("negative", "neutral", "positive")
    assert Registry.of(seed_settings).current() is None  # the student registry is untouched
    assert ensure_encoder_teacher(seed_settings, progress=False) == str(path)
    assert Registry.of_teachers(seed_settings).current() == path.name


def test_a_checkpoint_is_exported_with_its_calibration_and_thresholds(seed_settings: Settings, tmp_path: Path) -> None:
    model = StudentModel.from_backbone(Path(seed_settings.backbone), seed_settings.aspects, seed=3)
    thresholds = [0.2 + 0.01 * i for i in range(len(GOEMOTIONS))]
    checkpoint = tmp_path / "student.safetensors"
    model.save_checkpoint(
        checkpoint, {"temperature": "1.7", "emotion_thresholds": json.dumps(thresholds), "train_examples": "42"}
    )
    settings = seed_settings.model_copy(update={"student_checkpoint": str(checkpoint)})
    version = ensure_default_student(settings, progress=False)

    manifest = Registry.of(settings).manifest(version)
    assert manifest.temperature == 1.7 and manifest.train_examples == 42
    assert manifest.emotion_thresholds == pytest.approx(thresholds)
    assert manifest.metrics["parity_max_logit_diff"] <= settings.parity_max_logit_diff
    runtime = Registry.of(settings).load_runtime(RuntimeOptions.of(settings))
    assert runtime.predict(["hello"])[0].polarity in ("negative", "neutral", "positive")


@pytest.mark.parametrize("content", [b"not a safetensors file", None], ids=["corrupt", "missing"])
def test_an_unusable_checkpoint_falls_back_to_the_seed_build(
    seed_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None
) -> None:
    checkpoint = tmp_path / "student.safetensors"
    if content is not None:
        checkpoint.write_bytes(content)
    settings = seed_settings.model_copy(update={"student_checkpoint": str(checkpoint)})
    with caplog.at_level(logging.WARNING, logger="distill.bootstrap"):
        version = ensure_default_student(settings, progress=False)
    assert "cannot use the student checkpoint" in caplog.text and str(checkpoint) in caplog.text
    manifest = Registry.of(settings).manifest(version)
    assert manifest.train_examples > 0 and manifest.emotion_thresholds is None  # trained on the seed corpus


def test_a_checkpoint_from_another_backbone_is_not_used(
    seed_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = seed_settings.model_copy(update={"student_checkpoint": "default"})  # MiniLM-L6, not the tiny backbone
    with caplog.at_level(logging.WARNING, logger="distill.bootstrap"):
        ensure_default_student(settings, progress=False)
    assert "was not trained from backbone" in caplog.text


@pytest.mark.slow
def test_the_shipped_student_exports_and_reads_real_posts(settings: Settings) -> None:
    settings = settings.model_copy(update={"student_checkpoint": "default"})
    version = ensure_default_student(settings, progress=False)
    manifest = Registry.of(settings).manifest(version)
    assert manifest.metrics["parity_max_logit_diff"] <= settings.parity_max_logit_diff
    assert manifest.metrics["parity_accuracy_drop"] <= settings.parity_max_accuracy_drop
    assert manifest.emotion_thresholds is not None and manifest.metrics["tweeteval_test_macro_recall"] > 0.65
    runtime = Registry.of(settings).load_runtime(RuntimeOptions.of(settings))
    posts = {
        "Absolutely love the new update, best app I have used all year!": "positive",
        "Worst customer service ever. Two hours on hold and they hung up on me.": "negative",
        "The store on Main Street opens at 9am on Mondays.": "neutral",
        "Thank you so much for fixing my order so quickly, you are amazing": "positive",
        "my package never arrived and nobody answers, im furious": "negative",
    }
    predictions = runtime.predict(list(posts))
    assert [p.polarity for p in predictions] == list(posts.values())
    assert "gratitude" in predictions[3].emotions
    assert {"anger", "annoyance"} & set(predictions[4].emotions)

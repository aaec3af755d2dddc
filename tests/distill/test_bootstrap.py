"""The first-run builds: default student and encoder teacher from a (small) seed corpus."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from distill.bootstrap import ensure_default_student, ensure_encoder_teacher, teacher_registry
from distill.registry import Registry
from models.student import StudentRuntime
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
    registry = Registry(seed_settings.registry_dir)
    assert registry.current() == versions[0]
    assert len(registry.versions()) == 1
    manifest = registry.manifest(versions[0])
    assert manifest.train_examples > 0 and manifest.data_fingerprint
    assert ensure_default_student(seed_settings, progress=False) == versions[0]


def test_encoder_teacher_lives_in_its_own_registry(seed_settings: Settings) -> None:
    path = Path(ensure_encoder_teacher(seed_settings, progress=False))
    assert path.parent.parent == seed_settings.data_dir / "teacher-registry"
    teacher = StudentRuntime.load(path, seed_settings)
    assert teacher.predict(["hello"])[0].polarity in ("negative", "neutral", "positive")
    assert Registry(seed_settings.registry_dir).current() is None  # the student registry is untouched
    assert ensure_encoder_teacher(seed_settings, progress=False) == str(path)
    assert teacher_registry(seed_settings).current() == path.name

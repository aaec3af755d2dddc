"""First-run models, so a fresh machine works with no data and no network.

The default student is exported from the shipped checkpoint (trained on real
public posts by :mod:`distill.recipe`): int8 export and parity check take
seconds. When there is no usable checkpoint (none configured, a missing or
corrupt file, a backbone it was not trained on) the student is trained on the
shipped seed corpus instead, and the log says why. Builds happen once: later
calls find the registry's ``current`` pointer and return at once. A file lock
makes concurrent starters (several workers coming up together) wait for one
build instead of racing to do it twice.
"""

from __future__ import annotations

import fcntl
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from distill.data import seed_split, split_validation
from distill.export import ParityError, export_student
from distill.modeling import CheckpointError, StudentModel, resolve_backbone, save_tokenizer
from distill.pipeline import start_from_backbone, train_and_register
from distill.trainer import TrainConfig
from models.manifest import Manifest
from models.registry import Registry
from sentimon.settings import Settings

log = logging.getLogger(__name__)

SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "default" / "student.safetensors"
# A checkpoint serves with the configured backbone's tokenizer only if it was trained from that architecture.
_ARCHITECTURE_KEYS = ("model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads")

# Share of the seed training split used for early stopping and calibration.
VALIDATION_FRACTION = 0.1
# The encoder teacher trains this many times longer than the student: same data, more passes,
# so it is a stronger (if not larger) model than the student it teaches.
TEACHER_EPOCH_FACTOR = 2


@contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _train_from_seed(
    registry: Registry, settings: Settings, backbone: str, epochs: int, label: str, progress: bool
) -> str:
    train, _gold = seed_split(settings)
    train, val = split_validation(train, VALIDATION_FRACTION)
    log.info("building the %s from %d seed examples (%d for validation)", label, len(train), len(val))
    config = TrainConfig.of(settings, epochs=epochs, progress=progress, description=label)
    with tempfile.TemporaryDirectory(prefix="sentimon-bootstrap-") as scratch:
        start = start_from_backbone(backbone, settings.aspects, settings.seed, Path(scratch))
        return train_and_register(settings, registry, start, train, val, config, promote=True)


def checkpoint_path(settings: Settings) -> Path | None:
    """The checkpoint the default student comes from, or None when it is to be trained on the seed corpus."""
    if not settings.student_checkpoint:
        return None
    return SHIPPED_CHECKPOINT if settings.student_checkpoint == "default" else Path(settings.student_checkpoint)


def _export_checkpoint(registry: Registry, settings: Settings, path: Path) -> str:
    """Export a single-file checkpoint to int8 ONNX, verify parity on seed posts, register and promote it.

    Raises :class:`CheckpointError` when the file cannot serve this deployment.
    """
    model, meta = StudentModel.from_checkpoint(path)
    backbone = resolve_backbone(settings.backbone)
    trained_on = json.loads(meta["encoder_config"])
    configured = json.loads((backbone / "config.json").read_text())
    differing = [k for k in _ARCHITECTURE_KEYS if trained_on.get(k) != configured.get(k)]
    if differing:
        raise CheckpointError(f"{path} was not trained from backbone {backbone} (different {', '.join(differing)})")
    if tuple(settings.aspects) != model.aspects:
        # Polarity and emotions carry over; a new aspect list needs aspect labels (re-distillation) to learn.
        log.warning(
            "the checkpoint's aspects %s differ from SENTIMON_ASPECTS: its aspect head starts fresh", model.aspects
        )
        model = model.with_aspects(settings.aspects, settings.seed)
    train, _gold = seed_split(settings)
    _train, val = split_validation(train, VALIDATION_FRACTION)
    manifest = Manifest(
        backbone=meta.get("backbone", str(backbone)),
        data_fingerprint=meta.get("data_fingerprint", ""),
        train_examples=int(meta.get("train_examples", "0")),
        metrics=json.loads(meta.get("metrics", "{}")),
        temperature=float(json.loads(meta.get("temperature", "1.0"))),
        emotion_thresholds=tuple(json.loads(meta["emotion_thresholds"])) if "emotion_thresholds" in meta else None,
        aspects=model.aspects,
        max_seq_len=settings.max_seq_len,
    )
    with tempfile.TemporaryDirectory(prefix="sentimon-bootstrap-") as scratch:
        save_tokenizer(backbone, Path(scratch) / "tokenizer.json")
        out = Path(scratch) / "model"
        export_student(model, Path(scratch) / "tokenizer.json", manifest, out, settings, val)
        version = registry.register(out, Manifest.read(out))
    registry.promote(version)
    return version


def ensure_default_student(settings: Settings, progress: bool = True, from_seed: bool = False) -> str:
    """The promoted student's version, building it first if there is none.

    ``from_seed`` skips the shipped checkpoint and trains on the seed corpus (what tests use: seconds
    with a tiny backbone).
    """
    registry = Registry.of(settings)
    with _build_lock(registry.root):
        current = registry.current()
        if current is not None:
            return current
        path = None if from_seed else checkpoint_path(settings)
        if path is not None:
            try:
                version = _export_checkpoint(registry, settings, path)
                log.info("default student %s exported from %s", version, path)
                return version
            except (CheckpointError, ParityError, FileNotFoundError) as exc:
                log.warning("cannot use the student checkpoint (%s); training one on the seed corpus instead", exc)
        return _train_from_seed(
            registry, settings, settings.backbone, settings.bootstrap_epochs, "default student", progress
        )


def ensure_encoder_teacher(settings: Settings, progress: bool = True) -> str:
    """Directory of the local encoder teacher (load it with ``StudentRuntime.load``), built once.

    Its backbone is ``teacher_encoder_backbone`` when set (e.g. all-mpnet-base-v2),
    else the student's, trained for longer.
    """
    registry = Registry.of_teachers(settings)
    backbone = settings.teacher_encoder_backbone or settings.backbone
    epochs = settings.bootstrap_epochs * TEACHER_EPOCH_FACTOR
    with _build_lock(registry.root):
        version = registry.current() or _train_from_seed(
            registry, settings, backbone, epochs, "encoder teacher", progress
        )
    return str(registry.path(version))

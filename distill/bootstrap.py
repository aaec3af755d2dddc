"""First-run models built from the shipped seed corpus, so a fresh machine works with no data and no network.

Both builds happen once: later calls find the registry's ``current`` pointer
and return at once. A file lock makes concurrent starters (several workers
coming up together) wait for one build instead of racing to do it twice.
"""

from __future__ import annotations

import fcntl
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from distill.data import seed_split, split_validation
from distill.pipeline import start_from_backbone, train_and_register
from distill.registry import Registry
from distill.trainer import TrainConfig
from sentimon.settings import Settings

log = logging.getLogger(__name__)

TEACHER_REGISTRY = "teacher-registry"
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


def _ensure(registry: Registry, settings: Settings, backbone: str, epochs: int, label: str, progress: bool) -> str:
    with _build_lock(registry.root):
        current = registry.current()
        if current is not None:
            return current
        train, _gold = seed_split(settings)
        train, val = split_validation(train, VALIDATION_FRACTION)
        log.info("building the %s from %d seed examples (%d for validation)", label, len(train), len(val))
        config = TrainConfig.from_settings(settings, epochs=epochs, progress=progress, description=label)
        with tempfile.TemporaryDirectory(prefix="sentimon-bootstrap-") as scratch:
            start = start_from_backbone(backbone, settings.aspects, settings.seed, Path(scratch))
            return train_and_register(settings, registry, start, train, val, config, promote=True)


def ensure_default_student(settings: Settings, progress: bool = True) -> str:
    """The promoted student's version, building it from the seed corpus first if there is none."""
    registry = Registry(settings.registry_dir, keep=settings.model_keep)
    return _ensure(registry, settings, settings.backbone, settings.bootstrap_epochs, "default student", progress)


def teacher_registry(settings: Settings) -> Registry:
    return Registry(settings.data_dir / TEACHER_REGISTRY, keep=settings.model_keep)


def ensure_encoder_teacher(settings: Settings, progress: bool = True) -> str:
    """Directory of the local encoder teacher (load it with ``StudentRuntime.load``), built once.

    Its backbone is ``teacher_encoder_backbone`` when set (e.g. all-mpnet-base-v2),
    else the student's, trained for longer.
    """
    registry = teacher_registry(settings)
    backbone = settings.teacher_encoder_backbone or settings.backbone
    epochs = settings.bootstrap_epochs * TEACHER_EPOCH_FACTOR
    version = _ensure(registry, settings, backbone, epochs, "encoder teacher", progress)
    return str(registry.path(version))

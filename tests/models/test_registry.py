"""The registry: versions, the atomic current pointer, pruning, rollback and load fallback."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from models.manifest import MODEL_FILE, Manifest
from models.registry import Registry, RegistryError
from models.student import ModelLoadError, RuntimeOptions
from sentimon.settings import Settings


@pytest.fixture
def model_dir(student_settings: Settings) -> Path:
    """A complete exported model directory (the tiny student's)."""
    registry = Registry.of(student_settings)
    return registry.path(registry.current() or "")


def _fresh(tmp_path: Path, keep: int = 5) -> Registry:
    return Registry(tmp_path / "reg", keep=keep)


def test_register_promote_and_load(tmp_path: Path, model_dir: Path, student_settings: Settings) -> None:
    registry = _fresh(tmp_path)
    assert registry.current() is None
    with pytest.raises(ModelLoadError, match="no current version"):
        registry.load_runtime(RuntimeOptions.of(student_settings))
    manifest = Manifest.read(model_dir).model_copy(update={"parent_version": "v0000-20000101000000"})
    first = registry.register(model_dir, manifest)
    assert registry.current() is None  # registering is not promoting
    registry.promote(first)
    assert registry.current() == first
    assert (registry.root / "current").read_text().strip() == first
    assert registry.manifest(first).version == first
    assert registry.manifest(first).parent_version == "v0000-20000101000000"
    assert registry.manifest(first).data_fingerprint == manifest.data_fingerprint
    assert registry.load_runtime(RuntimeOptions.of(student_settings)).version == first
    assert not list(registry.root.glob(".staging-*")) and not list(registry.root.glob(".current-*"))


def test_versions_are_ordered_and_rollback_goes_to_the_previous(tmp_path: Path, model_dir: Path) -> None:
    registry = _fresh(tmp_path)
    manifest = Manifest.read(model_dir)
    versions = [registry.register(model_dir, manifest) for _ in range(3)]
    assert [m.version for m in registry.versions()] == versions
    assert len(set(versions)) == 3
    with pytest.raises(RegistryError, match="no current version"):
        registry.rollback()
    registry.promote(versions[2])
    assert registry.rollback() == versions[1]
    assert registry.current() == versions[1]
    assert registry.rollback() == versions[0]
    with pytest.raises(RegistryError, match="no version older"):
        registry.rollback()
    with pytest.raises(RegistryError):
        registry.promote("v9999-20000101000000")
    with pytest.raises(RegistryError, match="not a registry version"):
        registry.promote("../../etc")


def test_keeps_the_last_n_and_never_the_current(tmp_path: Path, model_dir: Path) -> None:
    registry = _fresh(tmp_path, keep=2)
    manifest = Manifest.read(model_dir)
    first = registry.register(model_dir, manifest)
    registry.promote(first)
    later = [registry.register(model_dir, manifest) for _ in range(3)]
    kept = [m.version for m in registry.versions()]
    assert kept == [first, *later[-2:]]  # the current one survives pruning however old
    assert not registry.path(later[0]).exists()


def test_corrupt_current_falls_back_to_the_previous_version(
    tmp_path: Path, model_dir: Path, student_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    registry = _fresh(tmp_path)
    manifest = Manifest.read(model_dir)
    good, bad = registry.register(model_dir, manifest), registry.register(model_dir, manifest)
    registry.promote(bad)
    (registry.path(bad) / MODEL_FILE).write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING, logger="models.registry"):
        runtime = registry.load_runtime(RuntimeOptions.of(student_settings))
    assert runtime.version == good
    assert f"serving {good} instead of {bad}" in caplog.text
    shutil.rmtree(registry.path(good))
    with pytest.raises(ModelLoadError, match="no version could be loaded"):
        registry.load_runtime(RuntimeOptions.of(student_settings))


def test_missing_version_directory_falls_back(tmp_path: Path, model_dir: Path, student_settings: Settings) -> None:
    registry = _fresh(tmp_path)
    manifest = Manifest.read(model_dir)
    good, gone = registry.register(model_dir, manifest), registry.register(model_dir, manifest)
    registry.promote(gone)
    shutil.rmtree(registry.path(gone))
    assert registry.load_runtime(RuntimeOptions.of(student_settings)).version == good
    assert registry.load_runtime(RuntimeOptions.of(student_settings), version=good).version == good

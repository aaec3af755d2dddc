"""Versioned student directories on disk, with an atomically switched ``current`` pointer.

Layout::

    <root>/versions/v0007-20250101120000/   model.onnx, tokenizer.json, manifest.json, torch/
    <root>/current                          the promoted version's name

Workers poll ``current`` and hot-swap; the pointer is replaced with
``os.replace`` so a reader sees the old name or the new one, never half a
file. Registration copies into a staging directory and renames it into
place, so a half-copied version is never visible either.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from models.manifest import Manifest
from models.student import ModelLoadError, RuntimeOptions, StudentRuntime
from sentimon.settings import Settings

log = logging.getLogger(__name__)

_VERSION = re.compile(r"^v(\d+)-\d{14}$")
TEACHER_REGISTRY = "teacher-registry"
"""The encoder teacher's registry, a directory of ``data_dir`` beside the students'."""


class RegistryError(Exception):
    """A registry operation that cannot be done (unknown version, nothing to roll back to)."""


def _number(version: str) -> int:
    match = _VERSION.match(version)
    if not match:
        raise RegistryError(f"{version!r} is not a registry version name")
    return int(match.group(1))


class Registry:
    """Lives with the runtime, not with training: the workers read it to serve, and only the trainer writes it."""

    def __init__(self, root: Path, keep: int = 5) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.root = Path(root)
        self.keep = keep
        self._versions_dir = self.root / "versions"
        self._pointer = self.root / "current"

    @classmethod
    def of(cls, settings: Settings) -> Registry:
        """The students' registry as the settings place it."""
        return cls(settings.registry_dir, keep=settings.model_keep)

    @classmethod
    def of_teachers(cls, settings: Settings) -> Registry:
        """The encoder teacher's registry (built by ``sentimon bootstrap --teacher``)."""
        return cls(settings.data_dir / TEACHER_REGISTRY, keep=settings.model_keep)

    def _names(self) -> list[str]:
        """Version directory names, oldest first, whether or not their contents are intact."""
        if not self._versions_dir.is_dir():
            return []
        return sorted((p.name for p in self._versions_dir.iterdir() if _VERSION.match(p.name)), key=_number)

    def path(self, version: str) -> Path:
        _number(version)
        return self._versions_dir / version

    def manifest(self, version: str) -> Manifest:
        try:
            return Manifest.read(self.path(version))
        except (OSError, ValueError) as exc:
            raise RegistryError(f"version {version} has no readable manifest in {self.path(version)}: {exc}") from exc

    def versions(self) -> list[Manifest]:
        """Manifests of every intact version, oldest first; broken ones are logged and left out."""
        manifests = []
        for name in self._names():
            try:
                manifests.append(self.manifest(name))
            except RegistryError as exc:
                log.warning("%s", exc)
        return manifests

    def current(self) -> str | None:
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def register(self, model_dir: Path, manifest: Manifest) -> str:
        """Copy a model directory in as a new version (not promoted); returns its name."""
        self._versions_dir.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".staging-{uuid.uuid4().hex}"
        shutil.copytree(model_dir, staging)
        try:
            while True:
                names = self._names()
                number = _number(names[-1]) + 1 if names else 1
                version = f"v{number:04d}-{datetime.now(UTC):%Y%m%d%H%M%S}"
                manifest.model_copy(update={"version": version}).write(staging)
                try:
                    # Fails when another process took the name first; then try the next number.
                    staging.rename(self._versions_dir / version)
                    break
                except OSError:
                    if not (self._versions_dir / version).exists():
                        raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log.info("registered %s in %s", version, self.root)
        self._prune()
        return version

    def promote(self, version: str) -> None:
        self.manifest(version)  # refuse to point at something that is not a version
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".current-{uuid.uuid4().hex}"
        temporary.write_text(version + "\n")
        os.replace(temporary, self._pointer)
        log.info("promoted %s in %s", version, self.root)

    def rollback(self) -> str:
        """Point ``current`` at the newest version older than it; returns that version."""
        current = self.current()
        if current is None:
            raise RegistryError(f"registry {self.root} has no current version to roll back from")
        older = [m.version for m in self.versions() if _number(m.version) < _number(current)]
        if not older:
            raise RegistryError(f"registry {self.root} has no version older than {current}")
        self.promote(older[-1])
        return older[-1]

    def _prune(self) -> None:
        """Keep the newest ``keep`` versions, and the current one whatever its age."""
        names = self._names()
        current = self.current()
        for name in names[: max(0, len(names) - self.keep)]:
            if name != current:
                shutil.rmtree(self._versions_dir / name, ignore_errors=True)
                log.info("pruned %s from %s", name, self.root)

    def load_runtime(self, options: RuntimeOptions, version: str | None = None) -> StudentRuntime:
        """Load a version (current by default), falling back to older ones if it cannot serve."""
        wanted = version or self.current()
        if wanted is None:
            raise ModelLoadError(f"registry {self.root} has no current version (run `sentimon bootstrap`)")
        candidates = [wanted] + [n for n in reversed(self._names()) if _number(n) < _number(wanted)]
        failures = []
        for name in candidates:
            try:
                runtime = StudentRuntime.load(self.path(name), options)
            except ModelLoadError as exc:
                failures.append(str(exc))
                log.warning("model version %s cannot be loaded (%s); trying the previous version", name, exc)
                continue
            if name != wanted:
                log.warning("serving %s instead of %s, which could not be loaded", name, wanted)
            return runtime
        raise ModelLoadError(f"registry {self.root}: no version could be loaded: {'; '.join(failures)}")

"""Builds the configured teacher: one backend, or an ensemble of several, each behind the resilience layer.

This lives in ``stream`` because the demo oracle belongs to the demo stream;
the encoder teacher is read from its registry (:mod:`models.registry`), never
from the training code, which a teacher process does not import. Building a teacher
never trains one: an encoder teacher that is not built yet is a configuration
error that names the command building it (minutes of training have no place
in a role's start-up). Optional imports (llama.cpp) happen only when their
backend is configured.
"""

from __future__ import annotations

import logging
from pathlib import Path

from models.registry import Registry
from models.teacher.encoder import EncoderTeacher
from models.teacher.ensemble import EnsembleTeacher
from models.teacher.openai_compat import OpenAICompatTeacher
from models.teacher.oracle import OracleTeacher, read_gold_file
from models.teacher.resilience import ResiliencePolicy, ResilientTeacher
from models.teacher.types import Teacher, TeacherConfigError, TeacherQuery
from models.types import Scorer
from sentimon.labels import Polarity
from sentimon.settings import Settings
from stream.demo import DEMO_TEACHER_BACKEND, DemoOracle

log = logging.getLogger(__name__)


def load_encoder_teacher(settings: Settings) -> Scorer:
    """The encoder teacher's runtime from the teacher registry; one not built yet is a configuration error."""
    from models.student import RuntimeOptions, StudentRuntime

    registry = Registry.of_teachers(settings)
    version = registry.current()
    if version is None:
        raise TeacherConfigError(
            f"the encoder teacher is not built (no current version in {registry.root}): build it once with"
            " `sentimon bootstrap --teacher`, or set SENTIMON_TEACHER_URL to use an LLM"
        )
    return StudentRuntime.load(registry.path(version), RuntimeOptions.of(settings))


def build_backend(name: str, settings: Settings, encoder: Scorer | None = None) -> Teacher:
    """One bare backend by its settings name (no retries or breaker: see :func:`build_teacher`)."""
    if name == "openai":
        return OpenAICompatTeacher(settings)
    if name == "llamacpp":
        from models.teacher.llamacpp import LlamaCppTeacher

        return LlamaCppTeacher(settings)
    if name == "encoder":
        return EncoderTeacher(encoder or load_encoder_teacher(settings))
    if name == "oracle":
        if not settings.teacher_oracle_file:
            raise TeacherConfigError("the oracle teacher (an evaluation tool) needs SENTIMON_TEACHER_ORACLE_FILE")
        return OracleTeacher.from_file(
            Path(settings.teacher_oracle_file), noise=settings.teacher_oracle_noise, seed=settings.seed
        )
    if name == DEMO_TEACHER_BACKEND:
        return DemoOracle()
    raise TeacherConfigError(f"unknown teacher backend {name!r}: use openai, llamacpp, encoder, oracle or demo")


def calibration_examples(settings: Settings) -> list[tuple[TeacherQuery, Polarity]]:
    """Labeled posts from ``teacher_calibration_file`` (gold-file format), as queries; texts are needed."""
    examples = [e for e in read_gold_file(Path(settings.teacher_calibration_file)) if e.text]
    return [
        (TeacherQuery(post_id=e.id or f"calibration-{i}", text=e.text or ""), e.polarity)
        for i, e in enumerate(examples[: settings.teacher_calibration_size])
    ]


async def build_teacher(settings: Settings, *, encoder: Scorer | None = None) -> Teacher:
    """The teacher the desk should use; ``encoder`` lets a caller that already loaded it skip the registry."""
    names = settings.effective_teacher_backends()
    if len(set(names)) != len(names):
        raise TeacherConfigError(f"teacher backends listed twice: {names}")
    members: list[Teacher] = []
    policy = ResiliencePolicy.of(settings)
    try:
        for name in names:
            members.append(ResilientTeacher(build_backend(name, settings, encoder), policy))
    except Exception:
        for member in members:  # do not leak the connections of those built before the bad one
            await member.aclose()
        raise
    if len(members) == 1:
        return members[0]
    ensemble = EnsembleTeacher(members, settings.teacher_queries_per_post)
    if settings.teacher_calibration_file:
        await ensemble.calibrate(calibration_examples(settings))
    else:
        log.info("no SENTIMON_TEACHER_CALIBRATION_FILE: the ensemble asks %s in configured order", names)
    return ensemble

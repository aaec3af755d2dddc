"""Builds the configured teacher: one backend, or an ensemble of several, each behind the resilience layer.

This lives in ``stream`` because the encoder teacher comes from the
distillation side (``distill.bootstrap`` builds and caches it in the teacher
registry) and ``models`` must not import ``distill``. Heavy or optional
imports (the distillation stack, llama.cpp) happen only when their backend is
configured, so a worker talking to an HTTP teacher never loads torch.
"""

from __future__ import annotations

import logging
from pathlib import Path

from models.teacher.encoder import EncoderTeacher
from models.teacher.ensemble import EnsembleTeacher
from models.teacher.openai_compat import OpenAICompatTeacher
from models.teacher.oracle import OracleTeacher, read_gold_file
from models.teacher.resilience import ResilientTeacher
from models.teacher.types import Teacher, TeacherConfigError, TeacherQuery
from models.types import Scorer
from sentimon.records import Polarity
from sentimon.settings import Settings

log = logging.getLogger(__name__)


def load_encoder_teacher(settings: Settings) -> Scorer:
    """The encoder teacher's runtime, built on first use and cached in the teacher registry by distill."""
    from distill.bootstrap import ensure_encoder_teacher
    from models.student import StudentRuntime

    return StudentRuntime.load(Path(ensure_encoder_teacher(settings)), settings)


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
    raise TeacherConfigError(f"unknown teacher backend {name!r}: use openai, llamacpp, encoder or oracle")


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
    try:
        for name in names:
            members.append(ResilientTeacher(build_backend(name, settings, encoder), settings))
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

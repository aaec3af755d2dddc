"""Teacher over any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, OpenAI).

One attempt per :meth:`OpenAICompatTeacher.ask`; retries, deadlines and the
breaker belong to :mod:`models.teacher.resilience`. This module only turns
HTTP outcomes into the right :class:`TeacherError`, because that choice (retry
or not, wait how long) is what the resilience layer acts on.

Structured output is not universal: OpenAI, vLLM and recent llama.cpp accept
``response_format`` with a JSON schema, some servers only ``json_object``,
some reject the field. In ``auto`` mode the client starts with the schema and
steps down once per rejection (a 400/422 that names the format), remembering
the step for the rest of its life. The prompt spells out the schema in every
mode and the answer is validated the same way whatever the mode.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from models.teacher.prompt import build_prompt
from models.teacher.schema import answer_json_schema, parse_answer
from models.teacher.types import (
    TeacherAnswer,
    TeacherConfigError,
    TeacherQuery,
    TeacherRateLimited,
    TeacherRejected,
    TeacherSchemaError,
    TeacherTimeout,
    TeacherUnavailable,
)
from sentimon.settings import Settings

log = logging.getLogger(__name__)

FORMATS = ("json_schema", "json_object", "plain")
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "format")
# Without a usage block, bill roughly one token per four characters, the usual English average.
_CHARS_PER_TOKEN = 4


def completions_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class OpenAICompatTeacher:
    def __init__(self, settings: Settings, *, name: str = "openai", client: httpx.AsyncClient | None = None) -> None:
        if not settings.teacher_url:
            raise TeacherConfigError("the openai teacher needs SENTIMON_TEACHER_URL")
        self.name = name
        self._url = completions_url(settings.teacher_url)
        self._model = settings.teacher_model
        self._aspects = tuple(settings.aspects)
        self._max_tokens = settings.teacher_max_tokens
        self._auto = settings.teacher_response_format == "auto"
        self.format = "json_schema" if self._auto else settings.teacher_response_format
        key = settings.teacher_api_key.get_secret_value()
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(settings.teacher_timeout),
            limits=httpx.Limits(max_connections=settings.teacher_concurrency),
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        prompt = build_prompt(query.text, query.context, self._aspects)
        while True:
            body: dict[str, Any] = {
                "model": self._model,
                "messages": prompt.messages,
                "temperature": 0,
                "max_tokens": self._max_tokens,
                **self._format_field(),
            }
            try:
                response = await self._client.post(self._url, json=body)
            except httpx.TimeoutException as exc:
                raise TeacherTimeout(f"{type(exc).__name__} from {self._url}") from exc
            except httpx.HTTPError as exc:
                raise TeacherUnavailable(f"{type(exc).__name__}: {exc}") from exc
            if response.status_code in (400, 422) and self._step_down(response):
                continue
            _raise_for_status(response)
            prompt_chars = sum(len(m["content"]) for m in prompt.messages)
            return self._answer(response, prompt_chars)

    def _format_field(self) -> dict[str, Any]:
        if self.format == "json_schema":
            schema = {"name": "sentiment_label", "schema": answer_json_schema(self._aspects)}
            return {"response_format": {"type": "json_schema", "json_schema": schema}}
        if self.format == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {}

    def _step_down(self, response: httpx.Response) -> bool:
        if not self._auto or self.format == FORMATS[-1]:
            return False
        text = response.text.lower()
        if not any(word in text for word in _FORMAT_WORDS):
            return False
        rejected = self.format
        self.format = FORMATS[FORMATS.index(rejected) + 1]
        log.warning("%s rejects response_format %s; using %s from now on", self._url, rejected, self.format)
        return True

    def _answer(self, response: httpx.Response, prompt_chars: int) -> TeacherAnswer:
        try:
            data = response.json()
        except ValueError as exc:
            raise TeacherUnavailable(f"response body is not JSON: {response.text[:120]!r}") from exc
        try:
            message = data["choices"][0]["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TeacherUnavailable(f"response is not a chat completion: {str(data)[:120]}") from exc
        content = message.get("content") if isinstance(message, dict) else None
        tokens = _tokens(data, prompt_chars, content)
        if not isinstance(content, str):
            raise TeacherSchemaError("answer has no text content (refused?)", tokens=tokens)
        return parse_answer(content, self._aspects, self.name, tokens)

    async def aclose(self) -> None:
        await self._client.aclose()


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    detail = f"HTTP {status}: {response.text[:200]}"
    if status == 429:
        raise TeacherRateLimited(detail, retry_after_seconds(response.headers.get("retry-after")))
    if status == 408 or status >= 500:
        raise TeacherUnavailable(detail)
    raise TeacherRejected(detail)


def _tokens(data: Any, prompt_chars: int, content: object) -> int:
    usage = data.get("usage") if isinstance(data, dict) else None
    total = usage.get("total_tokens") if isinstance(usage, dict) else None
    if isinstance(total, int) and total >= 0:
        return total
    answer_chars = len(content) if isinstance(content, str) else 0
    return (prompt_chars + answer_chars) // _CHARS_PER_TOKEN

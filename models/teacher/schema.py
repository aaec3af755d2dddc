"""The one shape a teacher's answer must have, used both to constrain the model and to check it.

The same pydantic model yields the JSON Schema sent as ``response_format`` and
validates what comes back, so the constraint and the check cannot drift apart.
Aspects are an enum of the *configured* aspects, so the model is built per
aspect list. An LLM's answer is untrusted output: anything outside the schema
(an emotion not in GoEmotions, an unknown aspect, a polarity that contradicts
its own probabilities) is a :class:`TeacherSchemaError`, never silently fixed
into a label that would then train the student.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from models.teacher.types import TeacherAnswer, TeacherSchemaError
from sentimon.labels import GOEMOTIONS, POLARITIES, Polarity
from sentimon.records import AspectPolarity, Probs

Emotion = Literal[GOEMOTIONS]  # type: ignore[valid-type]

RATIONALE_MAX_CHARS = 400
_PROB_SUM_TOLERANCE = 0.05
_FENCE = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.DOTALL)


class ProbsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    negative: float = Field(ge=0, le=1)
    neutral: float = Field(ge=0, le=1)
    positive: float = Field(ge=0, le=1)


class AnswerBase(BaseModel):
    """Fields common to every aspect list; :func:`answer_model` adds the aspect enum."""

    model_config = ConfigDict(extra="forbid")

    polarity: Polarity
    confidence: float = Field(ge=0, le=1, description="How sure the polarity is, 0 to 1.")
    probs: ProbsOut | None = Field(None, description="Optional probabilities of the three polarities.")
    emotions: list[Emotion] = Field(max_length=len(GOEMOTIONS), description="GoEmotions labels expressed.")
    rationale: str = Field(max_length=RATIONALE_MAX_CHARS, description="One line: why this polarity.")

    @field_validator("rationale")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())


@lru_cache(maxsize=16)
def answer_model(aspects: tuple[str, ...]) -> type[AnswerBase]:
    """The answer model for one aspect list (cached: it is rebuilt for every request otherwise)."""
    if aspects:
        aspect_type: Any = Literal[aspects]  # type: ignore[valid-type]
        limit = len(aspects)
    else:
        aspect_type, limit = Literal[""], 0
    item = create_model(
        "AspectOut",
        __config__=ConfigDict(extra="forbid"),
        aspect=(aspect_type, ...),
        polarity=(Polarity, ...),
    )
    return create_model(
        "TeacherAnswerSchema",
        __base__=AnswerBase,
        aspects=(list[item], Field(max_length=limit, description="Configured aspects the post talks about.")),
    )


def answer_json_schema(aspects: tuple[str, ...]) -> dict[str, Any]:
    return answer_model(aspects).model_json_schema()


def extract_json(content: str) -> Any:
    """JSON from a model's message: bare, in a fenced block, or the outermost braces within prose.

    Servers without structured output (plain mode) often wrap the object in
    prose or a Markdown fence; the object itself is still validated strictly.
    """
    text = content.strip()
    candidates = [text]
    fenced = _FENCE.search(text)
    if fenced:
        candidates.append(fenced.group(1))
    first, last = text.find("{"), text.rfind("}")
    if 0 <= first < last:
        candidates.append(text[first : last + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    raise TeacherSchemaError(f"answer is not JSON: {text[:120]!r}")


def parse_answer(content: str, aspects: tuple[str, ...], teacher: str, tokens: int = 0) -> TeacherAnswer:
    """Validate a model's raw message text into a :class:`TeacherAnswer` or raise TeacherSchemaError.

    The error carries ``tokens`` too: a malformed answer cost them all the same, and the budget counts them.
    """
    try:
        return _answer_of(content, aspects, teacher, tokens)
    except TeacherSchemaError as exc:
        exc.tokens = tokens
        raise


def _answer_of(content: str, aspects: tuple[str, ...], teacher: str, tokens: int) -> TeacherAnswer:
    payload = extract_json(content)
    try:
        parsed = answer_model(aspects).model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TeacherSchemaError(f"answer fails the schema at {where or 'top'}: {first['msg']}") from exc
    probs = _probs_of(parsed)
    return TeacherAnswer(
        teacher=teacher,
        polarity=parsed.polarity,
        probs=probs,
        confidence=getattr(probs, parsed.polarity),
        emotions=tuple(dict.fromkeys(parsed.emotions)),
        aspects=_unique_aspects(
            AspectPolarity(aspect=a.aspect, polarity=a.polarity)
            for a in parsed.aspects  # type: ignore[attr-defined]
        ),
        rationale=parsed.rationale,
        tokens=tokens,
    )


def _probs_of(parsed: AnswerBase) -> Probs:
    """Probabilities from the answer; a bare confidence spreads the rest evenly over the other two."""
    if parsed.probs is not None:
        values = [parsed.probs.negative, parsed.probs.neutral, parsed.probs.positive]
        total = sum(values)
        if abs(total - 1.0) > _PROB_SUM_TOLERANCE:
            raise TeacherSchemaError(f"answer probs sum to {total:.3f}, not 1")
        values = [v / total for v in values]
        if values[POLARITIES.index(parsed.polarity)] < max(values) - 1e-9:
            raise TeacherSchemaError(f"answer says {parsed.polarity} but its probs favour another polarity")
        return Probs.from_list(values)
    top = max(parsed.confidence, 1 / 3)
    rest = (1.0 - top) / 2
    return Probs.from_list([top if p == parsed.polarity else rest for p in POLARITIES])


def _unique_aspects(items: Any) -> tuple[AspectPolarity, ...]:
    """First mention of an aspect wins: one aspect cannot be both praised and panned by one answer."""
    seen: dict[str, AspectPolarity] = {}
    for item in items:
        seen.setdefault(item.aspect, item)
    return tuple(seen.values())

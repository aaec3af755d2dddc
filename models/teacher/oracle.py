"""EVALUATION TOOL: a "teacher" that answers from gold labels, optionally with emulated mistakes.

Not for production use. It exists so that the cascade, the ensemble and
re-distillation can be measured on labeled streams without an LLM: with a
noise rate it behaves like an imperfect teacher whose error rate is known.

Gold file: JSON Lines, one object per post with ``polarity`` (or ``label``:
a polarity name or its index in negative/neutral/positive), and ``id`` and/or
``text`` to match posts by; optional ``emotions`` and ``aspects``. A post is
looked up by id first, then by its whitespace-normalised text.

Noise is decided per post from a hash of the seed and the post, not drawn from
one shared generator, so a post gets the same (possibly wrong) answer however
many times and in whatever order it is asked, like a deterministic LLM.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.teacher.schema import Emotion
from models.teacher.types import TeacherAnswer, TeacherConfigError, TeacherQuery, TeacherRejected
from sentimon.labels import POLARITIES, Polarity
from sentimon.records import AspectPolarity, Probs


class GoldExample(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str | None = None
    text: str | None = None
    polarity: Polarity = Field(validation_alias=AliasChoices("polarity", "label"))
    emotions: tuple[Emotion, ...] = ()
    aspects: tuple[AspectPolarity, ...] = ()

    @field_validator("polarity", mode="before")
    @classmethod
    def _index_or_name(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(POLARITIES):
            return POLARITIES[value]
        return value


def normalise_text(text: str) -> str:
    return " ".join(text.split())


def read_gold_file(path: Path) -> list[GoldExample]:
    """Every example of a gold file; a malformed line fails loudly, since a skewed gold set skews every number."""
    examples = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                example = GoldExample.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise TeacherConfigError(f"{path}:{number}: not a gold example: {exc}") from exc
            if example.id is None and example.text is None:
                raise TeacherConfigError(f"{path}:{number}: a gold example needs an id or a text")
            examples.append(example)
    return examples


@dataclass(frozen=True)
class _Gold:
    key: str
    example: GoldExample


class OracleTeacher:
    """Answers with the gold label; with ``noise`` > 0 that share of posts gets another polarity."""

    def __init__(self, examples: list[GoldExample], *, noise: float = 0.0, seed: int = 0, name: str = "oracle") -> None:
        if not 0.0 <= noise <= 1.0:
            raise TeacherConfigError(f"oracle noise must be within 0..1, got {noise}")
        self.name = name
        self._noise = noise
        self._seed = seed
        self._by_id = {e.id: _Gold(f"id:{e.id}", e) for e in examples if e.id is not None}
        self._by_text = {
            normalise_text(e.text): _Gold(f"text:{normalise_text(e.text)}", e) for e in examples if e.text is not None
        }

    @classmethod
    def from_file(cls, path: Path, *, noise: float = 0.0, seed: int = 0, name: str = "oracle") -> OracleTeacher:
        return cls(read_gold_file(path), noise=noise, seed=seed, name=name)

    def lookup(self, query: TeacherQuery) -> _Gold | None:
        return self._by_id.get(query.post_id) or self._by_text.get(normalise_text(query.text))

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        gold = self.lookup(query)
        if gold is None:
            raise TeacherRejected(f"no gold label for post {query.post_id}")
        polarity = gold.example.polarity
        rng = random.Random(f"{self._seed}:{gold.key}")
        if rng.random() < self._noise:
            polarity = rng.choice([p for p in POLARITIES if p != polarity])
        return TeacherAnswer(
            teacher=self.name,
            polarity=polarity,  # type: ignore[arg-type]
            probs=Probs.from_list([1.0 if p == polarity else 0.0 for p in POLARITIES]),
            confidence=1.0,
            emotions=gold.example.emotions,
            aspects=gold.example.aspects,
            # The same rationale either way: an imperfect teacher does not announce its mistakes.
            rationale="oracle (evaluation): gold label",
        )

    async def aclose(self) -> None:
        """Holds nothing but the labels in memory."""

"""The embedded default teacher: a local encoder bigger or longer-trained than the student.

It needs no LLM, no network and no key, so a fresh install closes the loop
out of the box. It is built and cached by the distillation side (the teacher
registry); this module takes the loaded scorer as an argument because
``models`` must not depend on ``distill`` — the stream's factory or the CLI
resolves and loads it.
"""

from __future__ import annotations

import asyncio

from models.teacher.types import TeacherAnswer, TeacherQuery
from models.types import Scorer
from sentimon.labels import POLARITIES
from sentimon.records import AspectPolarity, Probs


class EncoderTeacher:
    def __init__(self, scorer: Scorer, *, name: str = "encoder") -> None:
        self.name = name
        self._scorer = scorer

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        # ONNX inference is CPU-bound: off the event loop so the worker keeps consuming.
        (prediction,) = await asyncio.to_thread(self._scorer.predict, [query.text], [query.context])
        polarity = prediction.polarity
        if polarity not in POLARITIES:
            raise ValueError(f"encoder teacher predicted unknown polarity {polarity!r}")
        return TeacherAnswer(
            teacher=self.name,
            polarity=polarity,  # type: ignore[arg-type]
            probs=Probs.from_list(list(prediction.probs)),
            confidence=prediction.max_prob,
            emotions=prediction.emotions,
            aspects=tuple(AspectPolarity(aspect=a, polarity=p) for a, p in prediction.aspects),  # type: ignore[arg-type]
            rationale=f"encoder {self._scorer.version}: top probability {prediction.max_prob:.2f}",
        )

    async def aclose(self) -> None:
        """The scorer's session is freed with the object; nothing to release early."""

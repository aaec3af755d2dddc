"""The encoder teacher over a real ONNX runtime: the tiny registered student stands in for the bigger encoder."""

from __future__ import annotations

from models.student import RuntimeOptions, StudentRuntime
from models.teacher.encoder import EncoderTeacher
from models.teacher.resilience import ResiliencePolicy, ResilientTeacher
from models.teacher.types import TeacherQuery
from sentimon.settings import Settings
from tests.fixtures.student import NEGATIVE_TEXT, POSITIVE_TEXT, TINY_ASPECTS


def current_model_dir(settings: Settings) -> str:
    registry = settings.registry_dir
    return str(registry / "versions" / (registry / "current").read_text().strip())


async def test_encoder_teacher_answers_from_the_model(student_settings: Settings) -> None:
    runtime = StudentRuntime.load(current_model_dir(student_settings), RuntimeOptions.of(student_settings))
    teacher = ResilientTeacher(EncoderTeacher(runtime), ResiliencePolicy.of(student_settings))
    positive = await teacher.ask(TeacherQuery("p1", POSITIVE_TEXT))
    negative = await teacher.ask(TeacherQuery("p2", "agreed", context="worst customer service I have ever had"))
    direct = runtime.predict([POSITIVE_TEXT])[0]
    assert (positive.polarity, negative.polarity) == ("positive", "negative")
    assert positive.teacher == "encoder" and positive.calls[0].ok
    assert positive.probs.as_list() == list(direct.probs) and positive.confidence == direct.max_prob
    assert positive.emotions == direct.emotions
    assert all(a.aspect in TINY_ASPECTS for a in positive.aspects)
    assert runtime.version in positive.rationale
    assert (await teacher.ask(TeacherQuery("p3", NEGATIVE_TEXT))).polarity == "negative"

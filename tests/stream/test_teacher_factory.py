"""Building the configured teacher from settings, calibration of an ensemble included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.registry import Registry
from models.teacher.ensemble import EnsembleTeacher
from models.teacher.resilience import ResilientTeacher
from models.teacher.types import TeacherConfigError, TeacherFailed, TeacherQuery
from sentimon.settings import Settings
from stream.demo import DEMO_ORACLE_NAME, LABELS_FILE, DemoStream
from stream.teacher_factory import build_teacher
from tests.fixtures.teacher import ChatCompletionsServer

CLEAR_POSTS = [
    ("love it, fantastic", "positive"),
    ("terrible and broken", "negative"),
    ("it is a Tuesday", "neutral"),
    ("great, thanks", "positive"),
    ("awful, rude staff", "negative"),
    ("the shop opens at nine", "neutral"),
]


def gold_file(path: Path, repeat: int) -> Path:
    rows = [
        {"id": f"g{i}-{j}", "text": f"{text} #{j}", "label": label}
        for j in range(repeat)
        for i, (text, label) in enumerate(CLEAR_POSTS)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


async def test_one_backend_is_wrapped_in_the_resilience_layer(teacher_settings: Settings) -> None:
    teacher = await build_teacher(teacher_settings)
    try:
        assert isinstance(teacher, ResilientTeacher) and teacher.name == "openai"
    finally:
        await teacher.aclose()


async def test_ensemble_is_calibrated_on_the_labeled_file(
    teacher_settings: Settings, llm_server: ChatCompletionsServer, tmp_path: Path
) -> None:
    gold = gold_file(tmp_path / "gold.jsonl", repeat=10)
    settings = teacher_settings.model_copy(
        update={
            "teacher_backends": ["oracle", "openai"],
            "teacher_oracle_file": str(gold),
            "teacher_oracle_noise": 0.4,
            "teacher_calibration_file": str(gold),
            "teacher_calibration_size": 48,
            "teacher_queries_per_post": 1,
        }
    )
    teacher = await build_teacher(settings)
    try:
        assert isinstance(teacher, EnsembleTeacher)
        assert len(llm_server.received) == 48 and len(teacher.history) == 48
        # The lexicon server is right on these clear posts; the oracle is wrong 40% of the time.
        assert [m.name for m in teacher.selection()] == ["openai"]
    finally:
        await teacher.aclose()


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"teacher_backends": ["gpt5"]}, "unknown teacher backend"),
        ({"teacher_backends": ["openai", "openai"]}, "listed twice"),
        ({"teacher_backends": ["oracle"], "teacher_oracle_file": ""}, "ORACLE_FILE"),
        ({"teacher_backends": ["openai"], "teacher_url": ""}, "TEACHER_URL"),
        ({"teacher_backends": ["llamacpp"], "teacher_gguf_path": "/nonexistent/model.gguf"}, "GGUF|llama-cpp"),
    ],
)
async def test_misconfiguration_fails_at_start_with_a_clear_message(
    teacher_settings: Settings, update: dict[str, object], message: str
) -> None:
    with pytest.raises(TeacherConfigError, match=message):
        await build_teacher(teacher_settings.model_copy(update=update))


async def test_encoder_backend_is_resolved_through_the_teacher_registry(student_settings: Settings) -> None:
    """The tiny student, copied into the teacher registry, plays the already-built encoder teacher."""
    from tests.fixtures.student import POSITIVE_TEXT

    shutil.copytree(student_settings.registry_dir, Registry.of_teachers(student_settings).root)
    teacher = await build_teacher(student_settings.model_copy(update={"teacher_backends": ["encoder"]}))
    try:
        answer = await teacher.ask(TeacherQuery("p1", POSITIVE_TEXT))
    finally:
        await teacher.aclose()
    assert (teacher.name, answer.polarity) == ("encoder", "positive")


async def test_an_encoder_teacher_not_built_is_an_error_naming_the_command_not_a_training_run(
    teacher_settings: Settings,
) -> None:

    settings = teacher_settings.model_copy(update={"teacher_backends": ["encoder"]})
    with pytest.raises(TeacherConfigError, match="sentimon bootstrap --teacher"):
        await build_teacher(settings)
    assert Registry.of_teachers(settings).current() is None
    assert not Registry.of_teachers(settings).versions()


async def test_the_demo_teacher_answers_demo_posts_in_any_pass_with_their_generated_labels(
    teacher_settings: Settings,
) -> None:
    stream = DemoStream.load()
    labels = {row["id"]: row for row in map(json.loads, LABELS_FILE.read_text().splitlines())}
    teacher = await build_teacher(teacher_settings.model_copy(update={"teacher_backends": ["demo"]}))
    try:
        assert teacher.name == DEMO_ORACLE_NAME
        replayed = [item for _, item in stream.round(1234) if isinstance(item, dict)]
        for post in replayed[:: len(replayed) // 25]:
            answer = await teacher.ask(TeacherQuery(str(post["id"]), str(post["text"])))
            gold = labels[str(post["id"]).removesuffix("-r1234")]
            assert (answer.teacher, answer.polarity, list(answer.emotions)) == (
                DEMO_ORACLE_NAME,
                gold["polarity"],
                gold["emotions"],
            )
        # A post that is not the demo's, even one with a demo post's text, gets no answer at all.
        with pytest.raises(TeacherFailed, match="no gold label"):
            await teacher.ask(TeacherQuery("user-post-1", str(replayed[0]["text"])))
    finally:
        await teacher.aclose()

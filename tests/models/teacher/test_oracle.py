"""The evaluation oracle: gold answers by id or text, and a noise rate that behaves as configured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.teacher.oracle import OracleTeacher, read_gold_file
from models.teacher.types import TeacherConfigError, TeacherQuery, TeacherRejected
from sentimon.labels import POLARITIES


def write_gold(path: Path, n: int) -> Path:
    with path.open("w") as out:
        for i in range(n):
            out.write(json.dumps({"id": f"p{i}", "text": f"post number {i}", "label": i % 3}) + "\n")
    return path


async def test_answers_gold_by_id_then_by_text(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "a", "text": "x", "polarity": "positive", "emotions": ["joy"]})
        + "\n\n"
        + json.dumps({"text": "  Some   spaced text ", "label": "negative"})
        + "\n"
    )
    oracle = OracleTeacher.from_file(gold)
    by_id = await oracle.ask(TeacherQuery("a", "whatever"))
    by_text = await oracle.ask(TeacherQuery("unknown-id", "Some spaced text"))
    assert (by_id.polarity, by_id.emotions, by_id.confidence) == ("positive", ("joy",), 1.0)
    assert by_text.polarity == "negative"
    with pytest.raises(TeacherRejected):
        await oracle.ask(TeacherQuery("nope", "never seen"))


async def test_noise_rate_is_met_and_answers_are_stable(tmp_path: Path) -> None:
    examples = read_gold_file(write_gold(tmp_path / "gold.jsonl", 3000))
    oracle = OracleTeacher(examples, noise=0.2, seed=5)
    queries = [TeacherQuery(e.id or "", e.text or "") for e in examples]
    first = [(await oracle.ask(q)).polarity for q in queries]
    again = [(await oracle.ask(q)).polarity for q in reversed(queries)][::-1]
    wrong = sum(answer != e.polarity for answer, e in zip(first, examples, strict=True))
    assert 0.17 <= wrong / len(examples) <= 0.23
    assert first == again  # the same post gets the same answer, whatever the order
    other_seed = OracleTeacher(examples, noise=0.2, seed=6)
    assert first != [(await other_seed.ask(q)).polarity for q in queries]
    clean = OracleTeacher(examples, noise=0.0)
    assert [(await clean.ask(q)).polarity for q in queries] == [e.polarity for e in examples]
    assert set(first) == set(POLARITIES)


def test_bad_gold_lines_fail_loudly_with_their_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "a", "label": "positive"}) + "\n" + json.dumps({"id": "b", "label": "meh"}) + "\n"
    )
    with pytest.raises(TeacherConfigError, match=":2:"):
        read_gold_file(gold)
    gold.write_text(json.dumps({"label": "positive"}) + "\n")
    with pytest.raises(TeacherConfigError, match="id or a text"):
        read_gold_file(gold)
    with pytest.raises(TeacherConfigError):
        OracleTeacher([], noise=1.5)

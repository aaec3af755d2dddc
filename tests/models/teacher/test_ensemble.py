"""Greedy mutual-information selection and answer combination, with scripted teachers.

Three teachers: an accurate one, an exact copy of it, and an independent noisier
one. By accuracy alone the copy ranks second; by information it adds nothing,
so a budget of two must go to the accurate one and the independent one.
"""

from __future__ import annotations

import random

import pytest

from models.teacher.ensemble import AnswerHistory, EnsembleTeacher, greedy_ranking
from models.teacher.types import TeacherAnswer, TeacherFailed, TeacherQuery, TeacherUnavailable
from sentimon.labels import POLARITIES, Polarity
from sentimon.records import Probs


def gold_of(post_id: str) -> Polarity:
    return random.Random(f"gold:{post_id}").choice(POLARITIES)  # type: ignore[return-value]


def noisy_answer(post_id: str, accuracy: float, salt: str) -> Polarity:
    rng = random.Random(f"{salt}:{post_id}")
    truth = gold_of(post_id)
    if rng.random() < accuracy:
        return truth
    return rng.choice([p for p in POLARITIES if p != truth])  # type: ignore[return-value]


class ScriptedTeacher:
    """A real Teacher whose answers follow a fixed rule per post; it records what it was asked."""

    def __init__(self, name: str, accuracy: float, salt: str, confidence: float = 0.8) -> None:
        self.name = name
        self.accuracy = accuracy
        self.salt = salt
        self.confidence = confidence
        self.asked: list[str] = []
        self.failing: set[str] = set()

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        self.asked.append(query.post_id)
        if query.post_id in self.failing:
            raise TeacherUnavailable("scripted outage")
        polarity = noisy_answer(query.post_id, self.accuracy, self.salt)
        rest = (1 - self.confidence) / 2
        return TeacherAnswer(
            teacher=self.name,
            polarity=polarity,
            probs=Probs.from_list([self.confidence if p == polarity else rest for p in POLARITIES]),
            confidence=self.confidence,
            rationale=f"{self.name} says {polarity}",
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def trio() -> tuple[ScriptedTeacher, ScriptedTeacher, ScriptedTeacher]:
    accurate = ScriptedTeacher("accurate", 0.9, salt="A")
    copy = ScriptedTeacher("copy", 0.9, salt="A")  # same rule, same salt: always agrees with accurate
    noisy = ScriptedTeacher("noisy", 0.7, salt="N")
    return accurate, copy, noisy


def labeled(n: int, tag: str = "cal") -> list[tuple[TeacherQuery, Polarity]]:
    return [(TeacherQuery(f"{tag}{i}", f"text {i}"), gold_of(f"{tag}{i}")) for i in range(n)]


async def calibrated(k: int) -> tuple[EnsembleTeacher, tuple[ScriptedTeacher, ...]]:
    accurate, copy, noisy = trio()
    # The copy is listed second so that configuration order would favour it.
    ensemble = EnsembleTeacher([accurate, copy, noisy], k=k)
    await ensemble.calibrate(labeled(400))
    for member in (accurate, copy, noisy):
        member.asked.clear()
    return ensemble, (accurate, copy, noisy)


async def test_budget_of_two_picks_the_accurate_and_the_independent_teacher_not_the_copy() -> None:
    ensemble, (accurate, copy, noisy) = await calibrated(k=2)
    history = ensemble.history
    # By accuracy the copy ranks second, so this selection is not what accuracy alone would give.
    assert history.reliability(1) > history.reliability(2)
    assert [m.name for m in ensemble.selection()] == ["accurate", "noisy"]
    # The copy adds (almost) no information given the accurate one; the independent teacher does.
    assert history.mutual_information([0, 1]) - history.mutual_information([0]) < 0.01
    assert history.mutual_information([0, 2]) - history.mutual_information([0]) > 0.05

    for query, _ in labeled(50, tag="live"):
        await ensemble.ask(query)
    assert len(accurate.asked) == len(noisy.asked) == 50
    assert copy.asked == []


async def test_budget_is_not_spent_on_a_teacher_that_adds_nothing() -> None:
    ensemble, (_, copy, _) = await calibrated(k=3)
    assert [m.name for m in ensemble.selection()] == ["accurate", "noisy"]
    await ensemble.ask(TeacherQuery("live", "x"))
    assert copy.asked == []


async def test_combined_answer_follows_the_more_reliable_teacher_on_disagreement() -> None:
    ensemble, _ = await calibrated(k=2)
    disagreements = [
        q for q, _ in labeled(300, tag="d") if noisy_answer(q.post_id, 0.9, "A") != noisy_answer(q.post_id, 0.7, "N")
    ]
    assert disagreements
    for query in disagreements[:20]:
        answer = await ensemble.ask(query)
        assert answer.polarity == noisy_answer(query.post_id, 0.9, "A")
        assert answer.teacher == "accurate+noisy"
        assert answer.rationale.startswith("accurate")
        assert sum(answer.probs.as_list()) == pytest.approx(1.0)
        assert [c.backend for c in answer.calls] == []  # scripted members are not wrapped: no records


async def test_a_failed_member_is_replaced_by_the_next_ranked_one() -> None:
    ensemble, (accurate, copy, noisy) = await calibrated(k=2)
    accurate.failing.add("p1")
    answer = await ensemble.ask(TeacherQuery("p1", "x"))
    assert answer.teacher == "noisy+copy"
    assert copy.asked == ["p1"]
    for member in (accurate, copy, noisy):
        member.failing.add("p2")
    with pytest.raises(TeacherFailed) as failed:
        await ensemble.ask(TeacherQuery("p2", "x"))
    assert sorted(c.backend for c in failed.value.calls) == ["accurate", "copy", "noisy"]
    assert all(not c.ok and c.error_kind == "unavailable" for c in failed.value.calls)


async def test_without_history_the_configured_order_is_used() -> None:
    accurate, copy, noisy = trio()
    ensemble = EnsembleTeacher([copy, noisy, accurate], k=2)
    assert [m.name for m in ensemble.selection()] == ["copy", "noisy"]


def test_mutual_information_estimates() -> None:
    history = AnswerHistory(["perfect", "constant", "missing"])
    for i in range(300):
        label = POLARITIES[i % 3]
        history.add({"perfect": label, "constant": "neutral", "missing": None}, label)  # type: ignore[dict-item]
    assert history.mutual_information([0]) == pytest.approx(1.585, abs=0.02)  # log2(3): knows the label
    assert history.mutual_information([1]) == pytest.approx(0.0, abs=0.01)
    assert history.mutual_information([2]) == pytest.approx(0.0, abs=0.01)
    order, worth = greedy_ranking(history, min_gain=0.01)
    assert order[0] == 0 and worth == 1
    assert history.reliability(1) == pytest.approx(0.0, abs=0.01)  # right a third of the time: no vote

"""Several teachers, a per-post query budget k, and greedy mutual-information selection.

Asking every teacher about every post multiplies the cost; asking the k most
accurate ones wastes the budget when they make the same mistakes. Following
Turkmen, Buyukates & Bastopcu, "Don't Always Pick the Highest-Performing
Model" (arXiv 2602.08003), the teachers to ask are chosen greedily to maximise
the mutual information between the true label Y and the chosen teachers'
answers: first the teacher that says most about Y, then the one that adds
most *given* those already chosen. A teacher that always agrees with a chosen
one adds nothing (its answer is a function of one already known) and is not
chosen; an independent teacher with its own mistakes adds information even if
it is less accurate.

The information terms are plug-in estimates from an answer history: rows of
every member's answer (or its failure) on posts whose true label is known —
a labeled calibration set answered at start-up, plus any gold feedback given
to :meth:`EnsembleTeacher.observe`. Entropies get the Miller–Madow correction
so that a useless teacher does not look informative merely because a joint
table with more cells overfits a small history. Selection stops early when the
best gain is below ``min_gain`` bits: budget left unspent is money saved.
Members not selected stay in the ranking as failover when a selected one fails.

Answers are combined by averaging probabilities weighted by each member's
estimated reliability (log-odds of its history accuracy); emotions, aspects
and rationale come from the most reliable member agreeing with the result, so
they stay coherent with one reading of the post.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models.teacher.types import (
    CallRecord,
    Teacher,
    TeacherAnswer,
    TeacherFailed,
    TeacherQuery,
    failure_calls,
)
from sentimon.labels import POLARITIES, Polarity
from sentimon.records import Probs

log = logging.getLogger(__name__)

NO_ANSWER = "-"
DEFAULT_MIN_GAIN_BITS = 0.01
HISTORY_ROWS = 10_000


def _entropy_bits(counts: Counter, total: int) -> float:
    """Miller–Madow corrected entropy: plug-in plus (cells - 1) / 2N nats."""
    plug_in = -sum(c / total * math.log(c / total) for c in counts.values())
    return (plug_in + (len(counts) - 1) / (2 * total)) / math.log(2)


class AnswerHistory:
    """Members' answers on posts with a known label, as symbols (a polarity or NO_ANSWER)."""

    def __init__(self, members: Sequence[str], max_rows: int = HISTORY_ROWS) -> None:
        self.members = tuple(members)
        self._rows: deque[tuple[tuple[str, ...], str]] = deque(maxlen=max_rows)

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, answers: Mapping[str, Polarity | None], label: Polarity) -> None:
        self._rows.append((tuple(answers.get(m) or NO_ANSWER for m in self.members), label))

    def mutual_information(self, chosen: Sequence[int]) -> float:
        """I(Y; answers of ``chosen``) in bits; 0 for the empty set or history."""
        total = len(self._rows)
        if not chosen or total == 0:
            return 0.0
        joint: Counter = Counter()
        answers: Counter = Counter()
        labels: Counter = Counter()
        for row, label in self._rows:
            key = tuple(row[i] for i in chosen)
            joint[key, label] += 1
            answers[key] += 1
            labels[label] += 1
        info = _entropy_bits(answers, total) + _entropy_bits(labels, total) - _entropy_bits(joint, total)
        return max(0.0, info)

    def reliability(self, member: int) -> float:
        """Vote weight: log-odds of being right against a wrong label, Laplace-smoothed; 1 with no history.

        log((K-1)·acc / (1-acc)) is the optimal weight of a symmetric-noise voter over K
        classes; a member no better than chance gets weight 0.
        """
        answered = [(row[member], label) for row, label in self._rows if row[member] != NO_ANSWER]
        if not answered:
            return 1.0
        accuracy = (sum(answer == label for answer, label in answered) + 1) / (len(answered) + 2)
        return max(0.0, math.log((len(POLARITIES) - 1) * accuracy / (1 - accuracy)))


def greedy_ranking(history: AnswerHistory, min_gain: float) -> tuple[list[int], int]:
    """All members in greedy-MI order, and how many of the first are worth asking.

    Ties go to the earlier member in configuration order, so an operator can
    list cheaper teachers first.
    """
    n = len(history.members)
    if len(history) == 0:
        return list(range(n)), n
    order: list[int] = []
    worth, current, stopped = 0, 0.0, False
    while len(order) < n:
        best, best_info = -1, -1.0
        for candidate in range(n):
            if candidate in order:
                continue
            info = history.mutual_information([*order, candidate])
            if info > best_info + 1e-12:
                best, best_info = candidate, info
        stopped = stopped or (bool(order) and best_info - current < min_gain)
        worth += not stopped
        order.append(best)
        current = max(current, best_info)
    return order, max(1, worth)


@dataclass(frozen=True)
class Plan:
    """Who to ask (greedy order; the first ``wanted`` under the budget) and how much each vote weighs."""

    order: list[int]
    wanted: int
    weights: list[float]


class EnsembleTeacher:
    def __init__(
        self,
        members: Sequence[Teacher],
        k: int,
        *,
        min_gain: float = DEFAULT_MIN_GAIN_BITS,
        name: str = "ensemble",
    ) -> None:
        names = [m.name for m in members]
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if len(set(names)) != len(names):
            raise ValueError(f"ensemble members need distinct names, got {names}")
        self.name = name
        self.members = list(members)
        self.k = max(1, k)
        self.history = AnswerHistory(names)
        self._min_gain = min_gain
        self._plan: Plan | None = None

    def plan(self) -> Plan:
        """Recomputed only when the history changed: the greedy search is too dear to run per post."""
        if self._plan is None:
            order, worth = greedy_ranking(self.history, self._min_gain)
            weights = [self.history.reliability(i) for i in range(len(self.members))]
            self._plan = Plan(order=order, wanted=min(self.k, worth), weights=weights)
        return self._plan

    def selection(self) -> list[Teacher]:
        """The members asked first, in order, under the budget."""
        plan = self.plan()
        return [self.members[i] for i in plan.order[: plan.wanted]]

    def observe(self, answers: Mapping[str, Polarity | None], label: Polarity) -> None:
        """Record members' answers on a post whose true label became known."""
        self.history.add(answers, label)
        self._plan = None

    async def calibrate(self, examples: Sequence[tuple[TeacherQuery, Polarity]]) -> None:
        """Ask every member about every labeled example and record the answers as history."""
        # All at once: each member's own concurrency limit decides how many are really in flight.
        rounds = await asyncio.gather(
            *(asyncio.gather(*(m.ask(query) for m in self.members), return_exceptions=True) for query, _ in examples)
        )
        for (_, label), results in zip(examples, rounds, strict=True):
            for result in results:
                if isinstance(result, BaseException) and not isinstance(result, Exception):
                    raise result
            self.observe(
                {
                    m.name: r.polarity
                    for m, r in zip(self.members, results, strict=True)
                    if isinstance(r, TeacherAnswer)
                },
                label,
            )
        chosen = [m.name for m in self.selection()]
        log.info("ensemble calibrated on %d posts; asks %s (k=%d)", len(examples), chosen, self.k)

    async def ask(self, query: TeacherQuery) -> TeacherAnswer:
        plan = self.plan()
        queue = list(plan.order)
        answered: list[tuple[float, TeacherAnswer]] = []
        calls: list[CallRecord] = []
        # A failed member does not spend the budget: the next-ranked member stands in for it.
        while queue and len(answered) < plan.wanted:
            room = plan.wanted - len(answered)
            wave, queue = queue[:room], queue[room:]
            results = await asyncio.gather(*(self.members[i].ask(query) for i in wave), return_exceptions=True)
            for i, result in zip(wave, results, strict=True):
                if isinstance(result, TeacherAnswer):
                    answered.append((plan.weights[i], result))
                    calls.extend(result.calls)
                elif isinstance(result, Exception):
                    calls.extend(failure_calls(self.members[i].name, result))
                else:
                    raise result
        if not answered:
            raise TeacherFailed(f"no ensemble member answered post {query.post_id}", calls=tuple(calls))
        return combine(answered, tuple(calls))

    async def aclose(self) -> None:
        await asyncio.gather(*(m.aclose() for m in self.members))


def combine(answered: Sequence[tuple[float, TeacherAnswer]], calls: tuple[CallRecord, ...]) -> TeacherAnswer:
    """Reliability-weighted average of probabilities; the rest from the weightiest agreeing member."""
    weights = [w for w, _ in answered]
    if sum(weights) <= 0:
        weights = [1.0] * len(answered)
    total = sum(weights)
    answers = [a for _, a in answered]
    mixed = [
        sum(w * a.probs.as_list()[p] for w, a in zip(weights, answers, strict=True)) / total
        for p in range(len(POLARITIES))
    ]
    polarity: Polarity = POLARITIES[max(range(len(POLARITIES)), key=mixed.__getitem__)]
    lead = max(
        (pair for pair in zip(weights, answers, strict=True) if pair[1].polarity == polarity),
        key=lambda pair: pair[0],
        default=(0.0, answers[0]),
    )[1]
    return TeacherAnswer(
        teacher="+".join(a.teacher for a in answers),
        polarity=polarity,
        probs=Probs.from_list(mixed),
        confidence=max(mixed),
        emotions=lead.emotions,
        aspects=lead.aspects,
        rationale=lead.rationale,
        tokens=sum(a.tokens for a in answers),
        calls=calls,
    )

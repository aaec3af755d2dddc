"""What the benchmarks share: the labeled stream they replay, the student they start from, the oracle."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from distill.bootstrap import ensure_default_student
from distill.data import Example, read_tweeteval
from distill.metrics import accuracy, macro_f1
from models.registry import Registry
from models.student import RuntimeOptions, StudentRuntime
from models.teacher.oracle import GoldExample, OracleTeacher
from models.teacher.types import TeacherAnswer, TeacherQuery
from models.types import Prediction
from sentimon.labels import POLARITIES
from sentimon.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
TWEETEVAL = SHARED_DATA / "tweeteval_sentiment"
OUT_DIR = REPO / "bench" / "out"


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (NaN for no values): the benchmarks' one definition."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else math.nan


def tweeteval_test(directory: Path, limit: int | None, seed: int) -> list[Example] | None:
    """TweetEval's test split, shuffled reproducibly and cut to ``limit``; None when the data is absent."""
    if not (directory / "test_text.txt").is_file():
        print(f"TweetEval not found in {directory}; nothing to measure (it lives in ../shared/data).")
        return None
    examples = read_tweeteval(directory, "test")
    random.Random(seed).shuffle(examples)
    return examples[:limit] if limit else examples


def serving_student(settings: Settings) -> StudentRuntime:
    """The registry's current student; the first call exports the shipped one (or trains on the seed corpus)."""
    ensure_default_student(settings)
    return Registry.of(settings).load_runtime(RuntimeOptions.of(settings))


def gold_indices(examples: Sequence[Example]) -> np.ndarray:
    return np.array([POLARITIES.index(str(e.polarity)) for e in examples])


def predicted_indices(predictions: Sequence[Prediction]) -> np.ndarray:
    return np.array([POLARITIES.index(p.polarity) for p in predictions])


def answer_indices(answers: Sequence[TeacherAnswer]) -> np.ndarray:
    return np.array([POLARITIES.index(a.polarity) for a in answers])


def scores(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """(accuracy, macro-F1)."""
    return accuracy(gold, predicted), macro_f1(gold, predicted, len(POLARITIES))


def oracle_for(examples: Sequence[Example], ids: Sequence[str], noise: float, seed: int) -> OracleTeacher:
    gold = [GoldExample(id=i, polarity=e.polarity) for i, e in zip(ids, examples, strict=True)]
    return OracleTeacher(gold, noise=noise, seed=seed, name=f"oracle@{noise:.0%}")


def ask_all(oracle: OracleTeacher, examples: Sequence[Example], ids: Sequence[str]) -> list[TeacherAnswer]:
    """The oracle's answer for each example (it answers from memory, so all at once is fine)."""

    async def run() -> list[TeacherAnswer]:
        queries = [TeacherQuery(post_id=i, text=e.text) for i, e in zip(ids, examples, strict=True)]
        return list(await asyncio.gather(*(oracle.ask(q) for q in queries)))

    return asyncio.run(run())

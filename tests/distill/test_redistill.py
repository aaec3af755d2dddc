"""Re-distillation rounds on the tiny student: the gate refuses poison and lets good labels through.

The seed corpus is the tiny student's own training texts, so its gold slice is something the
current model answers well: a student that learned flipped labels must visibly get worse there.
Teacher labels are variations of those texts, as the stream tests publish them.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

from distill.data import Example, seed_split
from distill.label_store import LabelStore
from distill.redistill import MIN_CLASS_LABELS, example_of, of_classes, promoted_manifest, run_round, stream_classes
from distill.selection import difficulty, sample_by_difficulty
from models.registry import Registry
from sentimon.labels import POLARITIES
from sentimon.settings import Settings
from tests.distill.redistill_support import round_settings as tiny_round_settings
from tests.distill.redistill_support import teacher_labels


@pytest.fixture
def round_settings(student_settings: Settings, tmp_path: Path) -> Settings:
    return tiny_round_settings(student_settings, tmp_path)


def test_gold_slice_is_not_empty(round_settings: Settings) -> None:
    _train, gold = seed_split(round_settings)
    assert len(gold) >= 4


def test_a_60_percent_poisoned_round_is_refused_and_the_old_model_stays(round_settings: Settings) -> None:
    registry = Registry.of(round_settings)
    store = LabelStore(round_settings.label_store_path)
    before = registry.current()
    assert before is not None
    store.add(teacher_labels(before, poisoned=0.6))

    result = run_round(round_settings, store, registry)

    assert result.outcome == "refused", result.reason
    assert registry.current() == before
    assert result.candidate_version is not None and result.candidate_version != before
    assert "gold accuracy" in result.reason
    assert result.metrics["candidate_gold_accuracy"] < result.metrics["current_gold_accuracy"]
    assert result.metrics["gold_p_worse"] < round_settings.gate_alpha
    assert result.metrics["gold_accuracy_diff_low"] < result.metrics["gold_accuracy_diff"] < 0
    recorded = store.last_round()
    assert recorded is not None
    assert (recorded.outcome, recorded.reason) == ("refused", result.reason)
    assert recorded.candidate_version == result.candidate_version
    # The refused labels count as used: the next round does not retrain on them.
    assert store.count_new(round_settings.holdout_fraction) == 0
    nothing = run_round(round_settings, store, registry)
    assert nothing.outcome == "skipped" and registry.current() == before


def test_clean_labels_are_promoted(round_settings: Settings) -> None:
    registry = Registry.of(round_settings)
    store = LabelStore(round_settings.label_store_path)
    before = registry.current()
    assert before is not None
    store.add(teacher_labels(before, poisoned=0.0))  # the same posts as the poisoned round's

    result = run_round(round_settings, store, registry)

    assert result.outcome == "promoted", result.reason
    for name in ("gold", "holdout"):  # the paired difference and its interval are in the round record
        low, high = result.metrics[f"{name}_accuracy_diff_low"], result.metrics[f"{name}_accuracy_diff_high"]
        assert low <= result.metrics[f"{name}_accuracy_diff"] <= high
    assert registry.current() == result.candidate_version == result.current_version
    assert registry.manifest(result.candidate_version).parent_version == before
    assert result.metrics["candidate_holdout_examples"] > 0
    assert store.last_round() is not None and store.last_round().outcome == "promoted"  # type: ignore[union-attr]
    manifest = promoted_manifest(registry, result)
    assert manifest.version == result.candidate_version
    assert manifest.metrics["gate_candidate_gold_accuracy"] == result.metrics["candidate_gold_accuracy"]


def test_a_round_without_a_current_student_fails_and_says_why(settings: Settings) -> None:
    store = LabelStore(settings.label_store_path)
    store.add(teacher_labels("v0001-20250101000000", n=3))
    result = run_round(settings, store)
    assert result.outcome == "failed" and "no current student" in result.reason
    assert store.count_new(0.0) == 3  # nothing consumed


def test_difficulty_prefers_what_the_student_gets_wrong() -> None:
    examples = [example_of(label) for label in teacher_labels("v1", n=200)]
    # A student that agrees with the teacher on the first half and contradicts it on the second.
    probs = []
    for i, example in enumerate(examples):
        target = POLARITIES.index(str(example.polarity))
        wanted = target if i < 100 else (target + 1) % 3
        probs.append([0.9 if j == wanted else 0.05 for j in range(3)])
    scores = difficulty(examples, np.array(probs))
    assert scores[:100].max() < scores[100:].min()
    assert sample_by_difficulty(examples, scores, 50, seed=1) == sample_by_difficulty(examples, scores, 50, seed=1)
    position = {id(e): i for i, e in enumerate(examples)}  # by identity: some texts repeat
    hard = [sum(position[id(e)] >= 100 for e in sample_by_difficulty(examples, scores, 50, seed)) for seed in range(20)]
    # A uniform draw would average 25 hard ones; easy ones stay possible rather than excluded.
    assert np.mean(hard) > 33
    assert max(hard) < 50


def test_a_later_round_learns_from_all_labels_so_far_and_is_judged_on_a_larger_holdout(
    round_settings: Settings,
) -> None:
    registry = Registry.of(round_settings)
    store = LabelStore(round_settings.label_store_path)
    before = registry.current()
    assert before is not None
    store.add(teacher_labels(before, n=80, tag="first"))
    first = run_round(round_settings, store, registry)
    store.add(teacher_labels(before, n=80, tag="second"))
    second = run_round(round_settings, store, registry)

    assert first.outcome in ("promoted", "refused") and second.outcome in ("promoted", "refused")
    assert second.new_labels < 80  # only the second batch's training-side labels are new
    # ...but the round trained on the first batch too, and its gate saw both batches' held-out labels.
    assert second.train_examples > first.train_examples
    assert second.metrics["current_holdout_examples"] > first.metrics["current_holdout_examples"]
    assert second.metrics["current_holdout_examples"] == len(store.holdout(round_settings.holdout_fraction))


class StopAtStep(threading.Event):
    """Reads as set from the ``step``-th check on: a shutdown arriving mid-training, at a known step."""

    def __init__(self, step: int) -> None:
        super().__init__()
        self.checks = 0
        self._step = step

    def is_set(self) -> bool:
        self.checks += 1
        return self.checks >= self._step


def test_a_stopped_round_leaves_no_scratch_files_and_registers_nothing(
    round_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    registry = Registry.of(round_settings)
    store = LabelStore(round_settings.label_store_path)
    before = registry.current()
    assert before is not None
    store.add(teacher_labels(before, poisoned=False))
    versions = [m.version for m in registry.versions()]
    new = store.count_new(round_settings.holdout_fraction)
    stop = StopAtStep(3)

    result = run_round(round_settings, store, registry, stop=stop)

    assert stop.checks == 3, "training stopped at the step the stop was seen"
    assert result.outcome == "failed" and result.reason.startswith("abandoned"), result.reason
    assert [m.version for m in registry.versions()] == versions and registry.current() == before
    assert list(scratch.iterdir()) == [] and not list(registry.root.glob(".staging-*"))
    assert store.count_new(round_settings.holdout_fraction) == new, "an abandoned round's labels stay new"


def _labels(negative: int, neutral: int, positive: int) -> list[Example]:
    counts = {"negative": negative, "neutral": neutral, "positive": positive}
    return [Example(text=f"{p} {i}", polarity=p) for p, n in counts.items() for i in range(n)]


def test_the_seed_examples_follow_the_classes_the_stream_shows() -> None:
    # A binary stream through a teacher wrong 10 % of the time: its noise puts about 5 % on neutral.
    assert stream_classes(_labels(95, 10, 95), 0.9) == {"negative", "positive"}
    # A stream with all three, even with one rare class above the noise.
    assert stream_classes(_labels(30, 120, 50), 0.9) == set(POLARITIES)
    # A poisoned teacher spreads its labels over every class: nothing is left out of the guard.
    assert stream_classes(_labels(70, 60, 70), 0.9) == set(POLARITIES)
    # Too few labels to tell, or a single class (one brand's bad day): every class stays.
    few = MIN_CLASS_LABELS - 1
    assert stream_classes(_labels(few // 2, 0, few - few // 2), 0.9) == set(POLARITIES)
    assert stream_classes(_labels(200, 5, 5), 0.9) == set(POLARITIES)
    # A less accurate teacher raises the floor its noise sets.
    assert stream_classes(_labels(80, 30, 90), 0.7) == {"negative", "positive"}
    kept = of_classes([*_labels(1, 1, 1), Example(text="aspects only")], frozenset({"negative", "positive"}))
    assert [e.hard_polarity for e in kept] == ["negative", "positive", None]

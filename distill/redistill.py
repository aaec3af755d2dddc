"""One re-distillation round: all teacher labels so far in, a better student promoted or a refusal recorded.

A round

1. takes **every** training-side teacher label stored so far (the held-out slice never trains;
   an audit trains only once an earlier round's gate has judged on it), weighted by recency: a label ``retrain_half_life_labels`` older than the newest counts
   half, so the student follows a drifting stream without throwing away what it was taught;
2. draws up to the round's budget from them by difficulty under the current student times
   recency (:mod:`distill.selection`), and adds a replay sample of the seed corpus against
   forgetting (of the polarities the stream shows: :func:`stream_classes`);
3. warm-starts from the current student and distils on the teacher's soft labels
   (:func:`distill.pipeline.build_student`: calibration, int8 export and parity included), on
   ``train_threads`` threads so that scoring keeps the CPU;
4. judges candidate against current on the same examples (:mod:`distill.gate`): every held-out
   teacher label so far and every audit since the last round, and the seed gold set as a guard against collapse, and
   promotes unless the candidate is worse beyond what the sample size explains.

Whatever happens, the round is recorded in the label store with its reason and the gate's
intervals. Announcing a promotion to the running system (the ``model-updates`` topic, the
dashboard's Redis keys) is the caller's business: this module stays free of the broker, so the
CLI, the trainer role and the stream benchmark share it.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from distill.bootstrap import VALIDATION_FRACTION
from distill.data import Example, example_from_record, seed_split, split_validation
from distill.gate import EvalSet, compare, decide
from distill.label_store import LabelStore, RoundOutcome, StoredLabel
from distill.pipeline import start_from_version, train_and_register
from distill.selection import difficulty, sample_by_difficulty
from distill.trainer import TrainConfig, TrainingStopped
from models.manifest import Manifest
from models.registry import Registry
from models.student import RuntimeOptions, StudentRuntime
from sentimon.labels import POLARITIES
from sentimon.records import TeacherLabel
from sentimon.settings import Settings

log = logging.getLogger(__name__)

# Labels drawn by recency before difficulty picks the round's set: scoring every stored label each
# round would grow without bound, and this many gives selection enough to choose from.
POOL_FACTOR = 4
# The newest training-side labels that join the seed validation slice: early stopping and the
# candidate's calibration should reflect the stream as it is now.
VALIDATION_LABELS = 400
# Teacher labels before a round trusts their class mix to leave a polarity out of the seed examples.
MIN_CLASS_LABELS = 50


@dataclass(frozen=True, slots=True)
class RoundResult:
    outcome: RoundOutcome
    reason: str
    previous_version: str | None
    current_version: str | None  # serving after the round
    candidate_version: str | None = None
    new_labels: int = 0
    train_examples: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    round_id: int = 0

    @property
    def promoted(self) -> bool:
        return self.outcome == "promoted"


def example_of(label: TeacherLabel) -> Example:
    """A teacher label as a training example; the teacher's probabilities become soft labels.

    An empty emotion or aspect list is taken as "not answered", not "none": several teachers
    (the oracle, some LLM prompts) answer polarity only, and their silence must not teach the
    student that posts carry no emotion.
    """
    row = label.model_dump(mode="json", exclude_none=True)
    if label.probs is not None:
        probs = np.clip(np.asarray(label.probs.as_list(), dtype=np.float64), 0.0, None)
        total = probs.sum()
        row["probs"] = list(probs / total) if total > 0 else None
    for name in ("emotions", "aspects"):
        if not row.get(name):
            row.pop(name, None)
    return example_from_record(row)


def recency_weights(seqs: Sequence[int], newest: int, half_life: int) -> np.ndarray:
    """Per label 0.5 ** (age / half_life), age counted in labels stored after it."""
    ages = newest - np.asarray(seqs, dtype=np.float64)
    return np.power(0.5, np.maximum(ages, 0.0) / half_life)


def training_set(
    settings: Settings,
    stored: Sequence[StoredLabel],
    scorer: StudentRuntime,
    seed_train: Sequence[Example],
    sample_seed: int,
) -> list[Example]:
    """Teacher labels (all so far, by difficulty × recency, recency also weighting the loss) plus seed replay."""
    if not stored:
        return []
    weights = recency_weights([s.seq for s in stored], stored[-1].seq, settings.retrain_half_life_labels)
    labels = [replace(example_of(s.label), weight=float(w)) for s, w in zip(stored, weights, strict=True)]
    budget = max(1, round(settings.retrain_max_examples * (1 - settings.replay_fraction)))
    zeros = np.zeros(len(labels))
    pool = sample_by_difficulty(labels, zeros, budget * POOL_FACTOR, sample_seed, prior=weights)
    chosen = _by_difficulty(scorer, pool, budget, sample_seed, prior=np.array([e.weight for e in pool]))
    fraction = settings.replay_fraction
    n_replay = min(round(len(chosen) * fraction / (1 - fraction)), len(seed_train))
    rng = np.random.default_rng(sample_seed)
    seed_pool = [seed_train[i] for i in sorted(rng.permutation(len(seed_train))[: n_replay * POOL_FACTOR])]
    replay = _by_difficulty(scorer, seed_pool, n_replay, sample_seed + 1)
    log.info(
        "training set: %d of %d teacher labels (newest weight 1, oldest %.3f), %d seed replay",
        len(chosen),
        len(labels),
        float(weights[0]),
        len(replay),
    )
    return chosen + replay


def _by_difficulty(
    scorer: StudentRuntime, examples: Sequence[Example], k: int, seed: int, prior: np.ndarray | None = None
) -> list[Example]:
    if k >= len(examples):
        return list(examples)
    predictions = scorer.predict([e.text for e in examples], [e.context for e in examples])
    probs = np.array([p.probs for p in predictions], dtype=np.float64).reshape(-1, len(POLARITIES))
    return sample_by_difficulty(examples, difficulty(examples, probs), k, seed, prior)


@contextmanager
def _only_round(data_dir: Path) -> Iterator[bool]:
    """True while this process holds the round lock; False at once when another process does.

    The trainer role and ``sentimon redistill`` may run side by side; two rounds at once would
    train twice on the same labels and race to promote.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / ".redistill.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_round(
    settings: Settings,
    store: LabelStore | None = None,
    registry: Registry | None = None,
    config: TrainConfig | None = None,
    stop: threading.Event | None = None,
) -> RoundResult:
    """Run one round now and record it; never raises for a failed round (its outcome says ``failed``).

    Setting ``stop`` abandons the round at its next training step: the scratch directory goes with
    the exception, nothing is registered, and the round is recorded as failed, so its labels stay new.
    """
    store = store or LabelStore(settings.label_store_path)
    registry = registry or Registry.of(settings)
    started = datetime.now(UTC)
    current = registry.current()
    upto = store.latest_seq()
    with _only_round(settings.data_dir) as alone:
        if not alone:
            result = RoundResult("skipped", "another re-distillation round is running", current, current)
        else:
            new = [example_of(s.label) for s in store.new_labels(settings.holdout_fraction, upto)]
            try:
                result = _round(settings, store, registry, config, current, upto, new, stop)
            except TrainingStopped as exc:
                log.warning("re-distillation round abandoned: %s", exc)
                result = RoundResult("failed", f"abandoned: {exc}", current, current, new_labels=len(new))
            except Exception as exc:
                # A broken round must leave the serving model alone and say why, not take the trainer down.
                log.exception("re-distillation round failed")
                result = RoundResult("failed", f"{type(exc).__name__}: {exc}", current, current, new_labels=len(new))
    recorded = store.record_round(
        started_at=started,
        upto_seq=upto,
        outcome=result.outcome,
        reason=result.reason,
        current_version=result.current_version,
        candidate_version=result.candidate_version,
        new_labels=result.new_labels,
        train_examples=result.train_examples,
        metrics=result.metrics,
    )
    level = logging.WARNING if result.outcome in ("refused", "failed") else logging.INFO
    log.log(level, "re-distillation round %d %s: %s", recorded.id, result.outcome, result.reason)
    return replace(result, round_id=recorded.id)


def _round(
    settings: Settings,
    store: LabelStore,
    registry: Registry,
    config: TrainConfig | None,
    current: str | None,
    upto: int,
    new: list[Example],
    stop: threading.Event | None = None,
) -> RoundResult:
    if current is None:
        return RoundResult("failed", "the registry has no current student to start from", None, None)
    if not new:
        return RoundResult("skipped", "no new teacher labels since the last round", current, current)
    stored = store.training(settings.holdout_fraction, upto)
    holdout = [example_of(s.label) for s in store.holdout(settings.holdout_fraction, upto)]
    classes = stream_classes([example_of(s.label) for s in stored] + holdout, settings.teacher_assumed_accuracy)
    seed_train, gold = (of_classes(part, classes) for part in seed_split(settings))
    seed_train, seed_val = split_validation(seed_train, VALIDATION_FRACTION)
    stored_train, stored_val = _split_stored(stored)
    current_runtime = StudentRuntime.load(registry.path(current), RuntimeOptions.of(settings))
    train = training_set(settings, stored_train, current_runtime, seed_train, settings.seed + upto)
    config = replace(config or TrainConfig.of(settings, progress=False, description="re-distil"), stop=stop)
    start = start_from_version(registry, current, settings.aspects, settings.seed)
    val = seed_val + [example_of(s.label) for s in stored_val[-VALIDATION_LABELS:]]
    candidate = train_and_register(settings, registry, start, train, val, config)
    sets = [EvalSet("gold", gold), EvalSet("holdout", holdout)]
    candidate_runtime = StudentRuntime.load(registry.path(candidate), RuntimeOptions.of(settings))
    gate = decide(compare(current_runtime, candidate_runtime, sets), settings.gate_alpha, settings.gate_gold_max_drop)
    shown = "" if classes == frozenset(POLARITIES) else f"seed examples of {', '.join(sorted(classes))} only; "
    judged = RoundResult(
        "refused",
        shown + gate.reason,
        current,
        current,
        candidate_version=candidate,
        new_labels=len(new),
        train_examples=len(train),
        metrics=gate.metrics(),
    )
    if not gate.promote:
        return judged
    now_current = registry.current()
    if now_current != current:
        reason = f"the current student changed to {now_current} during the round; not overriding it"
        return replace(judged, reason=reason, current_version=now_current)
    registry.promote(candidate)
    return replace(judged, outcome="promoted", current_version=candidate)


def stream_classes(labels: Sequence[Example], teacher_accuracy: float) -> frozenset[str]:
    """The polarities the stream shows: each whose share of the teacher's labels is above what the
    teacher's own errors would put there (twice a wrong answer's share, spread evenly over the other
    classes: 10 % at an assumed accuracy of 0.9). All of them until ``MIN_CLASS_LABELS`` labels say so.

    A stream without neutral posts (film reviews, say) has its student stop answering neutral, which
    the seed corpus (30 % neutral) counts as a loss: measured on the binary ``reviews`` replay, the
    gold guard then refused every round after the first for 4-7 gold points. Seed replay, seed
    validation and the gold guard therefore use the seed examples of the stream's classes only. A
    poisoned teacher spreads its labels over every class, so it is still judged on all of them.
    """
    counts = {p: 0 for p in POLARITIES}
    for example in labels:
        if example.hard_polarity in counts:
            counts[example.hard_polarity] += 1
    total = sum(counts.values())
    if total < MIN_CLASS_LABELS:
        return frozenset(POLARITIES)
    floor = 2 * (1 - teacher_accuracy) / (len(POLARITIES) - 1)
    shown = frozenset(p for p, n in counts.items() if n / total > floor)
    return shown if len(shown) >= 2 else frozenset(POLARITIES)


def of_classes(examples: Sequence[Example], classes: frozenset[str]) -> list[Example]:
    """``examples`` without those labelled with a polarity outside ``classes`` (unlabelled ones stay)."""
    return [e for e in examples if e.hard_polarity is None or e.hard_polarity in classes]


def _split_stored(stored: Sequence[StoredLabel]) -> tuple[list[StoredLabel], list[StoredLabel]]:
    """(train, validation) by the same stable hash as the seed split, so a label stays on its side."""
    examples = [example_of(s.label) for s in stored]
    _, val = split_validation(examples, VALIDATION_FRACTION)
    in_val = {e.key() for e in val}
    train = [s for s, e in zip(stored, examples, strict=True) if e.key() not in in_val]
    return train, [s for s, e in zip(stored, examples, strict=True) if e.key() in in_val]


def promoted_manifest(registry: Registry, result: RoundResult) -> Manifest:
    """The promoted version's manifest, its metrics joined by the gate's (``gate_*``) for the dashboard."""
    if not result.promoted or result.current_version is None:
        raise ValueError(f"round {result.round_id} promoted nothing ({result.outcome}: {result.reason})")
    manifest = registry.manifest(result.current_version)
    gate_metrics = {f"gate_{k}": v for k, v in result.metrics.items()}
    return manifest.model_copy(update={"metrics": {**manifest.metrics, **gate_metrics}})

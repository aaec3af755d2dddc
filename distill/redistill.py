"""One re-distillation round: new teacher labels in, a better student promoted or a refusal recorded.

A round

1. takes the teacher labels stored since the last round (the training side; the held-out slice
   never trains), and a replay sample of earlier labels and of the seed corpus, so the student
   learns the new posts without forgetting the old ones;
2. draws from both by difficulty under the current student (:mod:`distill.selection`);
3. warm-starts from the current student and distils on the teacher's soft labels
   (:func:`distill.pipeline.build_student`: calibration, int8 export and parity included);
4. judges candidate against current on the seed gold set and on the held-out teacher labels
   (:mod:`distill.gate`), and promotes only when nothing regressed beyond the tolerance.

Whatever happens, the round is recorded in the label store with its reason. Announcing a
promotion to the running system (the ``model-updates`` topic, the dashboard's Redis keys) is the
caller's business: this module stays free of the broker, so the CLI and the trainer role share it.
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
from distill.gate import EvalSet, decide, evaluate
from distill.label_store import LabelStore, RoundOutcome
from distill.pipeline import start_from_version, train_and_register
from distill.registry import Registry
from distill.selection import difficulty, sample_by_difficulty
from distill.trainer import TrainConfig, TrainingStopped
from models.manifest import Manifest
from models.student import StudentRuntime
from sentimon.labels import POLARITIES
from sentimon.records import TeacherLabel
from sentimon.settings import Settings

log = logging.getLogger(__name__)

# Candidates drawn uniformly before difficulty picks the replay sample: scoring every earlier
# label each round would grow without bound, and this many gives selection enough to choose from.
REPLAY_POOL_FACTOR = 4


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


def replay_size(new: int, settings: Settings) -> int:
    """Replay examples for ``new`` new ones, so replay makes up ``replay_fraction`` of the set."""
    fraction = settings.replay_fraction
    return min(round(new * fraction / (1 - fraction)), max(0, settings.retrain_max_examples - new))


def training_set(
    settings: Settings,
    store: LabelStore,
    scorer: StudentRuntime,
    new: Sequence[Example],
    seed_train: Sequence[Example],
    sample_seed: int,
) -> list[Example]:
    """New labels plus replay (earlier labels and seed data), each drawn by difficulty."""
    new_budget = max(1, round(settings.retrain_max_examples * (1 - settings.replay_fraction)))
    chosen_new = _by_difficulty(scorer, new, new_budget, sample_seed)
    n_replay = replay_size(len(chosen_new), settings)
    pool_size = n_replay * REPLAY_POOL_FACTOR
    earlier = [example_of(s.label) for s in store.replay_sample(pool_size, settings.holdout_fraction, sample_seed)]
    rng = np.random.default_rng(sample_seed)
    seed_pool = [seed_train[i] for i in sorted(rng.permutation(len(seed_train))[:pool_size])]
    replay = _by_difficulty(scorer, earlier + seed_pool, n_replay, sample_seed + 1)
    log.info(
        "training set: %d of %d new labels, %d replay (from %d earlier labels and %d seed examples)",
        len(chosen_new),
        len(new),
        len(replay),
        len(earlier),
        len(seed_pool),
    )
    return chosen_new + replay


def _by_difficulty(scorer: StudentRuntime, examples: Sequence[Example], k: int, seed: int) -> list[Example]:
    if k >= len(examples):
        return list(examples)
    predictions = scorer.predict([e.text for e in examples], [e.context for e in examples])
    probs = np.array([p.probs for p in predictions], dtype=np.float64).reshape(-1, len(POLARITIES))
    return sample_by_difficulty(examples, difficulty(examples, probs), k, seed)


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
    registry = registry or Registry(settings.registry_dir, keep=settings.model_keep)
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
    seed_train, gold = seed_split(settings)
    seed_train, seed_val = split_validation(seed_train, VALIDATION_FRACTION)
    new_train, new_val = split_validation(new, VALIDATION_FRACTION)
    current_runtime = StudentRuntime.load(registry.path(current), settings)
    train = training_set(settings, store, current_runtime, new_train, seed_train, settings.seed + upto)
    config = replace(config or TrainConfig.from_settings(settings, progress=False, description="re-distil"), stop=stop)
    start = start_from_version(registry, current, settings.aspects, settings.seed)
    candidate = train_and_register(settings, registry, start, train, seed_val + new_val, config)
    holdout = [example_of(s.label) for s in store.holdout(settings.holdout_fraction, upto)]
    sets = [EvalSet("gold", gold), EvalSet("holdout", holdout)]
    gate = decide(
        evaluate(current_runtime, sets),
        evaluate(StudentRuntime.load(registry.path(candidate), settings), sets),
        settings.gate_tolerance,
    )
    judged = RoundResult(
        "refused",
        gate.reason,
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


def promoted_manifest(registry: Registry, result: RoundResult) -> Manifest:
    """The promoted version's manifest, its metrics joined by the gate's (``gate_*``) for the dashboard."""
    if not result.promoted or result.current_version is None:
        raise ValueError(f"round {result.round_id} promoted nothing ({result.outcome}: {result.reason})")
    manifest = registry.manifest(result.current_version)
    gate_metrics = {f"gate_{k}": v for k, v in result.metrics.items()}
    return manifest.model_copy(update={"metrics": {**manifest.metrics, **gate_metrics}})

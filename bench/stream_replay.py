"""The learning loop judged on labeled streams with real drift, on a deterministic clock.

Each stream (:mod:`bench.replay_streams`) is replayed in order through the real components: the
serving int8 student, the steering router (live calibration, target call share, audits), the
teacher interface (the oracle, at a configurable noise), the label store, the trainer's round
(:func:`distill.redistill.run_round`), the gate and the hot swap. The clock is the post count: a
round runs synchronously once ``--round-every`` new training-side labels are in, so results do
not depend on how fast the machine is. The teacher's budget is the call share: escalations take
it first (least confident first), audits what is left.

The same stream, with the same teacher answers, also runs under two baselines:

* **teacher-only**: every post to the teacher;
* **naive loop**: a fixed accept threshold (by default the one that spends the call share on the
  first tenth; never more than the call share of a tenth), and after each tenth one epoch on the
  last 3,000 teacher labels, promoted without a gate.

With ``--memory`` the live loop runs a second time with the label memory (:mod:`stream.memory`).
It prints two live estimates per tenth: the audits' (with its interval) and the calibration's (the
mean live-calibrated probability of every verdict); and how far from a tenth's realised accuracy
even an estimator that knew every verdict's odds would be (:func:`estimate_spread`), the floor under
any estimator's error on streams this short.

and the stream's **in-domain ceiling**: the starting student fine-tuned on the first 70 % of the
stream's gold labels, scored on the rest, which says how learnable the stream is.

Every run starts from a fresh copy of one of two students, never from the configured registry:

* ``--student default`` (the default): the product's shipped student, exported to int8 from
  ``distill/default/student.safetensors`` into ``bench/out/replay-default``, exactly as a fresh
  deployment starts. It was trained on the SemEval-2017 pool and GoEmotions train, and selected on
  TweetEval val, so it may only judge streams of texts it has never seen
  (:data:`bench.replay_streams.UNSEEN_BY_DEFAULT`); asking for another is an error.
* ``--student seed``: the student trained on the shipped seed corpus alone (into
  ``bench/out/replay-seed``), which has seen none of the streams.

    python -m bench.stream_replay [--student default] [--streams domain crisis] [--posts 3000] [--noise 0.1]

Prints a table per stream and writes ``bench/out/stream_replay.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import math
import random
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.common import OUT_DIR, SHARED_DATA, scores
from bench.replay_streams import STREAMS, UNSEEN_BY_DEFAULT, Post, build_stream
from distill.bootstrap import VALIDATION_FRACTION, ensure_default_student
from distill.data import Example, seed_split, split_validation
from distill.export import ParityError
from distill.label_store import LabelStore
from distill.pipeline import start_from_version, train_and_register
from distill.redistill import RoundResult, run_round
from distill.trainer import TrainConfig
from models.registry import Registry
from models.student import RuntimeOptions, StudentRuntime
from models.teacher.oracle import GoldExample, OracleTeacher
from models.teacher.types import TeacherAnswer, TeacherQuery
from sentimon.labels import POLARITIES
from sentimon.records import TeacherLabel
from sentimon.settings import Settings
from stream.memory import LabelMemory, memory_keys
from stream.quality import AccuracyEstimator, AuditPair, Tallies, Tally, true_accuracy
from stream.steering import AuditSampler, Steering, SteeringConfig
from stream.steward import initial_plan
from stream.trainer_role import lower_priority

TENTHS = 10
NAIVE_LAST_LABELS = 3000
CEILING_TRAIN_SHARE = 0.7
# Where each starting student is built once: the shipped checkpoint exported, or the seed-only one.
STUDENT_DIRS = {"default": OUT_DIR / "replay-default", "seed": OUT_DIR / "replay-seed"}
# Posts scored per step: the micro-batch a worker would take, and how often the router re-plans.
STEP = 100
# Recent served probabilities the router chooses its threshold from.
RECENT_POSTS = 1000
# Scoring latency around the first round (--latency): micro-batches of this size, with a pause
# between them, measured idle for a while and then for as long as the round runs.
LATENCY_BATCH = 32
LATENCY_IDLE_SECONDS = 20.0
LATENCY_PAUSE_SECONDS = 0.05


@dataclass
class Run:
    """One system's pass over a stream: per post what was decided, by whom, with which model."""

    name: str
    decided: np.ndarray
    student: np.ndarray
    accepted: np.ndarray  # the student's verdict stood because it was confident
    called: np.ndarray  # the teacher was asked (escalation or audit)
    version: list[str]
    estimates: list[tuple[float, float, float] | None] = field(default_factory=list)  # per tenth
    # Per post, the accuracy the live calibration expects of its verdict (the teacher's: its assumed accuracy).
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rounds: list[tuple[int, RoundResult, float]] = field(default_factory=list)  # (post index, result, seconds)
    latency: tuple[float, float] | None = None  # scoring p95 ms: idle, during the first round

    @classmethod
    def empty(cls, name: str, n: int) -> Run:
        return cls(
            name,
            np.zeros(n, dtype=np.int64),
            np.zeros(n, dtype=np.int64),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=bool),
            [""] * n,
        )


@dataclass(frozen=True, slots=True)
class Replay:
    """What every system of one stream shares: the posts, their gold labels and the teacher's answers."""

    name: str
    posts: Sequence[Post]
    gold: np.ndarray
    answers: Sequence[TeacherAnswer]

    @property
    def teacher(self) -> np.ndarray:
        return np.array([POLARITIES.index(a.polarity) for a in self.answers])

    def tenths(self) -> list[slice]:
        edges = np.linspace(0, len(self.posts), TENTHS + 1).astype(int)
        return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]

    def label(self, i: int, version: str, student: int, audit: bool) -> TeacherLabel:
        answer = self.answers[i]
        return TeacherLabel(
            post_id=self.posts[i].id,
            text=self.posts[i].text,
            teacher=answer.teacher,
            polarity=answer.polarity,
            probs=answer.probs,
            confidence=min(1.0, max(0.0, answer.confidence)),
            student_version=version,
            student_polarity=POLARITIES[student],  # type: ignore[arg-type]
            audit=audit,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data directory")
    parser.add_argument(
        "--student",
        choices=tuple(STUDENT_DIRS),
        default="default",
        help="starting student: the shipped default (unseen streams only) or the seed-corpus-only one",
    )
    parser.add_argument("--streams", nargs="+", default=None, choices=STREAMS, help="default: every allowed one")
    parser.add_argument("--posts", type=int, default=3000, help="posts per stream (0 = the whole stream)")
    parser.add_argument("--noise", type=float, default=0.1, help="share of wrong oracle answers")
    parser.add_argument("--call-share", type=float, default=0.1, help="teacher budget: share of posts")
    parser.add_argument("--round-every", type=int, default=200, help="new training-side labels per round")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of a round")
    parser.add_argument("--max-examples", type=int, default=2000, help="largest training set of a round")
    parser.add_argument("--ceiling-epochs", type=int, default=1, help="epochs of the in-domain ceiling")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads of every training")
    parser.add_argument(
        "--naive-threshold",
        type=float,
        default=None,
        help="the naive loop's fixed accept threshold (default: the one spending --call-share on the first tenth)",
    )
    parser.add_argument("--latency", action="store_true", help="measure scoring p95 during the first round")
    parser.add_argument(
        "--memory", action="store_true", help="also run the live loop with the label memory (stream.memory)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=Settings.model_fields["seed"].default,
        help="seed of the oracle's wrong answers, the audit draw and training; another seed is another run"
        " of the same stream, to see how far one run's figures can be trusted",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    streams = args.streams or [s for s in STREAMS if args.student == "seed" or s in UNSEEN_BY_DEFAULT]
    seen = [s for s in streams if args.student == "default" and s not in UNSEEN_BY_DEFAULT]
    if seen:
        parser.error(f"the default student was trained on stream(s) {', '.join(seen)}: judge them with --student seed")
    settings = Settings(data_dir=STUDENT_DIRS[args.student]).model_copy(
        update={
            "student_checkpoint": "default" if args.student == "default" else "",
            "train_epochs": args.epochs,
            "retrain_max_examples": args.max_examples,
            "train_threads": args.threads,
            "teacher_oracle_noise": args.noise,
            "seed": args.seed,
        }
    )
    start_version = ensure_default_student(settings, progress=False, from_seed=args.student == "seed")
    print(
        f"\nStream replay: starting student {start_version} ({args.student}), oracle at {args.noise:.0%} noise"
        f" (seed {args.seed}),"
    )
    print(
        f"teacher budget {args.call_share:.0%} of posts, a round every {args.round_every} new labels"
        f" ({args.epochs} epochs, at most {args.max_examples} examples, {args.threads} thread(s))"
    )
    figures = []
    for name in streams:
        posts = build_stream(name, args.data, args.posts)
        replay = Replay(name, posts, np.array([POLARITIES.index(p.polarity) for p in posts]), oracle(posts, args))
        started = time.perf_counter()
        teacher_only = teacher_only_run(replay)
        naive = naive_run(replay, settings, args)
        runs = [teacher_only, naive, sentimon_run(replay, settings, args, None)]
        if args.memory:
            runs.append(sentimon_run(replay, settings, args, LabelMemory()))
        ceiling = ceiling_accuracy(replay, settings, args)
        report(replay, runs, ceiling, time.perf_counter() - started)
        figures.append((replay, runs, ceiling))
    plot(figures, args.out / "stream_replay.png")


def oracle(posts: Sequence[Post], args: argparse.Namespace) -> list[TeacherAnswer]:
    """The teacher's answer for every post, asked once, so every system hears the same teacher."""
    teacher = OracleTeacher(
        [GoldExample(id=p.id, polarity=p.polarity) for p in posts], noise=args.noise, seed=args.seed, name="oracle"
    )

    async def ask() -> list[TeacherAnswer]:
        return list(await asyncio.gather(*(teacher.ask(TeacherQuery(post_id=p.id, text=p.text)) for p in posts)))

    return asyncio.run(ask())


@contextmanager
def scratch_run(settings: Settings) -> Iterator[tuple[Settings, Registry]]:
    """A throwaway data directory holding a copy of the starting student's registry."""
    with tempfile.TemporaryDirectory(prefix="sentimon-replay-") as scratch:
        run = settings.model_copy(update={"data_dir": Path(scratch)})
        shutil.copytree(settings.registry_dir, run.registry_dir)
        yield run, Registry.of(run)


def teacher_only_run(replay: Replay) -> Run:
    run = Run.empty("teacher-only", len(replay.posts))
    run.decided[:] = replay.teacher
    run.called[:] = True
    run.version = ["teacher"] * len(replay.posts)
    return run


def naive_run(replay: Replay, settings: Settings, args: argparse.Namespace) -> Run:
    """Fixed threshold; after each tenth, one epoch on the last 3,000 teacher labels, promoted ungated.

    Unless given, the threshold is the one that sends ``--call-share`` of the first tenth to the
    teacher; the budget caps it too (the least confident posts below the threshold, at most
    ``--call-share`` of each tenth), so that both loops are compared at no more than the same share.
    """
    result = Run.empty("naive loop", len(replay.posts))
    labels: list[Example] = []
    with scratch_run(settings) as (run, registry):
        student = registry.load_runtime(RuntimeOptions.of(run))
        seed_val = split_validation(seed_split(run)[0], VALIDATION_FRACTION)[1]
        threshold = args.naive_threshold
        for number, tenth in enumerate(replay.tenths(), start=1):
            predictions = student.predict([p.text for p in replay.posts[tenth]])
            if threshold is None:  # fixed from here on: the one that spends the call share on the first tenth
                threshold = float(np.quantile([p.max_prob for p in predictions], args.call_share))
                print(f"  naive: fixed threshold {threshold:.4f}")
            confidence = np.array([p.max_prob for p in predictions])
            # Never more than the budget: the least confident posts below the threshold, up to the call share.
            doubtful = [j for j in np.argsort(confidence, kind="stable") if confidence[j] < threshold]
            asked = set(doubtful[: int(args.call_share * len(predictions))])
            for j, (i, prediction) in enumerate(enumerate(predictions, start=tenth.start)):
                result.student[i] = POLARITIES.index(prediction.polarity)
                result.accepted[i] = prediction.max_prob >= threshold
                result.called[i] = j in asked
                result.decided[i] = replay.teacher[i] if result.called[i] else result.student[i]
                result.version[i] = student.version
                if result.called[i]:
                    labels.append(Example(text=replay.posts[i].text, probs=replay.answers[i].probs.as_list()))
            if number < TENTHS and labels:
                started = time.perf_counter()
                config = TrainConfig.of(run, epochs=1, progress=False, description="naive")
                start = start_from_version(registry, student.version, run.aspects, run.seed)
                try:
                    train_and_register(run, registry, start, labels[-NAIVE_LAST_LABELS:], seed_val, config, True)
                except ParityError as exc:  # the naive loop has no gate, but an export that drifts cannot serve
                    print(f"  naive: tenth {number}: export refused, the model stays: {exc}")
                student = registry.load_runtime(RuntimeOptions.of(run))
                print(
                    f"  naive: tenth {number} -> {student.version} ({time.perf_counter() - started:.0f} s)", flush=True
                )
    return result


def sentimon_run(replay: Replay, settings: Settings, args: argparse.Namespace, memory: LabelMemory | None) -> Run:
    """The live loop: steering, audits, label store, rounds on the deterministic clock, gate, hot swap.

    With a ``memory``, it answers the doubtful posts it is sure of in place of the teacher, and each
    call it saves goes to the next least confident post, so both variants spend the same calls.
    """
    n = len(replay.posts)
    result = Run.empty("sentimon" if memory is None else "sentimon+memory", n)
    result.expected = np.zeros(n)
    steering = Steering(SteeringConfig(target_call_share=args.call_share, teacher_accuracy=1 - args.noise))
    sampler = AuditSampler(random.Random(args.seed))
    brands = (replay.name,)
    pairs: list[AuditPair] = []
    recent: list[tuple[float, float, float]] = []
    allowance = 0.0
    with scratch_run(settings.model_copy(update={"retrain_min_labels": args.round_every})) as (run, registry):
        store = LabelStore(run.label_store_path)
        student = registry.load_runtime(RuntimeOptions.of(run))
        for step, start in enumerate(range(0, n, STEP), start=1):
            rows = list(range(start, min(n, start + STEP)))
            texts = [replay.posts[i].text for i in rows]
            served = np.array([p.probs for p in student.predict(texts)])
            keys = memory_keys(student.logits(texts)) if memory is not None else None
            calibration = steering.calibrate(pairs, student.version, step)
            # Before any post was scored the workers route by the warm-up plan, as in the live system.
            plan = (
                steering.plan(np.array(recent[-RECENT_POSTS:]), pairs, student.version, calibration)
                if recent
                else initial_plan(steering.config, student.version)
            )
            probs = calibration.apply(served)
            confidence = probs.max(axis=1)
            allowance = min(allowance + args.call_share * len(rows), 2.0 * args.call_share * STEP)
            order = np.argsort(confidence, kind="stable")
            doubtful = [j for j in order if confidence[j] < plan.threshold]
            remembered = np.full(len(rows), -1)
            if memory is not None and keys is not None and doubtful:
                remembered[doubtful] = memory.answer(keys[doubtful])
            escalated = [rows[j] for j in order if remembered[j] < 0][: min(int(allowance), len(doubtful))]
            allowance -= len(escalated)
            confident = [rows[j] for j in range(len(rows)) if confidence[j] >= plan.threshold and remembered[j] < 0]
            confident = [i for i in confident if i not in set(escalated)]
            audits = sampler.pick(confident, [plan.audit_share_for(brands)] * len(confident))[: int(allowance)]
            allowance -= len(audits)
            for j, i in enumerate(rows):
                result.student[i] = int(np.argmax(probs[j])) if remembered[j] < 0 else int(remembered[j])
                result.accepted[i] = confidence[j] >= plan.threshold and remembered[j] < 0
                result.version[i] = student.version
            asked = [(i, False) for i in escalated] + [(i, True) for i in audits]
            for i, audit in asked:
                result.called[i] = True
                pairs.append(
                    AuditPair(
                        post_id=replay.posts[i].id,
                        brands=brands,
                        student=int(result.student[i]),
                        teacher=int(replay.teacher[i]),
                        probs=tuple(served[i - start]),  # type: ignore[arg-type]
                        model_version=student.version,
                        at=float(i),
                        kind="audit" if audit else "escalation",
                    )
                )
            result.decided[rows] = np.where(result.called[rows], replay.teacher[rows], result.student[rows])
            result.expected[rows] = expected_accuracy(
                probs, result.student[rows], calibration.examples > 0, 1 - args.noise
            )
            result.expected[[i for i, _ in asked]] = 1 - args.noise
            if memory is not None and keys is not None and asked:
                indices = [i for i, _ in asked]
                ids = [replay.posts[i].id for i in indices]
                memory.learn(ids, keys[[i - start for i in indices]], result.student[indices], replay.teacher[indices])
            store.add(replay.label(i, student.version, int(result.student[i]), audit) for i, audit in asked)
            recent.extend(tuple(p) for p in served)
            if store.count_new(run.holdout_fraction) >= run.retrain_min_labels:
                started = time.perf_counter()
                if args.latency and not result.rounds and memory is None:
                    texts = [p.text for p in replay.posts[: LATENCY_BATCH * 20]]
                    outcome, result.latency = round_under_load(run, store, registry, student, texts)
                else:
                    outcome = run_round(run, store, registry)
                seconds = time.perf_counter() - started
                result.rounds.append((rows[-1] + 1, outcome, seconds))
                print(
                    f"  {result.name}: after post {rows[-1] + 1}: round {outcome.outcome} ({seconds:.0f} s)", flush=True
                )
                if outcome.promoted:
                    student = registry.load_runtime(RuntimeOptions.of(run))
                    if memory is not None and len(memory):
                        by_id = {p.id: p.text for p in replay.posts}
                        memory.rekey(memory_keys(student.logits([by_id[i] for i in memory.post_ids])))
        result.estimates = live_estimates(replay, result, pairs, 1 - args.noise)
    return result


def expected_accuracy(probs: np.ndarray, verdicts: np.ndarray, fitted_to_teacher: bool, teacher: float) -> np.ndarray:
    """The live calibration's probability of each verdict, as accuracy (corrected for the teacher's noise if fitted to it)."""
    chosen = probs[np.arange(len(verdicts)), verdicts]
    return np.array([true_accuracy(p, teacher) for p in chosen]) if fitted_to_teacher else chosen


def round_under_load(
    run: Settings, store: LabelStore, registry: Registry, student: StudentRuntime, texts: Sequence[str]
) -> tuple[RoundResult, tuple[float, float]]:
    """The round as the trainer runs it (niced thread), while this thread keeps scoring micro-batches.

    Returns the round and the scoring p95 latency (ms) idle, then during the round. The round's
    outcome is the same as a synchronous one's: only the wall clock is shared.
    """
    idle = _score_until(student, texts, time.perf_counter() + LATENCY_IDLE_SECONDS, None)
    with ThreadPoolExecutor(
        max_workers=1, initializer=lower_priority, initargs=(run.train_nice, run.train_idle_class)
    ) as executor:
        future = executor.submit(run_round, run, store, registry)
        busy = _score_until(student, texts, None, future)
        outcome = future.result()
    return outcome, (float(np.percentile(idle, 95)), float(np.percentile(busy, 95)))


def _score_until(
    student: StudentRuntime, texts: Sequence[str], deadline: float | None, future: Future[RoundResult] | None
) -> list[float]:
    latencies = []
    for batch in itertools.cycle(range(0, len(texts), LATENCY_BATCH)):
        if (deadline is not None and time.perf_counter() >= deadline) or (future is not None and future.done()):
            break
        started = time.perf_counter()
        student.predict(list(texts[batch : batch + LATENCY_BATCH]))
        latencies.append((time.perf_counter() - started) * 1000)
        time.sleep(LATENCY_PAUSE_SECONDS)  # a worker at part load, not a saturating loop
    return latencies


def live_estimates(
    replay: Replay, run: Run, pairs: Sequence[AuditPair], teacher_accuracy: float
) -> list[tuple[float, float, float] | None]:
    """The live estimate of cascade accuracy at the end of each tenth, over that tenth alone."""
    estimates: list[tuple[float, float, float] | None] = []
    for tenth in replay.tenths():
        length = tenth.stop - tenth.start
        estimator = AccuracyEstimator(teacher_accuracy, window_seconds=length, stale_seconds=length)
        tally = Tally(
            accepted=int((run.accepted[tenth] & ~run.called[tenth]).sum()),
            teacher=int(run.called[tenth].sum()),
            low=int((~run.accepted[tenth] & ~run.called[tenth]).sum()),
        )
        report = estimator.estimate(
            [p for p in pairs if tenth.start <= p.at < tenth.stop], Tallies(overall=tally), float(tenth.stop - 1)
        )
        cascade = report.overall.cascade
        estimates.append(None if cascade is None else (cascade.value, cascade.low, cascade.high))
    return estimates


def ceiling_accuracy(replay: Replay, settings: Settings, args: argparse.Namespace) -> float:
    """The starting student fine-tuned on the stream's first 70 % gold labels, scored on the rest."""
    cut = int(len(replay.posts) * CEILING_TRAIN_SHARE)
    examples = [Example(text=p.text, polarity=p.polarity) for p in replay.posts]
    train, val = split_validation(examples[:cut], VALIDATION_FRACTION)
    with scratch_run(settings) as (run, registry):
        current = registry.current()
        assert current is not None
        config = TrainConfig.of(run, epochs=args.ceiling_epochs, progress=False, description="ceiling")
        version = train_and_register(run, registry, start_from_version(registry, current, run.aspects, run.seed),
                                     train, val, config)  # fmt: skip
        student = StudentRuntime.load(registry.path(version), RuntimeOptions.of(run))
        predicted = np.array([POLARITIES.index(p.polarity) for p in student.predict([e.text for e in examples[cut:]])])
    return scores(replay.gold[cut:], predicted)[0]


def report(replay: Replay, runs: Sequence[Run], ceiling: float, seconds: float) -> None:
    teacher, naive, loop, *more = runs
    print(f"\nStream {replay.name}: {len(replay.posts)} posts ({seconds:.0f} s); in-domain ceiling {ceiling:.4f}")
    header = (
        f"{'tenth':>6} {'leg':<18} {'teacher':>7} | {'naive':>6} {'F1':>6} {'calls':>6} | {'loop':>6} {'F1':>6}"
        f" {'st.acc':>6} {'calls':>6} {'estimate [interval]':>24} {'calib.':>6} {'version':<22}"
    )
    print(header + "".join(f" | {'+mem':>6} {'calls':>6} {'mem.n':>5}" for _ in more))
    for number, tenth in enumerate(replay.tenths(), start=1):
        print(row(str(number), replay, runs, tenth, loop.estimates[number - 1]))
    after_first = slice(replay.tenths()[1].start, len(replay.posts))
    print(row("2-10", replay, runs, after_first, None))
    print(row("all", replay, runs, slice(0, len(replay.posts)), None))
    teacher_accuracy = scores(replay.gold[after_first], teacher.decided[after_first])[0]
    for run in runs[1:]:
        gap = teacher_accuracy - scores(replay.gold[after_first], run.decided[after_first])[0]
        print(
            f"after the first tenth: {run.name}: gap to teacher-only {gap * 100:+.1f} points at"
            f" {run.called[after_first].mean():.1%} calls"
        )
    # Headroom: how much of each gap is routing and how much is the students themselves.
    teacher_right = float((replay.teacher == replay.gold).mean())
    for run in (naive, loop):
        best = error_oracle(replay, run)
        gap = teacher_accuracy - scores(replay.gold[after_first], best[after_first])[0]
        print(
            f"  with a router that knew which answers of {run.name}'s students are wrong (same calls per tenth):"
            f" gap {gap * 100:+.1f} points"
        )
    # The ceiling student with every call fixing one of its errors, on the part the ceiling is scored on.
    # A reference, not a bound: the ceiling is one epoch on gold labels without live calibration, and
    # on `domain`'s review leg the live loop has done better.
    tail = slice(int(len(replay.posts) * CEILING_TRAIN_SHARE), len(replay.posts))
    share = float(loop.called[tail].mean())
    teacher_tail = scores(replay.gold[tail], teacher.decided[tail])[0]
    print(
        f"  on the last {1 - CEILING_TRAIN_SHARE:.0%} (where the ceiling is scored), gap to teacher-only: naive loop"
        f" {(teacher_tail - scores(replay.gold[tail], naive.decided[tail])[0]) * 100:+.1f}, sentimon"
        f" {(teacher_tail - scores(replay.gold[tail], loop.decided[tail])[0]) * 100:+.1f}, the ceiling with every"
        f" call at {share:.1%} fixing an error {(teacher_tail - min(1.0, ceiling + share * teacher_right)) * 100:+.1f}"
    )
    truth = [scores(replay.gold[t], loop.decided[t])[0] for t in replay.tenths()]
    audited = [abs(e[0] - t) for e, t in zip(loop.estimates, truth, strict=True) if e]
    calibrated = [abs(float(loop.expected[part].mean()) - t) for part, t in zip(replay.tenths(), truth, strict=True)]
    for name, errors in (("audit estimate", audited), ("calibration estimate", calibrated)):
        if errors:
            print(f"{name} vs truth per tenth: mean |error| {np.mean(errors) * 100:.1f} points, worst"
                  f" {max(errors) * 100:.1f}, within ±2 points in {sum(e <= 0.02 for e in errors)} of {len(errors)}")  # fmt: skip
    spreads = [estimate_spread(loop.expected[part]) for part in replay.tenths()]
    print(
        f"an estimator that knew each verdict's chance of being right (the live calibration's, taken as true)"
        f" would still miss per tenth by {np.mean(spreads) * np.sqrt(2 / np.pi) * 100:.1f} points on average and"
        f" be within ±2 points in {sum(math.erf(0.02 / (s * math.sqrt(2))) for s in spreads):.1f} of"
        f" {len(spreads)} tenths (expected); ±2 in a tenth with 95 % odds needs about"
        f" {posts_for_spread(loop.expected, 0.02 / 1.96):,} posts per tenth"
    )
    if loop.latency is not None:
        idle, busy = loop.latency
        print(f"scoring p95 (batches of {LATENCY_BATCH}): idle {idle:.0f} ms, during a round {busy:.0f} ms,"
              f" ratio {busy / idle:.2f}")  # fmt: skip
    for run in runs[2:]:
        for position, result, took in run.rounds:
            print(f"  {run.name}: round after post {position}: {result.outcome} in {took:.0f} s,"
                  f" {result.train_examples} examples; {result.reason[:160]}")  # fmt: skip


def estimate_spread(expected: np.ndarray) -> float:
    """Standard deviation of a part's realised accuracy around the mean of its verdicts' chances of
    being right: the error of even a perfect estimator, which knows those chances but not which
    verdicts came out right (the realised count is a sum of independent Bernoulli draws)."""
    return float(np.sqrt((expected * (1 - expected)).sum()) / len(expected))


def posts_for_spread(expected: np.ndarray, spread: float) -> int:
    """How many posts with this mix of chances bring :func:`estimate_spread` down to ``spread``
    (it falls with the square root of the count)."""
    return int(np.ceil(estimate_spread(expected) ** 2 * len(expected) / spread**2))


def error_oracle(replay: Replay, run: Run) -> np.ndarray:
    """What ``run``'s students would have decided with the same number of teacher calls per tenth,
    spent by a router that knew which of their answers are wrong: an upper bound on routing alone.

    It cannot know which teacher answers are wrong, so it asks in stream order among the student's
    errors; the teacher's own noise stays in.
    """
    decided = run.student.copy()
    for tenth in replay.tenths():
        rows = np.arange(tenth.start, tenth.stop)
        wrong = rows[run.student[tenth] != replay.gold[tenth]]
        asked = wrong[: int(run.called[tenth].sum())]
        decided[asked] = replay.teacher[asked]
    return decided


def row(
    label: str, replay: Replay, runs: Sequence[Run], part: slice, estimate: tuple[float, float, float] | None
) -> str:
    teacher, naive, loop, *more = runs
    gold = replay.gold[part]
    legs = sorted({p.leg for p in replay.posts[part]})
    leg = legs[0] if len(legs) == 1 else f"{len(legs)} legs"
    teacher_acc = scores(gold, teacher.decided[part])[0]
    naive_acc, naive_f1 = scores(gold, naive.decided[part])
    loop_acc, loop_f1 = scores(gold, loop.decided[part])
    accepted = loop.accepted[part] & ~loop.called[part]
    student_acc = scores(gold[accepted], loop.student[part][accepted])[0] if accepted.any() else float("nan")
    shown = "" if estimate is None else f"{estimate[0]:.3f} [{estimate[1]:.3f}, {estimate[2]:.3f}]"
    extra = "".join(
        f" | {scores(gold, run.decided[part])[0]:>6.4f} {run.called[part].mean():>6.1%}"
        f" {int((~run.accepted[part] & ~run.called[part]).sum()):>5}"
        for run in more
    )
    return (
        f"{label:>6} {leg[:18]:<18} {teacher_acc:>7.4f} | {naive_acc:>6.4f} {naive_f1:>6.4f}"
        f" {naive.called[part].mean():>6.1%} | {loop_acc:>6.4f} {loop_f1:>6.4f} {student_acc:>6.4f}"
        f" {loop.called[part].mean():>6.1%} {shown:>24} {float(loop.expected[part].mean()):>6.3f}"
        f" {loop.version[part.stop - 1]:<22}{extra}"
    )


def plot(figures: Sequence[tuple[Replay, Sequence[Run], float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(2, len(figures), figsize=(6 * len(figures), 7), squeeze=False, sharex="col")
    for column, (replay, runs, ceiling) in enumerate(figures):
        tenths = replay.tenths()
        x = np.arange(1, len(tenths) + 1)
        top, bottom = axes[0, column], axes[1, column]
        for run, style in zip(runs, ("g--", "o-", "s-", "^-"), strict=False):
            top.plot(x, [scores(replay.gold[t], run.decided[t])[0] for t in tenths], style, label=run.name)
            if run.name != "teacher-only":
                bottom.plot(x, [run.called[t].mean() for t in tenths], style, label=run.name)
        estimates = runs[2].estimates
        top.plot(x, [e[0] if e else np.nan for e in estimates], "k:", label="loop: live estimate")
        top.axhline(ceiling, color="grey", linestyle=":", label="in-domain ceiling")
        top.set_title(f"{replay.name} ({len(replay.posts)} posts)")
        top.set_ylabel("accuracy per tenth")
        bottom.set_ylabel("teacher-call share per tenth")
        bottom.set_xlabel("tenth of the stream")
        top.legend(fontsize=7, loc="lower left")
        bottom.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    print(f"\nplot written to {path}")


if __name__ == "__main__":
    main()

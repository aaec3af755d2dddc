"""Student quality on public benchmarks, beside VADER, in one run.

* TweetEval sentiment: a student trained on a sample of the SemEval-2017 train
  pool, scored on the TweetEval test set (accuracy, macro-F1, macro-recall);
  VADER on the same split; and the seed-corpus-only default student, to show
  what the embedded model gets out of the box. Goal: macro-F1 ≥ 0.70.
* GoEmotions: a student trained on a sample of the train split, emotion
  macro-F1 on the test split (threshold from settings, and tuned on dev).
  Goal: ≥ 0.46 (BERT-base's published figure).

Every student is measured as it serves: calibrated, exported to int8 ONNX.
Training on 2 CPU cores is slow, so the sample sizes and epochs are options,
and the run prints what it used.

    python -m bench.student_quality [--train 8000] [--epochs 1] [--go-train 8000] [--test-limit 0]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import SHARED_DATA, TWEETEVAL, tweeteval_test
from distill.bootstrap import ensure_default_student
from distill.data import Example, read_goemotions, read_tweeteval, read_tweeteval_pool
from distill.evaluation import evaluate, evaluate_predictions
from distill.metrics import multilabel_macro_f1
from distill.pipeline import build_student, start_from_backbone
from distill.registry import Registry
from distill.trainer import TrainConfig
from models.student import StudentRuntime
from models.types import Prediction
from models.uncertainty import sigmoid
from sentimon.labels import GOEMOTIONS, POLARITIES
from sentimon.settings import Settings

GOEMOTIONS_DIR = SHARED_DATA / "goemotions" / "original"


def _sample(examples: list[Example], n: int, seed: int) -> list[Example]:
    return random.Random(seed).sample(examples, min(n, len(examples))) if n else examples


def _train(settings: Settings, train: list[Example], val: list[Example], epochs: int, out: Path) -> StudentRuntime:
    config = TrainConfig.from_settings(settings, epochs=epochs, description=f"train {len(train)}")
    start = start_from_backbone(settings.backbone, settings.aspects, settings.seed, out / "start")
    built = build_student(settings, start, train, val, out / "model", config)
    print(
        f"  trained {built.training.steps} steps; T={built.calibration.temperature:.2f}, ECE"
        f" {built.calibration.ece_before:.3f} -> {built.calibration.ece_after:.3f};"
        f" parity max |Δlogit| {built.parity.max_abs_logit_diff:.3f}"
    )
    return StudentRuntime.load(out / "model", settings)


def _vader(test: list[Example]) -> list[Prediction]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    predictions = []
    for example in test:
        compound = analyzer.polarity_scores(example.text)["compound"]
        # VADER's documented cut-offs for a three-way label.
        polarity = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        probs = tuple(1.0 if p == polarity else 0.0 for p in POLARITIES)
        predictions.append(Prediction(probs, polarity, 1.0, 1.0, 0.0, (), ()))  # type: ignore[arg-type]
    return predictions


def _emotion_scores(runtime: StudentRuntime, examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    """(gold 0/1, predicted probabilities), each (n, 28)."""
    probs = sigmoid(runtime.logits([e.text for e in examples]).emotions)
    gold = np.array([[label in (e.emotions or ()) for label in GOEMOTIONS] for e in examples], dtype=float)
    return gold, probs


def _f1_at(scores: tuple[np.ndarray, np.ndarray], threshold: float) -> float:
    gold, probs = scores
    return multilabel_macro_f1(gold, (probs >= threshold).astype(float))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=8000, help="TweetEval pool examples to train on (0 = all).")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--val", type=int, default=500, help="Validation examples (early stopping, calibration).")
    parser.add_argument("--test-limit", type=int, default=0, help="TweetEval test posts (0 = all 12,284).")
    parser.add_argument("--go-train", type=int, default=8000, help="GoEmotions train examples (0 = all).")
    parser.add_argument("--go-epochs", type=int, default=1)
    parser.add_argument("--skip-goemotions", action="store_true")
    parser.add_argument("--threads", type=int, default=0, help="Training threads (0 = torch default).")
    args = parser.parse_args()
    if not (TWEETEVAL / "test_text.txt").is_file():
        print(f"TweetEval not found in {TWEETEVAL}; nothing to measure.")
        return
    settings = Settings(train_threads=args.threads)
    rows: list[tuple[str, str, dict[str, float]]] = []
    test = tweeteval_test(TWEETEVAL, args.test_limit or None, settings.seed) or []
    with tempfile.TemporaryDirectory(prefix="sentimon-quality-") as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        pool = _sample(read_tweeteval_pool(TWEETEVAL / "train_semeval2017_pool.tsv"), args.train, settings.seed)
        val = _sample(read_tweeteval(TWEETEVAL, "val"), args.val, settings.seed)
        print(f"TweetEval student: {len(pool)} pool tweets, {args.epochs} epoch(s), {len(val)} validation")
        tweet_student = _train(settings, pool, val, args.epochs, root / "tweeteval")
        rows.append((f"student, TweetEval pool {len(pool)}", "int8", evaluate(tweet_student, test)))
        print(f"  {time.perf_counter() - started:.0f} s")

        rows.append(("VADER", "lexicon", evaluate_predictions(test, _vader(test))))

        started = time.perf_counter()
        seed_settings = settings.model_copy(update={"data_dir": root / "seed"})
        print(f"seed-only default student: {seed_settings.bootstrap_epochs} epoch(s) on the seed corpus")
        ensure_default_student(seed_settings)
        seed_student = Registry(seed_settings.registry_dir).load_runtime(seed_settings)
        rows.append(("student, seed corpus only", "int8", evaluate(seed_student, test)))
        print(f"  {time.perf_counter() - started:.0f} s")

        go_line = "GoEmotions: skipped"
        if not args.skip_goemotions and (GOEMOTIONS_DIR / "test.tsv").is_file():
            started = time.perf_counter()
            go_train = _sample(read_goemotions(GOEMOTIONS_DIR / "train.tsv"), args.go_train, settings.seed)
            go_dev = _sample(read_goemotions(GOEMOTIONS_DIR / "dev.tsv"), 2000, settings.seed)
            go_test = read_goemotions(GOEMOTIONS_DIR / "test.tsv")
            print(f"GoEmotions student: {len(go_train)} train, {args.go_epochs} epoch(s)")
            go_student = _train(settings, go_train, go_dev[: args.val], args.go_epochs, root / "goemotions")
            dev_scores, test_scores = _emotion_scores(go_student, go_dev), _emotion_scores(go_student, go_test)
            tuned = max(np.arange(0.05, 0.6, 0.05), key=lambda t: _f1_at(dev_scores, float(t)))
            at_setting = _f1_at(test_scores, settings.emotion_threshold)
            at_tuned = _f1_at(test_scores, float(tuned))
            go_line = (
                f"GoEmotions test ({len(go_test)}), student on {len(go_train)} train examples:"
                f" macro-F1 {at_setting:.3f} at threshold {settings.emotion_threshold},"
                f" {at_tuned:.3f} at {tuned:.2f} (tuned on dev); goal ≥ 0.46"
            )
            print(f"  {time.perf_counter() - started:.0f} s")

    print(f"\nTweetEval sentiment test ({len(test)} tweets)\n")
    print(f"{'model':<36}{'runtime':<9}{'accuracy':>10}{'macro-F1':>10}{'macro-recall':>14}")
    for name, kind, metrics in rows:
        print(
            f"{name:<36}{kind:<9}{metrics['accuracy']:>10.3f}{metrics['macro_f1']:>10.3f}"
            f"{metrics['macro_recall']:>14.3f}"
        )
    print("goal: macro-F1 ≥ 0.70 (RoBERTa-base reports 71.3 macro-recall)\n")
    print(go_line)


if __name__ == "__main__":
    main()

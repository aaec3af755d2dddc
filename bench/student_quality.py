"""Student quality on public benchmarks, side by side in one run: the shipped student, VADER, the seed-only student.

* TweetEval sentiment test (accuracy, macro-F1, macro-recall): the shipped
  default student as it serves (exported from its checkpoint to calibrated
  int8 ONNX, exactly as ``make up`` does) and as a PyTorch checkpoint; VADER;
  the student trained on the seed corpus alone (``sentimon bootstrap --from-seed``).
* GoEmotions test: emotion macro-F1 of the shipped student, int8 and PyTorch,
  with its per-label thresholds.

Goals (issue 10): TweetEval macro-recall ≥ 0.72 and macro-F1 ≥ 0.71 for the
int8 student; GoEmotions macro-F1 ≥ 0.47; int8 within 0.5 point of PyTorch.

    python -m bench.student_quality [--test-limit 0] [--skip-seed]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from bench.common import SHARED_DATA, TWEETEVAL, tweeteval_test
from distill.bootstrap import SHIPPED_CHECKPOINT, ensure_default_student
from distill.data import Example, read_goemotions
from distill.evaluation import evaluate, evaluate_predictions
from distill.metrics import multilabel_macro_f1
from distill.modeling import StudentModel
from distill.recipe import emotion_gold, polarity_scores
from distill.trainer import torch_logits
from models.encoding import TextEncoder
from models.manifest import TOKENIZER_FILE
from models.registry import Registry
from models.student import RuntimeOptions
from models.types import Prediction
from models.uncertainty import sigmoid
from sentimon.labels import POLARITIES
from sentimon.settings import Settings

GOEMOTIONS_TEST = SHARED_DATA / "goemotions" / "original" / "test.tsv"


def _vader(test: Sequence[Example]) -> list[Prediction]:
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


def _emotion_f1(probs: np.ndarray, gold: np.ndarray, thresholds: np.ndarray) -> float:
    return multilabel_macro_f1(gold, (probs >= thresholds).astype(float))


def _line(name: str, kind: str, metrics: dict[str, float]) -> str:
    return (
        f"{name:<34}{kind:<9}{metrics['accuracy']:>10.3f}{metrics['macro_f1']:>10.3f}{metrics['macro_recall']:>14.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test-limit", type=int, default=0, help="TweetEval test posts (0 = all 12,284).")
    parser.add_argument("--skip-seed", action="store_true", help="Leave out the seed-only student (minutes to train).")
    parser.add_argument("--threads", type=int, default=0, help="Torch threads (0 = torch default).")
    args = parser.parse_args()
    if not (TWEETEVAL / "test_text.txt").is_file():
        print(f"TweetEval not found in {TWEETEVAL}; nothing to measure.")
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    test = tweeteval_test(TWEETEVAL, args.test_limit or None, seed=13) or []
    rows: list[tuple[str, str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="sentimon-quality-") as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        settings = Settings(data_dir=root / "shipped", student_checkpoint="default")
        ensure_default_student(settings, progress=False)
        int8 = Registry.of(settings).load_runtime(RuntimeOptions.of(settings))
        print(f"shipped student exported to int8 in {time.perf_counter() - started:.0f} s")
        model, _meta = StudentModel.from_checkpoint(SHIPPED_CHECKPOINT)
        encoder = TextEncoder.from_file(int8.model_dir / TOKENIZER_FILE, settings.max_seq_len)
        rows.append(("shipped student", "int8", evaluate(int8, test)))
        rows.append(("shipped student", "PyTorch", polarity_scores(model, encoder, test)))
        rows.append(("VADER", "lexicon", evaluate_predictions(test, _vader(test))))
        if not args.skip_seed:
            started = time.perf_counter()
            seed_settings = Settings(data_dir=root / "seed", student_checkpoint="")
            ensure_default_student(seed_settings, progress=False, from_seed=True)
            seed_student = Registry.of(seed_settings).load_runtime(RuntimeOptions.of(seed_settings))
            rows.append(("seed-corpus-only student", "int8", evaluate(seed_student, test)))
            print(f"seed-only student trained in {time.perf_counter() - started:.0f} s")

        emotion_lines = ["GoEmotions: test set not found"]
        if GOEMOTIONS_TEST.is_file():
            go_test = read_goemotions(GOEMOTIONS_TEST)
            gold = emotion_gold(go_test)
            thresholds = np.asarray(int8.manifest.emotion_thresholds or (settings.emotion_threshold,) * gold.shape[1])
            f1_int8 = _emotion_f1(sigmoid(int8.logits([e.text for e in go_test]).emotions), gold, thresholds)
            f1_torch = _emotion_f1(sigmoid(torch_logits(model, encoder, go_test).emotions), gold, thresholds)
            emotion_lines = [
                f"GoEmotions test ({len(go_test)}), macro-F1 with the model's per-label thresholds:",
                f"  shipped student int8 {f1_int8:.3f}, PyTorch {f1_torch:.3f};"
                f" goal ≥ 0.47 → {'met' if f1_int8 >= 0.47 else 'NOT met'}",
            ]

    print(f"\nTweetEval sentiment test ({len(test)} tweets)\n")
    print(f"{'model':<34}{'runtime':<9}{'accuracy':>10}{'macro-F1':>10}{'macro-recall':>14}")
    for name, kind, metrics in rows:
        print(_line(name, kind, metrics))
    served, reference = rows[0][2], rows[1][2]
    gap = abs(served["macro_f1"] - reference["macro_f1"])
    print(
        f"\ngoals: macro-recall ≥ 0.72 → {'met' if served['macro_recall'] >= 0.72 else 'NOT met'};"
        f" macro-F1 ≥ 0.71 → {'met' if served['macro_f1'] >= 0.71 else 'NOT met'};"
        f" int8 within 0.5 point of PyTorch (macro-F1 gap {100 * gap:.2f}) → {'met' if gap <= 0.005 else 'NOT met'}"
    )
    print("anchors: RoBERTa-base 0.713 macro-recall (125M parameters), BERTweet 0.734\n")
    print("\n".join(emotion_lines))


if __name__ == "__main__":
    main()

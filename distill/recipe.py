"""The recipe of the shipped default student: real public posts, several epochs, official validation sets.

A student trained only on the project's synthetic seed corpus scores below a
lexicon on real tweets, so the default one learns each head from public data
made for it: polarity from the SemEval 2013–2016 tweet pool (TweetEval's
train source), the 28 emotions from GoEmotions, aspects from the seed corpus
and SemEval-2014 restaurant reviews (categories mapped onto the deployment's
aspects). Every example trains only the heads it has labels for.

Several variants (polarity class weighting) train independently; ``finish``
also tries their weight average (a "model soup", Wortsman et al. 2022: fine-
tunes of one backbone average well) and keeps whichever scores best on
TweetEval's official validation split — never on test. It then fits the
calibration temperature on that split and one emotion threshold per label on
GoEmotions dev, measures test, and writes one fp16 checkpoint whose metadata
carries all of that. ``scripts/train_default_student.sh`` is the whole recipe.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from distill.calibration import calibrate
from distill.data import (
    Example,
    fingerprint,
    read_goemotions,
    read_semeval_absa,
    read_tweeteval,
    read_tweeteval_pool,
    seed_split,
    split_validation,
)
from distill.metrics import accuracy, macro_f1, macro_recall, multilabel_macro_f1
from distill.modeling import StudentModel, resolve_backbone, save_tokenizer
from distill.trainer import TrainConfig, Trainer, targets_for, torch_logits
from models.encoding import TextEncoder
from models.uncertainty import sigmoid
from sentimon.labels import POLARITIES
from sentimon.settings import Settings

log = logging.getLogger(__name__)

_WEIGHTS_FILE = "weights.safetensors"
_SEED_VALIDATION_FRACTION = 0.1
# Candidate per-label emotion thresholds; labels with fewer dev positives than this keep the global best,
# since a threshold tuned on a handful of examples is noise.
_THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)
_MIN_POSITIVES_FOR_OWN_THRESHOLD = 30


@dataclass(frozen=True, slots=True)
class RecipeData:
    train: list[Example]
    val: list[Example]  # TweetEval val (polarity), GoEmotions dev (emotions), seed val (aspects)
    polarity_val: list[Example]
    emotion_dev: list[Example]
    polarity_test: list[Example]
    emotion_test: list[Example]


def load_recipe_data(data_dir: Path, settings: Settings, limit: int | None = None) -> RecipeData:
    """Every source from ``data_dir`` (the layout of ``../shared/data``); ``limit`` cuts each for smoke runs."""

    def cut(examples: list[Example]) -> list[Example]:
        return examples[:limit] if limit else examples

    tweets = data_dir / "tweeteval_sentiment"
    emotions = data_dir / "goemotions" / "original"
    seed_train, _gold = seed_split(settings)
    seed_train, seed_val = split_validation(seed_train, _SEED_VALIDATION_FRACTION)
    polarity_val = cut(read_tweeteval(tweets, "val"))
    emotion_dev = cut(read_goemotions(emotions / "dev.tsv"))
    # The seed corpus is synthetic: it teaches aspects (nothing public covers the deployment's list),
    # but its polarity labels stay out so that real tweets alone shape the polarity head.
    aspect_only = [replace(e, polarity=None) for e in seed_train]
    train = (
        cut(read_tweeteval_pool(tweets / "train_semeval2017_pool.tsv"))
        + cut(read_goemotions(emotions / "train.tsv"))
        + cut(read_semeval_absa(data_dir / "semeval2014_absa" / "Restaurants_Train_v2.xml"))
        + cut(aspect_only)
    )
    val = polarity_val + emotion_dev + [replace(e, polarity=None) for e in cut(seed_val)]
    return RecipeData(
        train=train,
        val=val,
        polarity_val=polarity_val,
        emotion_dev=emotion_dev,
        polarity_test=cut(read_tweeteval(tweets, "test")),
        emotion_test=cut(read_goemotions(emotions / "test.tsv")),
    )


def class_weights(examples: Sequence[Example], power: float) -> tuple[float, float, float] | None:
    """Inverse class frequency raised to ``power`` (0 = unweighted, 1 = fully balanced), mean 1."""
    if power == 0:
        return None
    counts = Counter(e.polarity for e in examples if e.polarity is not None)
    raw = np.array([(sum(counts.values()) / max(1, counts[p])) ** power for p in POLARITIES])
    return tuple(float(w) for w in raw / raw.mean())  # type: ignore[return-value]


def polarity_scores(model: StudentModel, encoder: TextEncoder, examples: Sequence[Example]) -> dict[str, float]:
    logits = torch_logits(model, encoder, examples, batch_size=256).polarity
    gold = np.array([POLARITIES.index(str(e.polarity)) for e in examples])
    predicted = logits.argmax(1)
    return {
        "accuracy": accuracy(gold, predicted),
        "macro_f1": macro_f1(gold, predicted, len(POLARITIES)),
        "macro_recall": macro_recall(gold, predicted, len(POLARITIES)),
    }


def emotion_probs(model: StudentModel, encoder: TextEncoder, examples: Sequence[Example]) -> np.ndarray:
    return sigmoid(torch_logits(model, encoder, examples, batch_size=256).emotions)


def emotion_gold(examples: Sequence[Example]) -> np.ndarray:
    """(n, 28) 0/1 emotion labels, built exactly as training builds its targets."""
    return targets_for(examples, ()).emotions.numpy()


def tune_emotion_thresholds(probs: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """One threshold per label maximising that label's F1 on dev; rare labels keep the global best."""

    def f1(threshold: np.ndarray | float) -> np.ndarray:
        predicted = probs >= threshold
        tp = (predicted * gold).sum(0)
        denom = predicted.sum(0) + gold.sum(0)
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)

    global_best = max(_THRESHOLD_GRID, key=lambda t: f1(t)[gold.sum(0) > 0].mean())
    per_label = np.stack([f1(t) for t in _THRESHOLD_GRID])  # (grid, labels)
    thresholds = _THRESHOLD_GRID[per_label.argmax(0)]
    return np.where(gold.sum(0) >= _MIN_POSITIVES_FOR_OWN_THRESHOLD, thresholds, global_best)


def train_variant(
    data_dir: Path, work: Path, settings: Settings, config: TrainConfig, balance: float, limit: int | None = None
) -> None:
    """Train one variant from the backbone and save its fp32 weights and validation scores in ``work``."""
    data = load_recipe_data(data_dir, settings, limit)
    backbone = resolve_backbone(settings.backbone)
    work.mkdir(parents=True, exist_ok=True)
    save_tokenizer(backbone, work / "tokenizer.json")
    model = StudentModel.from_backbone(backbone, settings.aspects, config.seed)
    encoder = TextEncoder.from_file(work / "tokenizer.json", settings.max_seq_len)
    config = replace(config, polarity_class_weights=class_weights(data.train, balance))
    result = Trainer(model, encoder, config).train(data.train, data.val)
    save_file(
        {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}, str(work / _WEIGHTS_FILE)
    )
    summary = {
        "balance": balance,
        "config": asdict(config),
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "history": result.history,
        "val": polarity_scores(model, encoder, data.polarity_val),
    }
    (work / "variant.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    log.info("variant balance=%s: epochs %s, val %s", balance, result.history, summary["val"])


def _selection_score(scores: dict[str, float]) -> float:
    """SemEval-2017's headline metric is macro-recall; macro-F1 keeps precision honest."""
    return (scores["macro_recall"] + scores["macro_f1"]) / 2


def finish(
    data_dir: Path, works: Sequence[Path], out: Path, settings: Settings, device: str, limit: int | None = None
) -> dict[str, object]:
    """Pick the best of the variants and their average on validation, calibrate, measure test, write the file."""
    data = load_recipe_data(data_dir, settings, limit)
    encoder = TextEncoder.from_file(works[0] / "tokenizer.json", settings.max_seq_len)
    model = StudentModel.from_backbone(resolve_backbone(settings.backbone), settings.aspects, settings.seed)
    states = {str(w): load_file(str(w / _WEIGHTS_FILE)) for w in works}
    if len(states) > 1:
        states["soup"] = {k: torch.stack([s[k] for s in states.values()]).mean(0) for k in next(iter(states.values()))}
    candidates: dict[str, dict[str, float]] = {}
    for name, state in states.items():
        model.load_state_dict(state)
        model.to(device)
        candidates[name] = polarity_scores(model, encoder, data.polarity_val)
        log.info("candidate %s: val %s", name, candidates[name])
    chosen = max(candidates, key=lambda name: _selection_score(candidates[name]))
    model.load_state_dict(states[chosen])
    model.to(device).eval()

    val_logits = torch_logits(model, encoder, data.polarity_val, batch_size=256).polarity
    val_gold = np.array([POLARITIES.index(str(e.polarity)) for e in data.polarity_val])
    calibration = calibrate(val_logits, val_gold)
    thresholds = tune_emotion_thresholds(
        emotion_probs(model, encoder, data.emotion_dev), emotion_gold(data.emotion_dev)
    )
    emotion_test = emotion_probs(model, encoder, data.emotion_test)
    gold_test = emotion_gold(data.emotion_test)
    metrics: dict[str, float] = {
        **{f"tweeteval_val_{k}": v for k, v in candidates[chosen].items()},
        **{f"tweeteval_test_{k}": v for k, v in polarity_scores(model, encoder, data.polarity_test).items()},
        "goemotions_test_macro_f1": multilabel_macro_f1(gold_test, (emotion_test >= thresholds).astype(float)),
        "goemotions_test_macro_f1_at_0.35": multilabel_macro_f1(gold_test, (emotion_test >= 0.35).astype(float)),
        "ece_before": calibration.ece_before,
        "ece_after": calibration.ece_after,
    }
    report: dict[str, object] = {"chosen": chosen, "candidates": candidates, "metrics": metrics}
    model.cpu().save_checkpoint(
        out,
        {
            "temperature": json.dumps(calibration.temperature),
            "emotion_thresholds": json.dumps([float(t) for t in thresholds]),
            "metrics": json.dumps(metrics),
            "backbone": "sentence-transformers/all-MiniLM-L6-v2",
            "data_fingerprint": fingerprint(data.train),
            "train_examples": str(len(data.train)),
            "recipe": "scripts/train_default_student.sh",
        },
    )
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="Train one variant into --work.")
    train.add_argument("--balance", type=float, default=0.0, help="Polarity class-weight power (0..1).")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=5e-5)
    train.add_argument("--head-lr", type=float, default=1e-3)
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--max-steps", type=int, default=None, help="Smoke runs: cap the steps.")
    done = sub.add_parser("finish", help="Select, calibrate, measure and write the checkpoint.")
    done.add_argument("--out", type=Path, required=True)
    done.add_argument("--report", type=Path, required=True)
    for command in (train, done):
        command.add_argument("--data", type=Path, required=True, help="Directory laid out like ../shared/data.")
        command.add_argument("--work", type=Path, nargs="+", required=True)
        command.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
        command.add_argument("--limit", type=int, default=None, help="Smoke runs: examples per source.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings()
    if args.command == "train":
        config = TrainConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.lr,
            head_learning_rate=args.head_lr,
            patience=2,
            seed=args.seed,
            max_steps=args.max_steps,
            device=args.device,
            progress=False,
            description=f"recipe balance={args.balance}",
        )
        train_variant(args.data, args.work[0], settings, config, args.balance, args.limit)
    else:
        report = finish(args.data, args.work, args.out, settings, args.device, args.limit)
        args.report.write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps(report["metrics"], indent=2))


if __name__ == "__main__":
    main()

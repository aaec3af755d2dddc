"""Supervised training of the student on hard labels, with masked heads and early stopping.

Every example trains only the heads it has labels for: an example without
emotions contributes nothing to the emotion loss (rather than teaching "no
emotion"), so corpora labeled for different things can be mixed freely.
:class:`distill.distillation.DistillationTrainer` changes only the polarity
loss; everything else (batching, schedule, early stopping, determinism) is here.
"""

from __future__ import annotations

import copy
import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from distill.data import Example
from distill.metrics import accuracy, macro_f1, multilabel_macro_f1
from distill.modeling import StudentModel, torch_threads
from distill.progress import Progress
from models.encoding import TextEncoder
from models.student import Logits
from sentimon.labels import ASPECT_STATES, GOEMOTIONS, POLARITIES
from sentimon.settings import Settings

log = logging.getLogger(__name__)

IGNORE = -100
# Batches per length-sorted chunk when forming training batches.
_BUCKET_BATCHES = 50
# Early stopping scores emotions at probability 0.3 (logit -0.85), the usual GoEmotions cut; the
# shipped thresholds are tuned per label afterwards, so this only has to rank epochs.
_EMOTION_LOGIT_CUT = -0.8473


class TrainingStopped(RuntimeError):
    """Training was asked to stop (the process is shutting down); nothing it built is kept."""


@dataclass(frozen=True, slots=True)
class TrainConfig:
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 8e-5
    head_learning_rate: float = 2e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    patience: int = 2
    seed: int = 13
    max_steps: int | None = None  # a hard cap, for smoke tests and benchmarks
    threads: int = 0  # torch threads during training; 0 leaves torch's default
    device: str = "cpu"  # "cuda" trains on a GPU (bf16 autocast); serving is always ONNX
    # Per-class weights of the polarity loss, in POLARITIES order; None = unweighted. Macro metrics
    # reward the rare class (negative tweets are 16 % of the SemEval pool), plain CE does not.
    polarity_class_weights: tuple[float, float, float] | None = None
    progress: bool = True
    description: str = "train"
    stop: threading.Event | None = None  # set from another thread to abandon training at the next step

    @classmethod
    def of(cls, settings: Settings, **overrides: object) -> TrainConfig:
        base = cls(
            epochs=settings.train_epochs,
            batch_size=settings.train_batch_size,
            learning_rate=settings.learning_rate,
            head_learning_rate=settings.head_learning_rate,
            patience=settings.early_stop_patience,
            seed=settings.seed,
            threads=settings.train_threads,
        )
        return replace(base, **overrides)


@dataclass(slots=True)
class Targets:
    """Labels of one batch; masks say which examples carry which labels."""

    polarity: torch.Tensor  # (b,) class index or IGNORE
    soft: torch.Tensor  # (b, 3) teacher probabilities (rows without any are zero)
    has_soft: torch.Tensor  # (b,) bool
    emotions: torch.Tensor  # (b, 28) 0/1
    has_emotions: torch.Tensor  # (b,) bool
    aspects: torch.Tensor  # (b, aspects) state index or IGNORE
    weight: torch.Tensor  # (b,)

    def to(self, device: torch.device) -> Targets:
        return Targets(*(getattr(self, name).to(device) for name in self.__slots__))


@dataclass(slots=True)
class TrainResult:
    best_epoch: int
    epochs_run: int
    steps: int
    stopped_early: bool
    best_metrics: dict[str, float]
    history: list[dict[str, float]] = field(default_factory=list)


def targets_for(examples: Sequence[Example], aspects: Sequence[str]) -> Targets:
    aspect_index = {a: i for i, a in enumerate(aspects)}
    n = len(examples)
    polarity = torch.full((n,), IGNORE, dtype=torch.long)
    soft = torch.zeros((n, len(POLARITIES)))
    has_soft = torch.zeros(n, dtype=torch.bool)
    emotions = torch.zeros((n, len(GOEMOTIONS)))
    has_emotions = torch.zeros(n, dtype=torch.bool)
    aspect_states = torch.full((n, len(aspects)), IGNORE, dtype=torch.long)
    for row, example in enumerate(examples):
        hard = example.hard_polarity
        if hard is not None:
            polarity[row] = POLARITIES.index(hard)
        if example.probs is not None:
            soft[row] = torch.tensor(example.probs)
            has_soft[row] = True
        if example.emotions is not None:
            has_emotions[row] = True
            for emotion in example.emotions:
                emotions[row, GOEMOTIONS.index(emotion)] = 1.0
        if example.aspects is not None:
            aspect_states[row] = 0  # known: whatever is not mentioned is absent
            for aspect, aspect_polarity in example.aspects:
                if aspect in aspect_index:
                    aspect_states[row, aspect_index[aspect]] = ASPECT_STATES.index(aspect_polarity)
    weight = torch.tensor([e.weight for e in examples], dtype=torch.float)
    return Targets(polarity, soft, has_soft, emotions, has_emotions, aspect_states, weight)


def model_inputs(
    encoder: TextEncoder, examples: Sequence[Example], device: torch.device | None = None
) -> dict[str, torch.Tensor]:
    encodings = encoder.encode([e.text for e in examples], [e.context for e in examples])
    return {name: torch.from_numpy(array).to(device or "cpu") for name, array in encoder.pad(encodings).items()}


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def _weighted_mean(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    total = weights.sum()
    return (values * weights).sum() / total if total > 0 else values.sum() * 0.0


@torch.no_grad()
def torch_logits(
    model: StudentModel, encoder: TextEncoder, examples: Sequence[Example], batch_size: int = 64
) -> Logits:
    """PyTorch outputs in input order (eval mode), for calibration, parity and evaluation."""
    was_training = model.training
    model.eval()
    device = model_device(model)
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].text))
    parts: list[tuple[list[int], tuple[torch.Tensor, ...]]] = []
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        outputs = model(**model_inputs(encoder, [examples[i] for i in rows], device))
        parts.append((rows, tuple(o.float().cpu() for o in outputs)))
    model.train(was_training)
    n, n_aspects = len(examples), len(model.aspects)
    polarity = np.zeros((n, len(POLARITIES)), dtype=np.float32)
    emotions = np.zeros((n, len(GOEMOTIONS)), dtype=np.float32)
    aspects = np.zeros((n, n_aspects, len(ASPECT_STATES)), dtype=np.float32)
    for rows, (pol, emo, asp) in parts:
        polarity[rows], emotions[rows], aspects[rows] = pol.numpy(), emo.numpy(), asp.numpy()
    return Logits(polarity, emotions, aspects)


class Trainer:
    def __init__(self, model: StudentModel, encoder: TextEncoder, config: TrainConfig) -> None:
        self.model = model
        self.encoder = encoder
        self.config = config

    def polarity_loss(self, logits: torch.Tensor, targets: Targets) -> torch.Tensor:
        """Per-example polarity loss (zero where unlabeled): hard-label cross-entropy."""
        labeled = targets.polarity != IGNORE
        weights = self.config.polarity_class_weights
        class_weight = torch.tensor(weights, device=logits.device, dtype=logits.dtype) if weights else None
        loss = F.cross_entropy(logits, targets.polarity.clamp(min=0), weight=class_weight, reduction="none")
        return torch.where(labeled, loss, torch.zeros_like(loss))

    def loss(self, outputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor], targets: Targets) -> torch.Tensor:
        polarity_logits, emotion_logits, aspect_logits = outputs
        w = targets.weight
        polarity = _weighted_mean(self.polarity_loss(polarity_logits, targets), w * (targets.polarity != IGNORE))
        emotion_each = F.binary_cross_entropy_with_logits(emotion_logits, targets.emotions, reduction="none").mean(1)
        emotions = _weighted_mean(emotion_each, w * targets.has_emotions)
        aspect_labeled = targets.aspects != IGNORE
        aspect_each = F.cross_entropy(
            aspect_logits.reshape(-1, len(ASPECT_STATES)), targets.aspects.clamp(min=0).reshape(-1), reduction="none"
        ).view_as(targets.aspects)
        aspect_count = aspect_labeled.sum(1)
        per_example = (aspect_each * aspect_labeled).sum(1) / aspect_count.clamp(min=1)
        aspects = _weighted_mean(per_example, w * (aspect_count > 0))
        return polarity + emotions + aspects

    def evaluate(self, examples: Sequence[Example]) -> dict[str, float]:
        """Validation loss, plus polarity accuracy and macro-F1 where polarity labels exist."""
        logits = torch_logits(self.model, self.encoder, examples, self.config.batch_size * 2)
        targets = targets_for(examples, self.model.aspects)
        with torch.no_grad():
            outputs = (
                torch.from_numpy(logits.polarity),
                torch.from_numpy(logits.emotions),
                torch.from_numpy(logits.aspects),
            )
            metrics = {"loss": float(self.loss(outputs, targets))}
        labeled = (targets.polarity != IGNORE).numpy()
        if labeled.any():
            gold = targets.polarity.numpy()[labeled]
            predicted = logits.polarity.argmax(1)[labeled]
            metrics["accuracy"] = accuracy(gold, predicted)
            metrics["macro_f1"] = macro_f1(gold, predicted, len(POLARITIES))
        has_emotions = targets.has_emotions.numpy()
        if has_emotions.any():
            predicted_emotions = (logits.emotions[has_emotions] >= _EMOTION_LOGIT_CUT).astype(float)
            metrics["emotion_macro_f1"] = multilabel_macro_f1(
                targets.emotions.numpy()[has_emotions], predicted_emotions
            )
        return metrics

    def train(self, train: Sequence[Example], val: Sequence[Example]) -> TrainResult:
        if not train:
            raise ValueError("no training examples")
        with torch_threads(self.config.threads):
            return self._train(train, val)

    def _batches(self, train: Sequence[Example], rng: random.Random) -> list[list[int]]:
        """Shuffled batches of similar length: sorting within large shuffled chunks cuts padding
        (and so compute) by about a third while keeping batches random from epoch to epoch."""
        size = self.config.batch_size
        order = list(range(len(train)))
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), size * _BUCKET_BATCHES):
            chunk = sorted(order[start : start + size * _BUCKET_BATCHES], key=lambda i: len(train[i].text))
            batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
        rng.shuffle(batches)
        return batches

    def _train(self, train: Sequence[Example], val: Sequence[Example]) -> TrainResult:
        config = self.config
        torch.manual_seed(config.seed)
        device = torch.device(config.device)
        self.model.to(device)
        # bf16 autocast on a GPU: MiniLM trains as well in it and several times faster; fp32 on the CPU.
        autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")
        shuffler = random.Random(config.seed)
        batches_per_epoch = -(-len(train) // config.batch_size)
        total = batches_per_epoch * config.epochs
        if config.max_steps is not None:
            total = min(total, config.max_steps)
        # Two rates, as SetFit trains body and head apart: the pretrained encoder needs small steps
        # not to forget, while the freshly initialised heads need large ones to learn anything in
        # the few hundred steps a CPU round affords (Adam's step size is the rate, whatever the
        # gradient's scale).
        encoder_ids = {id(p) for p in self.model.encoder.parameters()}
        heads = [p for p in self.model.parameters() if id(p) not in encoder_ids]
        optimizer = torch.optim.AdamW(
            [
                {"params": list(self.model.encoder.parameters()), "lr": config.learning_rate},
                {"params": heads, "lr": config.head_learning_rate},
            ],
            weight_decay=config.weight_decay,
        )
        warmup = max(1, int(total * config.warmup_fraction))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
        )
        best_score: tuple[float, float] = (-float("inf"), -float("inf"))
        best_state, best_epoch, best_metrics = None, 0, {}
        history: list[dict[str, float]] = []
        stale, steps, epoch, stopped_early = 0, 0, 0, False
        bar = Progress(total, config.description, enabled=config.progress)
        self.model.train()
        try:
            while epoch < config.epochs and steps < total:
                epoch += 1
                running = 0.0
                for rows in self._batches(train, shuffler):
                    if steps >= total:
                        break
                    if config.stop is not None and config.stop.is_set():
                        raise TrainingStopped(f"abandoned at step {steps} of {total}")
                    batch = [train[i] for i in rows]
                    with autocast:
                        outputs = self.model(**model_inputs(self.encoder, batch, device))
                    loss = self.loss(
                        tuple(o.float() for o in outputs), targets_for(batch, self.model.aspects).to(device)
                    )
                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                    optimizer.step()
                    schedule.step()
                    steps += 1
                    running = 0.9 * running + 0.1 * loss.item() if running else loss.item()
                    bar.update(1, epoch=epoch, loss=f"{running:.4f}")
                metrics = self.evaluate(val) if val else {"loss": running}
                metrics["epoch"] = float(epoch)
                history.append(metrics)
                log.info("%s: epoch %d of %d, %d steps: %s", config.description, epoch, config.epochs, steps, metrics)
                # Macro-F1 (polarity plus emotions where both are validated) first; validation loss
                # breaks ties and decides when there are no labels to score.
                score = (metrics.get("macro_f1", 0.0) + metrics.get("emotion_macro_f1", 0.0), -metrics["loss"])
                bar.show(epoch=epoch, loss=f"{running:.4f}", val_loss=f"{metrics['loss']:.4f}")
                if score > best_score:
                    best_score, best_epoch, best_metrics, stale = score, epoch, metrics, 0
                    best_state = copy.deepcopy(self.model.state_dict())
                else:
                    stale += 1
                    if stale >= config.patience:
                        stopped_early = True
                        log.info("early stop after epoch %d: no gain for %d epochs", epoch, stale)
                        break
        finally:
            bar.close()
        if best_state is not None:
            self.model.load_state_dict(best_state)
        self.model.eval()
        return TrainResult(best_epoch, epoch, steps, stopped_early, best_metrics, history)

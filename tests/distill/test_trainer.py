"""Training on the tiny backbone: masked heads, distillation loss, determinism, early stopping."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from distill.data import Example
from distill.distillation import DistillationTrainer
from distill.modeling import StudentModel
from distill.pipeline import Start, start_from_backbone
from distill.trainer import TrainConfig, Trainer, model_inputs, targets_for
from models.encoding import TextEncoder
from tests.fixtures.student import TINY_ASPECTS, TINY_EXAMPLES

FAST = TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3, progress=False, threads=1)


@pytest.fixture
def start(tiny_backbone: Path, tmp_path: Path) -> Start:
    return start_from_backbone(str(tiny_backbone), TINY_ASPECTS, 7, tmp_path)


def _encoder(start: Start) -> TextEncoder:
    return TextEncoder.from_file(start.tokenizer_file, 64)


def test_heads_without_labels_get_no_gradient(start: Start) -> None:
    trainer = Trainer(start.model, _encoder(start), FAST)
    polarity_only = [Example(text="good", polarity="positive"), Example(text="bad", polarity="negative")]
    loss = trainer.loss(
        start.model(**model_inputs(trainer.encoder, polarity_only)), targets_for(polarity_only, TINY_ASPECTS)
    )
    loss.backward()
    assert start.model.polarity.weight.grad.abs().sum() > 0
    assert start.model.emotions.weight.grad.abs().sum() == 0
    assert start.model.aspect_head.weight.grad.abs().sum() == 0


def test_known_empty_aspects_train_absent_states(start: Start) -> None:
    targets = targets_for([Example(text="x", aspects=[("price", "negative"), ("unknown", "positive")])], TINY_ASPECTS)
    assert targets.aspects.tolist() == [[1, 0, 0, 0, 0, 0]]  # price negative, the rest absent
    assert targets_for([Example(text="x")], TINY_ASPECTS).aspects.tolist() == [[-100] * 6]


def test_distillation_loss_mixes_kl_and_cross_entropy(start: Start) -> None:
    encoder = _encoder(start)
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    teacher_probs = torch.softmax(logits, dim=-1)[0].tolist()
    example = Example(text="x", probs=teacher_probs)
    targets = targets_for([example], TINY_ASPECTS)
    hard = Trainer(start.model, encoder, FAST).polarity_loss(logits, targets)
    matching = DistillationTrainer(start.model, encoder, FAST, temperature=3.0, alpha=1.0).polarity_loss(
        logits, targets
    )
    assert float(matching) == pytest.approx(0.0, abs=1e-5)  # student equals teacher: no KL
    half = DistillationTrainer(start.model, encoder, FAST, temperature=3.0, alpha=0.5).polarity_loss(logits, targets)
    assert float(half) == pytest.approx(0.5 * float(hard), rel=1e-4)
    wrong = DistillationTrainer(start.model, encoder, FAST, temperature=3.0, alpha=1.0).polarity_loss(-logits, targets)
    assert float(wrong) > 0.1
    with pytest.raises(ValueError):
        DistillationTrainer(start.model, encoder, FAST, temperature=0.0)


def _trained_weights(backbone: Path, tmp_path: Path, seed: int) -> torch.Tensor:
    start = start_from_backbone(str(backbone), TINY_ASPECTS, seed, tmp_path / str(seed))
    Trainer(start.model, _encoder(start), replace(FAST, seed=seed)).train(TINY_EXAMPLES, TINY_EXAMPLES[:8])
    return start.model.polarity.weight.detach().clone()


def test_training_is_deterministic_for_a_seed(tiny_backbone: Path, tmp_path: Path) -> None:
    first = _trained_weights(tiny_backbone, tmp_path / "a", 3)
    again = _trained_weights(tiny_backbone, tmp_path / "b", 3)
    other = _trained_weights(tiny_backbone, tmp_path / "c", 4)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_learns_and_stops_early_when_validation_stalls(start: Start) -> None:
    encoder = _encoder(start)
    config = TrainConfig(epochs=30, batch_size=8, learning_rate=2e-3, patience=2, progress=False, threads=1)
    result = Trainer(start.model, encoder, config).train(TINY_EXAMPLES, TINY_EXAMPLES)
    assert result.best_metrics["accuracy"] >= 0.9
    frozen = TrainConfig(
        epochs=10, batch_size=8, learning_rate=1e-12, head_learning_rate=1e-12, patience=2, progress=False, threads=1
    )
    stalled = Trainer(start.model, encoder, frozen).train(TINY_EXAMPLES, TINY_EXAMPLES)
    assert stalled.stopped_early
    assert stalled.epochs_run < 10
    assert len(stalled.history) == stalled.epochs_run


def test_max_steps_caps_training_and_checkpoints_round_trip(start: Start, tmp_path: Path) -> None:
    encoder = _encoder(start)
    capped = TrainConfig(epochs=5, batch_size=4, max_steps=3, progress=False, threads=1)
    assert Trainer(start.model, encoder, capped).train(TINY_EXAMPLES, []).steps == 3
    start.model.save(tmp_path / "ckpt")
    loaded = StudentModel.load(tmp_path / "ckpt").eval()
    inputs = model_inputs(encoder, list(TINY_EXAMPLES[:4]))
    with torch.no_grad():
        for a, b in zip(start.model.eval()(**inputs), loaded(**inputs), strict=True):
            torch.testing.assert_close(a, b)
    assert loaded.aspects == TINY_ASPECTS
    regrown = loaded.with_aspects(("price", "fun"), seed=1)
    assert regrown.aspect_head.out_features == 8
    torch.testing.assert_close(regrown.polarity.weight, loaded.polarity.weight)
    with pytest.raises(ValueError, match="no training examples"):
        Trainer(start.model, encoder, capped).train([], [])

"""Instant adaptation by a head-only update: is it worth wiring between re-distillation rounds?

Issue 9 asks to evaluate at least one form of instant adaptation. The label memory (stream/memory.py)
was one; this is the other it names: a light update of the head alone on the teacher labels kept so
far, refit after every tenth of a stream with no change to the encoder. The head here is a residual
on the served polarity logits, ``z' = a * z + b + W e`` with ``e`` the student's pooled sentence
embedding (standardised by the first tenth's texts), ``W`` L2-penalised so that with few labels it stays near the student; the
comparison is the same fit without ``W`` (a per-class scale and bias: what the live recalibration
does) and the student untouched.

Each tenth is routed the way the live loop routes at a 10 % budget: its least confident posts under
the current head (7.5 % of the tenth) and a random 2.5 % of the rest go to the oracle teacher
(10 % noise), and every label so far (recency-weighted, half-life 300 labels) fits the next
tenth's head. Offline and on the PyTorch student (the ONNX export does not expose the pooled
embedding), with no re-distillation round: it isolates what the head update adds.

    python -m bench.head_probe [--streams products reviews domain crisis] [--posts 3000]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer

from bench.common import SHARED_DATA
from bench.replay_streams import UNSEEN_BY_DEFAULT, build_stream
from distill.modeling import StudentModel, default_backbone, torch_threads
from sentimon.labels import POLARITIES

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "distill" / "default" / "student.safetensors"
HALF_LIFE_LABELS = 300
AUDIT_SHARE = 0.025
Head = Callable[[np.ndarray, np.ndarray], np.ndarray]


def embed(model: StudentModel, texts: list[str], batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Pooled embeddings and polarity logits, as the student computes them (dropout off)."""
    tokenizer = AutoTokenizer.from_pretrained(str(default_backbone()), local_files_only=True)
    pooled_parts, logit_parts = [], []
    with torch.no_grad():
        for start in range(0, len(texts), batch):
            encoded = tokenizer(
                texts[start : start + batch], padding=True, truncation=True, max_length=128, return_tensors="pt"
            )
            hidden = model.encoder(
                input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]
            ).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            pooled_parts.append(pooled.numpy())
            logit_parts.append(model.polarity(pooled).numpy())
    return np.concatenate(pooled_parts), np.concatenate(logit_parts)


def fit_head(
    features: np.ndarray, logits: np.ndarray, labels: np.ndarray, weights: np.ndarray, l2: float | None
) -> Head:
    """The residual head on weighted labels; ``l2=None`` fits the scale and bias only (no embedding term)."""
    e, z = torch.tensor(features), torch.tensor(logits)
    y, w = torch.tensor(labels), torch.tensor(weights, dtype=torch.float32)
    scale, bias = torch.ones(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    matrix = torch.zeros(features.shape[1], 3, requires_grad=l2 is not None)
    params = [scale, bias] + ([matrix] if l2 is not None else [])
    optimiser = torch.optim.LBFGS(params, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        out = z * scale + bias + e @ matrix
        loss = (torch.nn.functional.cross_entropy(out, y, reduction="none") * w).sum() / w.sum()
        loss = loss + (l2 or 0.0) * (matrix**2).sum() + 1e-3 * ((scale - 1) ** 2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return lambda f, lg: (torch.tensor(lg) * scale + bias + torch.tensor(f) @ matrix).detach().numpy()


def replay(
    features: np.ndarray,
    logits: np.ndarray,
    gold: np.ndarray,
    teacher: np.ndarray,
    l2: float | None,
    adapt: bool,
    seed: int,
) -> list[float]:
    """Cascade accuracy per tenth at a 10 % budget, the head refit after every tenth when ``adapt``."""
    rng = np.random.default_rng(seed)
    head: Head = lambda f, lg: lg  # noqa: E731 - the untouched student until the first refit
    labelled: list[int] = []
    accuracies = []
    for rows in np.array_split(np.arange(len(gold)), 10):
        out = head(features[rows], logits[rows])
        probs = np.exp(out - out.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        escalated = set(np.argsort(probs.max(1))[: round((0.1 - AUDIT_SHARE) * len(rows))].tolist())
        rest = [i for i in range(len(rows)) if i not in escalated]
        audited = set(rng.choice(rest, round(AUDIT_SHARE * len(rows)), replace=False).tolist())
        asked = escalated | audited
        final = np.array([teacher[rows[i]] if i in asked else probs[i].argmax() for i in range(len(rows))])
        accuracies.append(float((final == gold[rows]).mean()))
        labelled += [int(rows[i]) for i in sorted(asked)]
        if adapt:
            index = np.array(labelled)
            weights = 0.5 ** ((len(index) - np.arange(len(index))) / HALF_LIFE_LABELS)
            head = fit_head(features[index], logits[index], teacher[index], weights, l2)
    return accuracies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--streams", nargs="+", default=list(UNSEEN_BY_DEFAULT), choices=UNSEEN_BY_DEFAULT)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    args = parser.parse_args()
    model, _ = StudentModel.from_checkpoint(args.checkpoint)
    for name in args.streams:
        posts = build_stream(name, args.data, args.posts)
        with torch_threads(2):
            features, logits = embed(model, [p.text for p in posts])
        first = features[: len(features) // 10]  # standardised by the first tenth only: no look ahead
        features = (features - first.mean(0)) / (first.std(0) + 1e-6)
        gold = np.array([POLARITIES.index(p.polarity) for p in posts])
        rng = np.random.default_rng(13)
        wrong = rng.random(len(gold)) < args.noise
        teacher = np.where(wrong, (gold + rng.integers(1, 3, len(gold))) % 3, gold)
        print(f"\n{name} ({len(posts)} posts): cascade accuracy per tenth at 10 % calls")
        print(f"| head | {' | '.join(str(t) for t in range(1, 11))} | tenths 2-10 |")
        print(f"| --- |{' --- |' * 11}")
        rows: list[tuple[str, float | None, bool]] = [
            ("student untouched", None, False),
            ("scale + bias per class", None, True),
        ]
        rows += [(f"residual on the embedding, L2 {l2:g}", l2, True) for l2 in (1e-1, 1e-2, 3e-3)]
        for label, l2, adapt in rows:
            accuracies = replay(features, logits, gold, teacher, l2, adapt, seed=0)
            cells = " | ".join(f"{a:.3f}" for a in accuracies)
            print(f"| {label} | {cells} | **{np.mean(accuracies[1:]):.3f}** |")


if __name__ == "__main__":
    main()

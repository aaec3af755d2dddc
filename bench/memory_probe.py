"""Instant adaptation by a label memory keyed by sentence embeddings: is it worth wiring?

Issue 9 names a memory of teacher-labelled posts searched by a sentence embedding (OCaTS, "Cache
me if you can", EMNLP Findings 2023): when a post's k nearest labelled posts are all closer than a
cosine threshold and share one teacher label, that label answers it. ``stream/memory.py`` keyed the
memory by the student's head outputs and answered almost nothing; this probe keys it by a sentence
embedding, either the student's own pooled encoder output (``student``) or the sentence model it
was distilled from, all-MiniLM-L6-v2 as published (``base``: a second encoder pass per post, which
only a large gain would pay for).

Each tenth of a stream is routed as the live loop routes at a 10 % budget: its least confident
posts (7.5 % of the tenth) go to the oracle teacher (10 % noise) unless the memory answers them,
in which case the saved call goes to the next least confident; a random 2.5 % of the rest is
audited. ``override`` also lets the memory change an accepted post's answer. The memory holds the
teacher labels of earlier tenths. Offline, on the PyTorch student, no re-distillation round.

    python -m bench.memory_probe [--streams products domain] [--posts 3000] [--key student base]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from bench.common import SHARED_DATA
from bench.replay_streams import UNSEEN_BY_DEFAULT, build_stream
from distill.modeling import StudentModel, default_backbone, torch_threads
from sentimon.labels import POLARITIES

CHECKPOINT = Path(__file__).resolve().parents[1] / "distill" / "default" / "student.safetensors"
AUDIT_SHARE = 0.025
ESCALATE_SHARE = 0.075


def mean_pooled(encoder: torch.nn.Module, texts: list[str], batch: int = 64) -> np.ndarray:
    """Mean of the encoder's last hidden states over each post's tokens (dropout off)."""
    tokenizer = AutoTokenizer.from_pretrained(str(default_backbone()), local_files_only=True)
    parts = []
    with torch.no_grad(), torch_threads(2):
        for start in range(0, len(texts), batch):
            encoded = tokenizer(
                texts[start : start + batch], padding=True, truncation=True, max_length=128, return_tensors="pt"
            )
            hidden = encoder(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            parts.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
    return np.concatenate(parts)


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def memory_answers(keys: np.ndarray, stored: np.ndarray, labels: np.ndarray, k: int, cosine: float) -> dict[int, int]:
    """Row → label where the ``k`` nearest stored keys are all at least ``cosine`` close and agree."""
    if len(stored) < k:
        return {}
    similarity = keys @ stored.T
    nearest = np.argsort(-similarity, axis=1)[:, :k]
    answers = {}
    for row, columns in enumerate(nearest):
        votes = labels[columns]
        if similarity[row, columns].min() >= cosine and (votes == votes[0]).all():
            answers[row] = int(votes[0])
    return answers


def replay(
    keys: np.ndarray,
    probs: np.ndarray,
    gold: np.ndarray,
    teacher: np.ndarray,
    memory: tuple[int, float] | None,
    override: bool,
) -> tuple[float, int, int, int]:
    """Cascade accuracy over tenths 2-10, and how many answers the memory gave, right, and how many
    of the same posts the student had right."""
    rng = np.random.default_rng(0)
    labelled: list[int] = []
    accuracies: list[float] = []
    given = right = student_right = 0
    for rows in np.array_split(np.arange(len(gold)), 10):
        p = probs[rows]
        final = p.argmax(1)
        doubtful = np.argsort(p.max(1))
        stored = np.array(labelled, dtype=int)
        answers = memory_answers(keys[rows], keys[stored], teacher[stored], *memory) if memory else {}
        asked: set[int] = set()
        budget = round(ESCALATE_SHARE * len(rows))
        changed: dict[int, int] = {}
        for i in doubtful:
            if len(asked) >= budget:
                break
            if i in answers:
                changed[int(i)] = answers[int(i)]
            else:
                asked.add(int(i))
        if override:
            first = set(doubtful[:budget].tolist())
            changed |= {i: a for i, a in answers.items() if i not in asked and i not in first and a != final[i]}
        for i, answer in changed.items():
            given += 1
            right += int(answer == gold[rows[i]])
            student_right += int(final[i] == gold[rows[i]])
            final[i] = answer
        rest = [i for i in range(len(rows)) if i not in asked]
        asked |= set(rng.choice(rest, round(AUDIT_SHARE * len(rows)), replace=False).tolist())
        for i in asked:
            final[i] = teacher[rows[i]]
        accuracies.append(float((final == gold[rows]).mean()))
        labelled += [int(rows[i]) for i in sorted(asked)]
    return float(np.mean(accuracies[1:])), given, right, student_right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--streams", nargs="+", default=["products", "domain"], choices=UNSEEN_BY_DEFAULT)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--key", nargs="+", default=["student", "base"], choices=["student", "base"])
    args = parser.parse_args()
    model, _ = StudentModel.from_checkpoint(CHECKPOINT)
    model.eval()
    for name in args.streams:
        posts = build_stream(name, args.data, args.posts)
        texts = [p.text for p in posts]
        pooled = mean_pooled(model.encoder, texts)
        with torch.no_grad():
            logits = model.polarity(torch.tensor(pooled)).numpy()
        student_keys = unit(pooled)
        gold = np.array([POLARITIES.index(p.polarity) for p in posts])
        rng = np.random.default_rng(13)
        wrong = rng.random(len(gold)) < args.noise
        teacher = np.where(wrong, (gold + rng.integers(1, 3, len(gold))) % 3, gold)
        probs = np.exp(logits - logits.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        baseline = replay(student_keys, probs, gold, teacher, None, False)[0]
        print(
            f"\n{name} ({len(posts)} posts): cascade accuracy over tenths 2-10 at 10 % calls, no memory {baseline:.4f}"
        )
        print("| key | k | cosine ≥ | may override | accuracy | Δ | memory answers | right | student right |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for key_name in args.key:
            keys = student_keys if key_name == "student" else unit(mean_pooled(base_encoder(), texts))
            for k in (1, 3, 5):
                for cosine in (0.6, 0.7, 0.8, 0.9):
                    for override in (False, True):
                        accuracy, given, right, student_right = replay(
                            keys, probs, gold, teacher, (k, cosine), override
                        )
                        print(
                            f"| {key_name} | {k} | {cosine} | {override} | {accuracy:.4f} | {accuracy - baseline:+.4f} |"
                            f" {given} | {right} | {student_right} |"
                        )


def base_encoder() -> torch.nn.Module:
    return AutoModel.from_pretrained(str(default_backbone()), local_files_only=True).eval()


if __name__ == "__main__":
    main()

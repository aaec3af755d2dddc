"""Student throughput: ONNX int8 vs ONNX fp32 vs Hugging Face PyTorch, side by side on the same texts.

Every engine scores the same posts end to end (tokenisation included) with
the same dynamic padding and thread count; rounds are interleaved so that a
busy machine slows all engines alike. Goal: int8 ≥ 3× PyTorch at batch 32.

    python -m bench.student_throughput [--posts 512] [--rounds 3] [--threads 2]

The heads are untrained (throughput does not depend on the weights' values).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from distill.data import Example, read_jsonl, seed_corpus_path
from distill.export import export_student
from distill.pipeline import start_from_backbone
from distill.trainer import model_inputs
from models.encoding import TextEncoder
from models.manifest import Manifest
from models.student import StudentRuntime
from sentimon.settings import Settings


def _texts(settings: Settings, n: int) -> list[str]:
    """Seed-corpus posts: realistic social text of realistic lengths, repeated up to ``n``."""
    texts = [e.text for e in read_jsonl(seed_corpus_path(settings)).examples]
    return (texts * (n // len(texts) + 1))[:n]


def _rate(score: Callable[[Sequence[str]], object], texts: Sequence[str], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        score(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=512, help="Posts per measurement at batch 32.")
    parser.add_argument("--posts-batch1", type=int, default=128, help="Posts per measurement at batch 1.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds; the median is reported.")
    parser.add_argument("--threads", type=int, default=2, help="Threads for every engine.")
    args = parser.parse_args()

    settings = Settings(ort_intra_threads=args.threads, ort_inter_threads=1, ort_provider="cpu")
    torch.set_num_threads(args.threads)
    texts = _texts(settings, max(args.posts, args.posts_batch1))
    with tempfile.TemporaryDirectory(prefix="sentimon-bench-") as scratch:
        root = Path(scratch)
        start = start_from_backbone(settings.backbone, settings.aspects, settings.seed, root / "start")
        model = start.model.eval()
        manifest = Manifest(aspects=model.aspects, backbone=start.backbone, max_seq_len=settings.max_seq_len)
        probes = [Example(text=t) for t in texts[:32]]
        for name, quantize in (("fp32", False), ("int8", True)):
            export_student(model, start.tokenizer_file, manifest, root / name, settings, probes, quantize=quantize)
        encoder = TextEncoder.from_file(start.tokenizer_file, settings.max_seq_len)

        def pytorch(batch: Sequence[str]) -> object:
            with torch.inference_mode():
                return model(**model_inputs(encoder, [Example(text=t) for t in batch]))

        engines: dict[str, Callable[[Sequence[str]], object]] = {"HF PyTorch fp32": pytorch}
        for name in ("fp32", "int8"):
            batch_settings = settings.model_copy(update={"batch_size": 32})
            engines[f"ONNX {name}"] = StudentRuntime.load(root / name, batch_settings).predict
        for score in engines.values():
            score(texts[:32])  # warm-up: first calls allocate
        rates: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.rounds):
            for batch, n in ((1, args.posts_batch1), (32, args.posts)):
                for name, score in engines.items():
                    rates.setdefault((name, batch), []).append(_rate(score, texts[:n], batch))

    print(f"\nStudent throughput, posts/sec (median of {args.rounds} interleaved rounds, {args.threads} threads)")
    print(f"backbone {start.backbone}; {args.posts} posts at batch 32, {args.posts_batch1} at batch 1\n")
    print(f"{'engine':<18}{'batch 1':>10}{'× PyTorch':>11}{'batch 32':>11}{'× PyTorch':>11}")
    base = {b: statistics.median(rates[("HF PyTorch fp32", b)]) for b in (1, 32)}
    for name in engines:
        cells = ""
        for batch in (1, 32):
            rate = statistics.median(rates[(name, batch)])
            cells += f"{rate:>10.1f}{rate / base[batch]:>10.2f}×"
        print(f"{name:<18}{cells}")
    ratio = statistics.median(rates[("ONNX int8", 32)]) / base[32]
    print(f"\ngoal int8 ≥ 3× PyTorch at batch 32: {ratio:.2f}× → {'met' if ratio >= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Student throughput on a GPU (``bench.student_throughput --device cuda``): PyTorch fp32 vs fp16.

onnxruntime-gpu is not on the machines this was measured on (and its wheel is
too large to carry there), so this measures the PyTorch path that a GPU
deployment would otherwise use, on the shipped student's real weights; CUDA
events time the model alone, the wall clock the whole path (tokenise, pad,
copy, run, copy back).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from distill.data import read_jsonl, seed_corpus_path
from distill.modeling import StudentModel
from models.encoding import TextEncoder
from sentimon.settings import Settings


def _rates(model: StudentModel, encoder: TextEncoder, texts: list[str], batch: int) -> tuple[float, float]:
    """(posts/s end to end, posts/s model only) for ``texts`` in batches of ``batch``."""
    started = time.perf_counter()
    model_ms = 0.0
    for offset in range(0, len(texts), batch):
        arrays = encoder.pad(encoder.encode(texts[offset : offset + batch]))
        feed = {k: torch.from_numpy(v).cuda(non_blocking=True) for k, v in arrays.items()}
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        with torch.inference_mode():
            outputs = model(**feed)
        end.record()
        for output in outputs:
            output.float().cpu()
        model_ms += begin.elapsed_time(end)
    wall = time.perf_counter() - started
    return len(texts) / wall, len(texts) / (model_ms / 1000)


def run(checkpoint: Path, tokenizer: Path, posts: int) -> None:
    """Print posts/s by engine and batch size for ``posts`` seed-corpus posts."""
    settings = Settings()
    texts = [e.text for e in read_jsonl(seed_corpus_path(settings)).examples]
    texts = (texts * (posts // len(texts) + 1))[:posts]
    encoder = TextEncoder.from_file(tokenizer, settings.max_seq_len)
    base, _meta = StudentModel.from_checkpoint(checkpoint)
    print(f"\nGPU: {torch.cuda.get_device_name(0)}; {posts} seed-corpus posts; torch {torch.__version__}")
    print(f"{'engine':<16}{'batch':>7}{'end to end/s':>15}{'model only/s':>15}")
    for name, dtype in (("PyTorch fp32", torch.float32), ("PyTorch fp16", torch.float16)):
        model = base.to("cuda", dtype=dtype).eval()
        _rates(model, encoder, texts[:2048], 256)  # warm-up: kernels, allocator
        for batch in (1, 32, 256, 1024):
            sample = texts[: min(len(texts), 512 if batch == 1 else len(texts))]
            e2e, only = _rates(model, encoder, sample, batch)
            print(f"{name:<16}{batch:>7}{e2e:>15.0f}{only:>15.0f}")

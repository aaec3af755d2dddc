"""Student throughput on a GPU (``bench.student_throughput --device cuda``): PyTorch fp32 vs fp16,
and the serving runtime on ONNX Runtime's CUDA provider when this onnxruntime has it.

PyTorch rows: the shipped student's real weights; CUDA events time the model alone, the wall
clock the whole path (tokenise, pad, copy, run, copy back). ONNX Runtime rows: the same
checkpoint exported as a GPU deployment serves it (fp16, ``SENTIMON_QUANTIZATION=auto`` on CUDA)
and scored through :class:`models.student.StudentRuntime` (length buckets, I/O binding), end to
end. Without onnxruntime-gpu (the wheel is too large to carry to the GPU lent to this project)
those rows say so instead.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import onnxruntime as ort
import torch

from distill.data import read_jsonl, seed_corpus_path
from distill.export import export_student
from distill.modeling import StudentModel
from models.encoding import TextEncoder
from models.manifest import Manifest
from models.student import CUDA, RuntimeOptions, StudentRuntime
from sentimon.settings import Settings

BATCHES = (1, 32, 256, 1024)


def _sample(texts: list[str], batch: int) -> list[str]:
    """Batch 1 is timed on 512 posts (the rest would take minutes for nothing new), others on all."""
    return texts[:512] if batch == 1 else texts


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
        for batch in BATCHES:
            e2e, only = _rates(model, encoder, _sample(texts, batch), batch)
            print(f"{name:<16}{batch:>7}{e2e:>15.0f}{only:>15.0f}")
    _onnx_runtime_rows(checkpoint, tokenizer, texts, settings)


def _onnx_runtime_rows(checkpoint: Path, tokenizer: Path, texts: list[str], settings: Settings) -> None:
    """The serving runtime on CUDA with the fp16 export, end to end, or a line saying why not."""
    if CUDA not in ort.get_available_providers():
        print("ONNX Runtime CUDA fp16: not measured (this onnxruntime has no CUDAExecutionProvider)")
        return
    gpu = settings.model_copy(update={"quantization": "auto", "ort_provider": "cuda"})
    model, _meta = StudentModel.from_checkpoint(checkpoint)  # afresh: the PyTorch rows moved theirs to fp16 CUDA
    manifest = Manifest(aspects=tuple(model.aspects), max_seq_len=settings.max_seq_len)
    with tempfile.TemporaryDirectory(prefix="sentimon-gpu-") as scratch:
        out = Path(scratch) / "student"
        report = export_student(model, tokenizer, manifest, out, gpu)
        print(f"ONNX Runtime fp16 export: max |logit - PyTorch| {report.max_abs_logit_diff:.4f}")
        for batch in BATCHES:
            runtime = StudentRuntime.load(out, RuntimeOptions.of(gpu.model_copy(update={"batch_size": batch})))
            sample = _sample(texts, batch)
            runtime.logits(sample[: batch * 4])  # warm-up: kernels, arena
            started = time.perf_counter()
            runtime.logits(sample)
            rate = len(sample) / (time.perf_counter() - started)
            print(f"{'ORT CUDA fp16':<16}{batch:>7}{rate:>15.0f}{'—':>15}")

"""Student throughput on a GPU, importing nothing of sentimon but this file.

A GPU machine is often a bare image (torch, transformers, onnxruntime; none of sentimon's other
dependencies), so this module rebuilds the student's forward pass from the backbone alone: the
encoder, mask-weighted mean pooling and the three linear heads (untrained: throughput does not
depend on the weights' values). Texts are the seed corpus, read as plain JSON lines, tokenised with
the backbone's fast tokenizer, sorted by length and padded per batch exactly as the serving runtime
does, and tokenisation is timed with the model.

The engine is ONNX Runtime's CUDA provider (fp16 graph, inputs and outputs bound on the device)
when onnxruntime-gpu is installed, else PyTorch fp16; the table names which one ran, and PyTorch
fp32 on the same GPU is the reference row.

    python -m bench.student_throughput --device cuda --backbone DIR [--posts 4096] [--rounds 3]
"""

from __future__ import annotations

import copy
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from tokenizers import Tokenizer
from torch import nn
from transformers import AutoModel

SEED_CORPUS = Path(__file__).resolve().parents[1] / "distill" / "seed" / "seed_corpus.jsonl"
MAX_SEQ_LEN = 128
HEADS = (3, 28, 6 * 4)  # polarity, GoEmotions, six aspects × four states: the serving student's shapes
BATCHES = (1, 32, 256)

Feed = dict[str, np.ndarray]
Engine = Callable[[Feed], np.ndarray]


class PooledHeads(nn.Module):
    """Encoder + mean pooling + three heads: the student's arithmetic, without sentimon's classes."""

    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.heads = nn.ModuleList(nn.Linear(hidden, n) for n in HEADS)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return tuple(head(pooled) for head in self.heads)


def seed_texts(n: int) -> list[str]:
    lines = SEED_CORPUS.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return (texts * (n // len(texts) + 1))[:n]


def tokenizer_for(backbone: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(backbone / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_SEQ_LEN)
    return tokenizer


def feeds(tokenizer: Tokenizer, texts: Sequence[str]) -> Feed:
    """Padded to the batch's longest post, as the serving runtime pads."""
    encodings = tokenizer.encode_batch(list(texts))
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def torch_engine(model: nn.Module) -> Engine:
    def run(feed: Feed) -> np.ndarray:
        with torch.inference_mode():
            inputs = {k: torch.from_numpy(v).to("cuda", non_blocking=True) for k, v in feed.items()}
            return model(**inputs)[0].float().cpu().numpy()  # .cpu() waits for the GPU: timing is honest

    return run


def ort_cuda_engine(model: nn.Module, scratch: Path) -> Engine:
    """fp16 ONNX on the CUDA provider with I/O binding: inputs copied once, outputs left on the device."""
    path = scratch / "student-fp16.onnx"
    dummy = {
        "input_ids": torch.ones((2, 8), dtype=torch.int64, device="cuda"),
        "attention_mask": torch.tensor([[1] * 8, [1] * 4 + [0] * 4], dtype=torch.int64, device="cuda"),
    }
    torch.onnx.export(
        model,
        (dummy["input_ids"], dummy["attention_mask"]),
        str(path),
        input_names=list(dummy),
        output_names=["polarity", "emotions", "aspects"],
        dynamic_axes={"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}},
        opset_version=17,
        dynamo=False,
    )
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CUDAExecutionProvider"])

    def run(feed: Feed) -> np.ndarray:
        binding = session.io_binding()
        for name, array in feed.items():
            binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, "cuda", 0))
        for name in ("polarity", "emotions", "aspects"):
            binding.bind_output(name, "cuda")
        session.run_with_iobinding(binding)
        return binding.get_outputs()[0].numpy()  # copies the polarity logits back: what a caller needs

    return run


def rate(engine: Engine, tokenizer: Tokenizer, texts: Sequence[str], batch: int) -> float:
    """Posts per second, tokenisation included, over length-sorted batches."""
    ordered = sorted(texts, key=len)
    started = time.perf_counter()
    for start in range(0, len(ordered), batch):
        engine(feeds(tokenizer, ordered[start : start + batch]))
    return len(ordered) / (time.perf_counter() - started)


def main(backbone: Path, posts: int, rounds: int) -> None:
    if not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device")
    tokenizer = tokenizer_for(backbone)
    texts = seed_texts(posts)
    encoder = AutoModel.from_pretrained(str(backbone), local_files_only=True, dtype=torch.float32)
    torch.manual_seed(13)
    fp32 = PooledHeads(encoder, encoder.config.hidden_size).cuda().eval()
    fp16 = copy.deepcopy(fp32).half()
    engines: dict[str, Engine] = {"PyTorch fp32 CUDA": torch_engine(fp32), "PyTorch fp16 CUDA": torch_engine(fp16)}
    with tempfile.TemporaryDirectory(prefix="sentimon-gpu-") as scratch:
        if "CUDAExecutionProvider" in ort.get_available_providers():
            engines["ONNX Runtime CUDA fp16 (I/O binding)"] = ort_cuda_engine(fp16, Path(scratch))
            note = "onnxruntime-gpu present: ONNX Runtime's CUDA provider measured"
        else:
            note = f"onnxruntime {ort.__version__} has no CUDA provider (no onnxruntime-gpu): PyTorch fp16 measured"
        for engine in engines.values():
            for batch in BATCHES:
                engine(feeds(tokenizer, texts[:batch]))  # warm-up: kernels chosen, memory pools grown
        rates: dict[tuple[str, int], list[float]] = {}
        for _ in range(rounds):
            for batch in BATCHES:
                for name, engine in engines.items():
                    n = min(len(texts), max(batch * 8, 256)) if batch == 1 else len(texts)
                    rates.setdefault((name, batch), []).append(rate(engine, tokenizer, texts[:n], batch))
    print(f"\nStudent throughput on {torch.cuda.get_device_name(0)}, posts/sec (median of {rounds} rounds)")
    print(f"backbone {backbone}; torch {torch.__version__}; {note}\n")
    print(f"{'engine':<38}" + "".join(f"{'batch ' + str(b):>12}" for b in BATCHES))
    for name in engines:
        print(f"{name:<38}" + "".join(f"{statistics.median(rates[(name, b)]):>12.0f}" for b in BATCHES))

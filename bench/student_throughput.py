"""Student throughput: PyTorch against every ONNX export variant, side by side on the same texts.

CPU mode (the default): HF PyTorch fp32, ONNX fp32, the MatMul-only int8 export (the variant
used before fusion), and fused int8 both dynamic and static. Every engine scores the same posts
end to end (tokenisation included) with the same length buckets and the same number of threads:
PyTorch all of them on each batch, ONNX Runtime in lanes (``SENTIMON_ORT_LANES``: parts of a batch
scored side by side, the threads shared out between them), plus the serving export as one run on
every thread, to show what lanes buy. Rounds are interleaved so that a busy machine slows all
engines alike. Goal: ≥ 600 posts/s at batch 32 on
two cores and ≥ 5× PyTorch, with each export's parity against PyTorch printed next to its speed.
A latency curve of the serving variant (time per micro-batch by batch size) follows: it is what
``SENTIMON_BATCH_SIZE`` and ``SENTIMON_BATCH_WITHIN`` are chosen from.

    python -m bench.student_throughput [--posts 512] [--rounds 3] [--threads 2] [--lanes 2] [--backbone DIR]

CUDA mode (:mod:`bench.gpu_throughput`): the shipped student's checkpoint in PyTorch fp32 and fp16,
and the serving runtime on ONNX Runtime's CUDA provider with the fp16 export when onnxruntime-gpu is there,
on the GPU, end to end and model only, batches 1 to 1,024. A bare GPU image needs the pydantic
wheels carried (see the README's speed section).

    python -m bench.student_throughput --device cuda --tokenizer DIR/tokenizer.json [--posts 8192]

The heads are untrained (throughput does not depend on the weights' values).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from distill.bootstrap import SHIPPED_CHECKPOINT

VARIANTS = {"ONNX fp32": "none", "ONNX int8 matmul": "matmul", "ONNX int8 fused": "fused-dynamic"}
STATIC = ("ONNX int8 fused static", "fused-static")
SERVING = "ONNX int8 matmul"
ONE_RUN = "int8 matmul, 1 run"
CURVE_BATCHES = (1, 2, 4, 8, 16, 32, 64)


def _rate(score: Callable[[Sequence[str]], object], texts: Sequence[str], batch: int) -> tuple[float, float]:
    """(posts per wall-clock second, CPU milliseconds per post).

    CPU time is the figure that survives a shared machine: other people's load stretches the wall
    clock but not the work this process does (threads do not spin, so they burn nothing idle).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch):
        score(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - wall), (time.process_time() - cpu) * 1000 / len(texts)


def cpu_main(args: argparse.Namespace) -> None:
    import torch

    from distill.data import Example, read_jsonl, seed_corpus_path
    from distill.export import export_student
    from distill.pipeline import start_from_backbone
    from distill.trainer import model_inputs
    from models.encoding import TextEncoder
    from models.manifest import Manifest
    from models.student import RuntimeOptions, StudentRuntime
    from sentimon.settings import Settings

    lanes = max(1, min(args.lanes, args.threads))
    settings = Settings(
        ort_lanes=lanes,
        ort_intra_threads=max(1, args.threads // lanes),
        ort_inter_threads=1,
        ort_provider="cpu",
        backbone=args.backbone or "",
    )
    torch.set_num_threads(args.threads)
    corpus = [e.text for e in read_jsonl(seed_corpus_path(settings)).examples]
    n = max(args.posts, args.posts_batch1)
    texts = (corpus * (n // len(corpus) + 1))[:n]
    # Calibration and parity posts come from the corpus's far end, apart from the timed ones.
    calibration, probes = corpus[-256:], [Example(text=t) for t in corpus[-64:]]
    variants = dict(VARIANTS) | ({STATIC[0]: STATIC[1]} if not args.skip_static else {})
    with tempfile.TemporaryDirectory(prefix="sentimon-bench-") as scratch:
        root = Path(scratch)
        start = start_from_backbone(settings.backbone, settings.aspects, settings.seed, root / "start")
        model = start.model.eval()
        manifest = Manifest(aspects=model.aspects, backbone=start.backbone, max_seq_len=settings.max_seq_len)
        encoder = TextEncoder.from_file(start.tokenizer_file, settings.max_seq_len)
        engines: dict[str, Callable[[Sequence[str]], object]] = {}

        def pytorch(batch: Sequence[str]) -> object:
            with torch.inference_mode():
                return model(**model_inputs(encoder, [Example(text=t) for t in batch]))

        engines["HF PyTorch fp32"] = pytorch
        parity: dict[str, float] = {}
        for name, quantization in variants.items():
            variant = settings.model_copy(update={"quantization": quantization, "batch_size": 32})
            out = root / quantization
            report = export_student(
                model,
                start.tokenizer_file,
                manifest,
                out,
                variant,
                probes,
                quantize=quantization != "none",
                calibration=calibration,
            )
            parity[name] = report.max_abs_logit_diff
            engines[name] = StudentRuntime.load(out, RuntimeOptions.of(variant)).predict
            if name == SERVING and lanes > 1:
                one_run = variant.model_copy(update={"ort_lanes": 1, "ort_intra_threads": args.threads})
                engines[ONE_RUN] = StudentRuntime.load(out, RuntimeOptions.of(one_run)).predict
                parity[ONE_RUN] = report.max_abs_logit_diff
        for score in engines.values():
            score(texts[:32])  # warm-up: first calls allocate
        rates: dict[tuple[str, int], list[float]] = {}
        cpu_ms: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for batch, count in ((1, args.posts_batch1), (32, args.posts)):
                for name, score in engines.items():
                    rate, ms = _rate(score, texts[:count], batch)
                    rates.setdefault((name, batch), []).append(rate)
                    if batch == 32:
                        cpu_ms.setdefault(name, []).append(ms)
        serving = engines[SERVING]
        curve = {b: [] for b in CURVE_BATCHES}
        for _ in range(args.rounds):
            for b in CURVE_BATCHES:
                curve[b].append(b / _rate(serving, texts[: b * 8], b)[0] * 1000)  # ms per batch

    print(f"\nStudent throughput, posts/sec (median of {args.rounds} interleaved rounds, {args.threads} threads;")
    print(
        f"ONNX Runtime in {lanes} lanes of {settings.ort_intra_threads} thread(s) except '{ONE_RUN}': 1 × {args.threads})"
    )
    print(f"backbone {start.backbone}; {args.posts} posts at batch 32, {args.posts_batch1} at batch 1")
    print("CPU ms/post at batch 32 (robust to other load); parity: max |logit - PyTorch| on 64 other posts\n")
    header = f"{'engine':<24}{'batch 1':>10}{'× PyTorch':>11}{'batch 32':>11}{'× PyTorch':>11}"
    print(header + f"{'CPU ms/post':>13}{'× PyTorch':>11}{'parity':>9}")
    base_ms = statistics.median(cpu_ms["HF PyTorch fp32"])
    base = {b: statistics.median(rates[("HF PyTorch fp32", b)]) for b in (1, 32)}
    for name in engines:
        cells = ""
        for batch in (1, 32):
            rate = statistics.median(rates[(name, batch)])
            cells += f"{rate:>10.1f}{rate / base[batch]:>10.2f}×"
        ms = statistics.median(cpu_ms[name])
        print(f"{name:<24}{cells}{ms:>13.2f}{base_ms / ms:>10.2f}×{parity.get(name, 0.0):>9.3f}")
    best = max((n for n in engines if n.startswith("ONNX int8")), key=lambda n: statistics.median(rates[(n, 32)]))
    fastest = statistics.median(rates[(best, 32)])
    ratio = fastest / base[32]
    print(f"\ngoal ≥ 600 posts/s and ≥ 5× PyTorch at batch 32: {best} {fastest:.0f}/s, {ratio:.2f}× →", end=" ")
    print("met" if fastest >= 600 and ratio >= 5 else "NOT met")
    print(f"\nLatency curve of {SERVING}, the default (median ms per micro-batch, posts/s)")
    for b in CURVE_BATCHES:
        ms = statistics.median(curve[b])
        print(f"batch {b:>3}: {ms:7.1f} ms  {b / ms * 1000:7.0f} posts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--backbone", default="", help="Local Hugging Face encoder directory (cpu).")
    parser.add_argument("--checkpoint", type=Path, default=SHIPPED_CHECKPOINT, help="Student checkpoint (cuda).")
    parser.add_argument("--tokenizer", type=Path, help="The backbone's tokenizer.json (cuda: required).")
    parser.add_argument("--posts", type=int, default=512, help="Posts per measurement at batch 32.")
    parser.add_argument("--posts-batch1", type=int, default=128, help="Posts per measurement at batch 1 (cpu).")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds; the median is reported.")
    parser.add_argument("--threads", type=int, default=2, help="Threads for every engine (cpu).")
    parser.add_argument("--lanes", type=int, default=2, help="ONNX Runtime lanes sharing those threads (cpu).")
    parser.add_argument("--skip-static", action="store_true", help="Leave out static QDQ (its calibration is slow).")
    args = parser.parse_args()
    if args.device == "cuda":
        if not args.tokenizer:
            parser.error("--device cuda needs --tokenizer FILE (the backbone's tokenizer.json)")
        from bench import gpu_throughput

        gpu_throughput.run(args.checkpoint, args.tokenizer, args.posts)
    else:
        cpu_main(args)


if __name__ == "__main__":
    main()

"""ONNX export of a trained student: optionally fuse the transformer graph, quantise to int8, check parity.

The legacy TorchScript exporter (``dynamo=False``) is used on purpose: the
new exporter writes weights as external data, which the quantiser rejects.
Three int8 variants are kept side by side (``SENTIMON_QUANTIZATION``) because
which one is fastest depends on the CPU and the ONNX Runtime release, and
``bench.student_throughput`` measures them against each other:

* ``matmul``: dynamic int8 of the unfused graph's MatMuls (SDPA attention as
  traced). ONNX Runtime fuses layer norms and GELU itself when it loads the model. Fastest on the
  AVX-512-VNNI cores measured (README, speed section), so the default.
* ``fused-dynamic``: the encoder traced with eager attention, which ONNX
  Runtime's transformer optimizer recognises (SDPA's pattern it does not),
  so each layer's attention becomes one ``Attention`` node, with
  skip-layer-norm, bias-GELU and the embedding layer-norm fused too; then
  dynamic int8 of attention and MatMuls (``QAttention``).
* ``fused-static``: the same fused graph with QDQ int8 whose activation
  ranges are calibrated on posts: closest to fp32, but no int8 attention
  kernel takes QDQ input on the CPU, so it is the slowest.

* ``fp16``: the fused graph in half precision (inputs and outputs stay int64 and
  fp32): the GPU's format, since ONNX Runtime's int8 MatMuls have no CUDA kernels and would
  run on the CPU between copies. ``auto`` (the default) picks it when scoring runs on CUDA and
  ``matmul`` otherwise.

The parity check then compares the exported model with PyTorch on validation
data and refuses an export that drifts too far, so a quantisation accident can
never reach the registry, whichever variant is chosen.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process
from onnxruntime.transformers.float16 import convert_float_to_float16
from onnxruntime.transformers.optimizer import optimize_model

from distill.data import Example
from distill.gate import PairedComparison
from distill.metrics import accuracy, mcnemar_midp_worse
from distill.modeling import StudentModel
from distill.trainer import model_inputs, torch_logits
from models.encoding import TextEncoder
from models.manifest import CHECKPOINT_DIR, MODEL_FILE, TOKENIZER_FILE, Manifest
from models.student import CUDA, OUTPUT_NAMES, RuntimeOptions, StudentRuntime, select_providers
from sentimon.labels import POLARITIES
from sentimon.settings import Quantization, Settings

log = logging.getLogger(__name__)

OPSET = 17
# Parity needs some inputs even when a run has no validation data; these cover short, long and paired.
_PROBES = (
    Example(text="ok"),
    Example(text="The app crashed twice today and support never answered my ticket, not impressed at all."),
    Example(text="thanks, fixed now!", context="Is the outage over yet? Nothing loads for me."),
)


class ParityError(Exception):
    """The exported model disagrees with PyTorch beyond the allowed tolerance."""


@dataclass(frozen=True, slots=True)
class ParityReport:
    max_abs_logit_diff: float  # over every head's logits
    p99_abs_logit_diff: float  # the 99th percentile of the same differences: what the gate bounds
    accuracy_torch: float
    accuracy_onnx: float
    examples: int
    only_torch: int = 0  # labelled examples PyTorch gets right and the export wrong
    only_onnx: int = 0  # and the other way round

    @property
    def accuracy_drop(self) -> float:
        return self.accuracy_torch - self.accuracy_onnx

    def significant_drop(self, max_drop: float, alpha: float) -> bool:
        """Whether the export loses more than ``max_drop`` accuracy, beyond what the examples explain.

        On a few dozen validation examples one answer that int8 rounding moves across a decision
        boundary is a drop of several points (a demo round with 49 was refused at 0.0204), while the
        export is as good as PyTorch; so the drop must also be significant in the paired test the
        gate uses. A broken export flips many answers one way and is refused either way.
        """
        return self.accuracy_drop > max_drop and mcnemar_midp_worse(self.only_torch, self.only_onnx) < alpha


def input_names(model: StudentModel) -> list[str]:
    return ["input_ids", "attention_mask"] + (["token_type_ids"] if model.uses_token_types else [])


@contextmanager
def eager_attention(model: StudentModel) -> Iterator[None]:
    """Trace with the plain attention formula, which the transformer optimizer knows how to fuse."""
    before = model.encoder.config._attn_implementation
    model.encoder.set_attn_implementation("eager")
    try:
        yield
    finally:
        model.encoder.set_attn_implementation(before)


def export_onnx(model: StudentModel, encoder: TextEncoder, path: Path, for_fusion: bool = False) -> None:
    """fp32 ONNX with dynamic batch and sequence axes; ``for_fusion`` traces eager attention."""
    model.eval()
    # The trace sample must contain padding: an all-ones mask lets the attention code drop the mask.
    sample = model_inputs(encoder, [Example(text="a sample post, long enough to pad the other"), Example(text="hi")])
    names = input_names(model)
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {name: {0: "batch"} for name in OUTPUT_NAMES}
    with warnings.catch_warnings(), eager_attention(model) if for_fusion else nullcontext():
        # The tracer's notes about Python-side shape checks concern code paths the student does not take.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(sample[name] for name in names),
            str(path),
            input_names=names,
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 weights for MatMul only, on the unfused graph: the ``matmul`` variant.

    Per-channel scales: on MiniLM they cut the worst polarity logit drift from
    about 0.75 to about 0.3 against per-tensor scales, at no speed cost.
    """
    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True
    )


def fuse_transformer(source: Path, target: Path, model: StudentModel) -> dict[str, int]:
    """ONNX Runtime's BERT fusions (attention, skip-layer-norm, bias-GELU, embedding layer-norm).

    Returns the count of each fused operator. A backbone whose pattern the optimizer does not
    know simply keeps its unfused nodes (logged), and quantisation still covers its MatMuls.
    """
    config = model.encoder.config
    optimized = optimize_model(
        str(source), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
    )
    optimized.save_model_to_file(str(target))
    fused = {op: n for op, n in optimized.get_fused_operator_statistics().items() if n}
    if not fused.get("Attention"):
        log.warning("transformer optimizer fused no attention in %s: %s", source, fused)
    return fused


# The fused graph holds contrib operators that ONNX shape inference cannot type; their outputs are float.
_QUANT_OPTIONS = {"DefaultTensorType": onnx.TensorProto.FLOAT}
# The encoder's arithmetic. The Gemm heads stay fp32: they are tiny, and their logits are what parity measures.
_QUANTIZED_OPS = ["MatMul", "Attention"]


def quantize_fused_dynamic(source: Path, target: Path) -> None:
    """Dynamic int8 of the fused attention and the feed-forward MatMuls: where the arithmetic is.

    Weights s8 per channel; activations are quantised at run time to u8 (the only dynamic choice,
    and the one the VNNI u8×s8 kernels want). The embedding lookup stays fp32: it does no
    arithmetic worth speeding up, and quantising it flipped answers of near-tie posts. The small
    Gemm heads stay fp32 too.
    """
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=_QUANTIZED_OPS,
        extra_options=_QUANT_OPTIONS,
    )


class _Calibration(CalibrationDataReader):
    """Feeds calibration posts in padded batches, the shapes serving will see."""

    def __init__(self, encoder: TextEncoder, texts: Sequence[str], inputs: Sequence[str], batch_size: int = 32) -> None:
        encodings = encoder.encode(list(texts))
        self._batches = iter(
            {k: v for k, v in encoder.pad(encodings[i : i + batch_size]).items() if k in inputs}
            for i in range(0, len(encodings), batch_size)
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)


def quantize_fused_static(
    source: Path, target: Path, encoder: TextEncoder, inputs: Sequence[str], calibration: Sequence[str]
) -> None:
    """Static QDQ int8: activation ranges fixed from ``calibration`` posts (min-max), weights s8 per channel.

    Saves the run-time range computation of dynamic quantisation, at the price of ranges that
    only fit traffic like the calibration posts.
    """
    typed = source.with_name("typed.onnx")  # beside the fused scratch file, never in the model directory
    # ONNX's own shape inference cannot type the fused contrib operators' outputs, and the QDQ
    # quantiser skips untyped tensors: symbolic shape inference (ONNX Runtime's) knows them.
    quant_pre_process(str(source), str(typed), skip_optimization=True)
    quantize_static(
        str(typed),
        str(target),
        _Calibration(encoder, calibration, inputs),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=CalibrationMethod.MinMax,
        op_types_to_quantize=_QUANTIZED_OPS,
        extra_options=_QUANT_OPTIONS,
    )


def resolve_quantization(choice: Quantization, provider: str, available: Sequence[str] | None = None) -> Quantization:
    """The concrete encoding for ``auto``: fp16 where scoring will run on CUDA, the int8 MatMuls elsewhere.

    ``provider`` is ``SENTIMON_ORT_PROVIDER``; ``available`` defaults to this onnxruntime's providers.
    """
    if choice != "auto":
        return choice
    return "fp16" if select_providers(provider, available)[0] == CUDA else "matmul"


def half_precision(source: Path, target: Path) -> None:
    """fp16 weights and arithmetic, with fp32 outputs and int64 inputs so callers see no difference."""
    onnx.save(convert_float_to_float16(onnx.load(str(source)), keep_io_types=True), str(target))


def write_onnx(
    model: StudentModel,
    encoder: TextEncoder,
    target: Path,
    quantization: Quantization,
    calibration: Sequence[str] = (),
) -> None:
    """Export ``model`` to ``target`` as ``quantization`` says (``none`` = plain fp32; never ``auto``)."""
    if quantization == "auto":
        raise ValueError("resolve the quantization first (resolve_quantization)")
    if quantization == "none":
        export_onnx(model, encoder, target)
        return
    with tempfile.TemporaryDirectory(prefix="sentimon-export-") as scratch:
        fp32, fused = Path(scratch) / "fp32.onnx", Path(scratch) / "fused.onnx"
        export_onnx(model, encoder, fp32, for_fusion=quantization != "matmul")
        if quantization == "matmul":
            quantize_int8(fp32, target)
            return
        log.info("fused operators: %s", fuse_transformer(fp32, fused, model))
        if quantization == "fp16":
            half_precision(fused, target)
        elif quantization == "fused-static":
            texts = calibration or [e.text for e in _PROBES]
            quantize_fused_static(fused, target, encoder, input_names(model), texts)
        else:
            quantize_fused_dynamic(fused, target)


def check_parity(
    model: StudentModel,
    encoder: TextEncoder,
    runtime: StudentRuntime,
    examples: Sequence[Example],
) -> ParityReport:
    examples = list(examples) or list(_PROBES)
    reference = torch_logits(model, encoder, examples)
    exported = runtime.logits([e.text for e in examples], [e.context for e in examples])
    diffs = np.concatenate(
        [
            np.abs(a - b).ravel()
            for a, b in (
                (reference.polarity, exported.polarity),
                (reference.emotions, exported.emotions),
                (reference.aspects, exported.aspects),
            )
        ]
    )
    labeled = [i for i, e in enumerate(examples) if e.hard_polarity is not None]
    gold = np.array([POLARITIES.index(examples[i].hard_polarity) for i in labeled], dtype=np.int64)
    # PyTorch as the current model, the export as the candidate: the gate's own paired counts.
    paired = PairedComparison(
        "parity", gold, reference.polarity[labeled].argmax(1), exported.polarity[labeled].argmax(1)
    )
    return ParityReport(
        max_abs_logit_diff=float(diffs.max()),
        p99_abs_logit_diff=float(np.quantile(diffs, 0.99)),
        accuracy_torch=accuracy(gold, paired.current),
        accuracy_onnx=accuracy(gold, paired.candidate),
        examples=len(examples),
        only_torch=paired.only_current,
        only_onnx=paired.only_candidate,
    )


def export_student(
    model: StudentModel,
    tokenizer_file: Path,
    manifest: Manifest,
    out_dir: Path,
    settings: Settings,
    parity_examples: Sequence[Example] = (),
    quantize: bool = True,
    calibration: Sequence[str] = (),
) -> ParityReport:
    """Write a complete model directory (ONNX, tokenizer, manifest, PyTorch checkpoint) and verify it.

    Raises :class:`ParityError` when the export drifts beyond the settings'
    tolerances; the directory is then left for inspection but must not be registered.
    ``quantize`` off writes fp32; on, ``settings.quantization`` picks the int8 or fp16 variant, and the
    static one calibrates on ``calibration`` posts (the parity examples' texts when empty).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / TOKENIZER_FILE).write_bytes(tokenizer_file.read_bytes())
    encoder = TextEncoder.from_file(out_dir / TOKENIZER_FILE, manifest.max_seq_len)
    quantization = resolve_quantization(settings.quantization, settings.ort_provider) if quantize else "none"
    manifest = manifest.model_copy(
        update={"quantized": quantization not in ("none", "fp16"), "encoding": quantization, "aspects": model.aspects}
    )
    calibration = list(calibration) or [e.text for e in parity_examples]
    write_onnx(model, encoder, out_dir / MODEL_FILE, quantization, calibration)
    manifest.write(out_dir)
    model.save(out_dir / CHECKPOINT_DIR)
    report = check_parity(model, encoder, StudentRuntime.load(out_dir, RuntimeOptions.of(settings)), parity_examples)
    metrics = {
        "parity_max_logit_diff": report.max_abs_logit_diff,
        "parity_p99_logit_diff": report.p99_abs_logit_diff,
        "parity_accuracy_drop": report.accuracy_drop,
        "parity_answers_lost": float(report.only_torch),
        "parity_answers_gained": float(report.only_onnx),
    }
    manifest.model_copy(update={"metrics": {**manifest.metrics, **metrics}}).write(out_dir)
    log.info(
        "parity: |logit diff| max %.4f, p99 %.4f; accuracy %.4f (torch) vs %.4f (onnx) on %d examples",
        report.max_abs_logit_diff,
        report.p99_abs_logit_diff,
        report.accuracy_torch,
        report.accuracy_onnx,
        report.examples,
    )
    # The 99th percentile, not the maximum: int8 rounding leaves a heavy tail whose maximum grows with
    # the number of parity examples (re-distilled candidates reached 1.77 on a few hundred, and were
    # refused with their accuracy unmeasured), while a broken export moves most logits by units.
    if report.p99_abs_logit_diff > settings.parity_max_logit_diff:
        raise ParityError(
            f"export {out_dir}: |logit diff| {report.p99_abs_logit_diff:.4f} at the 99th percentile exceeds"
            f" {settings.parity_max_logit_diff} (SENTIMON_PARITY_MAX_LOGIT_DIFF)"
        )
    if report.significant_drop(settings.parity_max_accuracy_drop, settings.gate_alpha):
        raise ParityError(
            f"export {out_dir}: accuracy drops by {report.accuracy_drop:.4f} ({report.only_torch} answers lost,"
            f" {report.only_onnx} gained), more than {settings.parity_max_accuracy_drop}"
            f" (SENTIMON_PARITY_MAX_ACCURACY_DROP) and significant at SENTIMON_GATE_ALPHA"
        )
    return report

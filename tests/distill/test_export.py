"""ONNX export, int8 quantisation and the parity check that guards the registry."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from distill.data import Example
from distill.export import ParityError, ParityReport, export_student, resolve_quantization
from distill.pipeline import Start, start_from_backbone, train_and_register
from distill.trainer import TrainConfig, Trainer, torch_logits
from models.encoding import TextEncoder
from models.manifest import CHECKPOINT_DIR, MODEL_FILE, Manifest
from models.registry import Registry
from models.student import RuntimeOptions, StudentRuntime
from sentimon.settings import Settings
from tests.fixtures.student import TINY_ASPECTS, TINY_EXAMPLES

QUICK = TrainConfig(epochs=3, batch_size=8, learning_rate=2e-3, progress=False, threads=1)


@pytest.fixture
def trained(tiny_backbone: Path, tmp_path: Path) -> Start:
    start = start_from_backbone(str(tiny_backbone), TINY_ASPECTS, 5, tmp_path / "start")
    Trainer(start.model, TextEncoder.from_file(start.tokenizer_file, 128), QUICK).train(TINY_EXAMPLES, [])
    return start


def test_fp32_and_int8_exports_match_pytorch(trained: Start, tmp_path: Path, settings: Settings) -> None:
    manifest = Manifest(aspects=TINY_ASPECTS, temperature=1.5)
    exact = export_student(trained.model, trained.tokenizer_file, manifest, tmp_path / "fp32", settings,
                           TINY_EXAMPLES, quantize=False)  # fmt: skip
    assert exact.max_abs_logit_diff < 1e-4
    assert exact.accuracy_drop == 0.0
    small = export_student(trained.model, trained.tokenizer_file, manifest, tmp_path / "int8", settings, TINY_EXAMPLES)
    assert 0 < small.max_abs_logit_diff <= settings.parity_max_logit_diff
    assert 0 < small.p99_abs_logit_diff <= small.max_abs_logit_diff  # the gate bounds the percentile
    assert (tmp_path / "int8" / MODEL_FILE).stat().st_size < (tmp_path / "fp32" / MODEL_FILE).stat().st_size
    written = Manifest.read(tmp_path / "int8")
    assert written.quantized and written.temperature == 1.5
    assert written.metrics["parity_max_logit_diff"] == pytest.approx(small.max_abs_logit_diff)
    assert (tmp_path / "int8" / CHECKPOINT_DIR).is_dir()
    assert StudentRuntime.load(tmp_path / "int8", RuntimeOptions.of(settings)).manifest.aspects == TINY_ASPECTS
    no_validation = export_student(trained.model, trained.tokenizer_file, manifest, tmp_path / "probes", settings)
    assert no_validation.examples > 0


def test_an_export_that_drifts_is_refused_and_never_registered(
    tiny_backbone: Path, tmp_path: Path, settings: Settings
) -> None:
    strict = settings.model_copy(update={"parity_max_logit_diff": 1e-9})
    registry = Registry(tmp_path / "reg")
    start = start_from_backbone(str(tiny_backbone), TINY_ASPECTS, 5, tmp_path / "start")
    with pytest.raises(ParityError, match="SENTIMON_PARITY_MAX_LOGIT_DIFF"):
        train_and_register(strict, registry, start, TINY_EXAMPLES, TINY_EXAMPLES[:6], QUICK, promote=True)
    assert registry.versions() == [] and registry.current() is None


def test_accuracy_is_compared_on_labeled_validation(trained: Start, tmp_path: Path, settings: Settings) -> None:
    # Labels the PyTorch model gets right by construction, so any int8 flip is a drop.
    encoder = TextEncoder.from_file(trained.tokenizer_file, 128)
    texts = [f"{e.text} {i}" for i, e in enumerate(TINY_EXAMPLES)]
    polarity = torch_logits(trained.model, encoder, [Example(text=t) for t in texts]).polarity.argmax(1)
    labeled = [
        Example(text=t, polarity=("negative", "neutral", "positive")[p]) for t, p in zip(texts, polarity, strict=True)
    ]
    # The gate is tested elsewhere; here the drop must be measured, however large int8 makes it.
    lenient = settings.model_copy(update={"parity_max_accuracy_drop": 1.0})
    report = export_student(trained.model, trained.tokenizer_file, Manifest(), tmp_path / "a", lenient, labeled)
    assert report.accuracy_torch == 1.0
    assert report.accuracy_drop == pytest.approx(1.0 - report.accuracy_onnx)
    # PyTorch is right everywhere, so every disagreement with the gold label is one the export lost.
    assert report.only_onnx == 0 and report.only_torch == round(report.accuracy_drop * len(labeled))


def _report(examples: int, only_torch: int, only_onnx: int) -> ParityReport:
    """``examples`` labelled examples PyTorch gets 80 % right, the export differing on the discordant ones."""
    right = round(0.8 * examples)
    return ParityReport(
        max_abs_logit_diff=0.5,
        p99_abs_logit_diff=0.3,
        accuracy_torch=right / examples,
        accuracy_onnx=(right - only_torch + only_onnx) / examples,
        examples=examples,
        only_torch=only_torch,
        only_onnx=only_onnx,
    )


def test_an_accuracy_drop_refuses_only_past_the_bound_and_beyond_what_the_examples_explain() -> None:
    # The demo's first round: one answer of 49 moved by int8 rounding is 2.04 points, and chance.
    assert not _report(49, 1, 0).significant_drop(0.02, 0.05)
    # A broken export: ten answers lost, none gained.
    assert _report(49, 10, 0).significant_drop(0.02, 0.05)
    # Significant but within the bound: thousands of examples make a small loss certain, not large.
    assert not _report(5000, 60, 10).significant_drop(0.02, 0.05)
    assert _report(5000, 150, 20).significant_drop(0.02, 0.05)
    # Answers that move both ways cancel: no drop at all.
    assert not _report(49, 5, 5).significant_drop(0.0, 0.05)


def _operators(path: Path) -> set[str]:
    return {node.op_type for node in onnx.load(str(path)).graph.node}


@pytest.mark.parametrize(
    ("quantization", "expected"),
    [
        # Fused attention quantised to int8, the embeddings fused into one fp32 layer-norm operator.
        ("fused-dynamic", {"QAttention", "EmbedLayerNormalization", "SkipLayerNormalization", "MatMulInteger"}),
        # QDQ pairs around the fused graph's MatMuls; ORT turns them into int8 kernels at load.
        ("fused-static", {"Attention", "QuantizeLinear", "DequantizeLinear", "SkipLayerNormalization"}),
        ("matmul", {"MatMulInteger", "Softmax"}),
        # The GPU's encoding: the fused graph in half precision, cast at its edges.
        ("fp16", {"Attention", "SkipLayerNormalization", "Cast"}),
    ],
)
def test_each_quantization_writes_its_graph_and_holds_parity(
    trained: Start, tmp_path: Path, settings: Settings, quantization: str, expected: set[str]
) -> None:
    variant = settings.model_copy(update={"quantization": quantization})
    out = tmp_path / quantization
    report = export_student(trained.model, trained.tokenizer_file, Manifest(), out, variant, TINY_EXAMPLES)
    assert expected <= _operators(out / MODEL_FILE)
    assert Manifest.read(out).encoding == quantization
    assert Manifest.read(out).quantized == (quantization != "fp16")
    assert 0 < report.max_abs_logit_diff <= settings.parity_max_logit_diff
    assert report.accuracy_drop <= settings.parity_max_accuracy_drop
    # The fused graph still answers replies (text pairs) in input order, like the unfused one.
    runtime = StudentRuntime.load(out, RuntimeOptions.of(variant))
    single = [runtime.logits([e.text], [e.context]).polarity[0] for e in TINY_EXAMPLES[-4:]]
    batched = runtime.logits([e.text for e in TINY_EXAMPLES[-4:]], [e.context for e in TINY_EXAMPLES[-4:]]).polarity
    assert max(abs(a - b).max() for a, b in zip(single, batched, strict=True)) < 0.2


def test_fp16_keeps_the_weights_in_half_precision(trained: Start, tmp_path: Path, settings: Settings) -> None:
    out = tmp_path / "fp16"
    export_student(
        trained.model, trained.tokenizer_file, Manifest(), out, settings.model_copy(update={"quantization": "fp16"})
    )
    graph = onnx.load(str(out / MODEL_FILE)).graph
    matrices = [t for t in graph.initializer if len(t.dims) == 2]
    assert matrices and all(t.data_type == onnx.TensorProto.FLOAT16 for t in matrices)
    assert {o.type.tensor_type.elem_type for o in graph.output} == {onnx.TensorProto.FLOAT}


def test_auto_encodes_for_where_scoring_runs() -> None:
    gpu_build = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert resolve_quantization("auto", "auto", ["CPUExecutionProvider"]) == "matmul"
    assert resolve_quantization("auto", "auto", gpu_build) == "fp16"
    assert resolve_quantization("auto", "cpu", gpu_build) == "matmul"  # CUDA present but not asked for
    assert resolve_quantization("fused-static", "auto", gpu_build) == "fused-static"  # an explicit choice stands


def test_the_gate_bounds_the_99th_percentile_not_the_worst_logit(
    trained: Start, tmp_path: Path, settings: Settings
) -> None:
    """int8 rounding has a heavy tail: one logit far off is not a broken export, most logits off are."""
    model, tokenizer = trained.model, trained.tokenizer_file
    report = export_student(model, tokenizer, Manifest(), tmp_path / "a", settings, TINY_EXAMPLES)
    assert report.p99_abs_logit_diff < report.max_abs_logit_diff
    tail_only = settings.model_copy(
        update={"parity_max_logit_diff": (report.p99_abs_logit_diff + report.max_abs_logit_diff) / 2}
    )
    export_student(model, tokenizer, Manifest(), tmp_path / "b", tail_only, TINY_EXAMPLES)
    body = settings.model_copy(update={"parity_max_logit_diff": report.p99_abs_logit_diff / 2})
    with pytest.raises(ParityError, match="99th percentile"):
        export_student(model, tokenizer, Manifest(), tmp_path / "c", body, TINY_EXAMPLES)

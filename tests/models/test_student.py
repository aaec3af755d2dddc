"""The ONNX student runtime on the tiny registered model: real inference, real files."""

from __future__ import annotations

import json
import logging
import math
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from tokenizers import Encoding

from models.manifest import MODEL_FILE, TOKENIZER_FILE, Manifest
from models.registry import Registry
from models.student import (
    Logits,
    ModelLoadError,
    RuntimeOptions,
    StudentRuntime,
    lane_parts,
    length_buckets,
    resolve_lanes,
    select_providers,
    threads_per_lane,
)
from models.types import Prediction, Scorer
from sentimon.labels import GOEMOTIONS, POLARITIES
from sentimon.settings import Settings
from tests.fixtures.student import NEGATIVE_TEXT, NEUTRAL_TEXT, POSITIVE_TEXT, TINY_EXAMPLES


def _model_dir(settings: Settings) -> Path:
    registry = Registry.of(settings)
    version = registry.current()
    assert version is not None
    return registry.path(version)


@pytest.fixture
def runtime(student_settings: Settings) -> StudentRuntime:
    return StudentRuntime.load(_model_dir(student_settings), RuntimeOptions.of(student_settings))


def test_predicts_calibrated_probabilities_and_uncertainty(runtime: StudentRuntime) -> None:
    assert isinstance(runtime, Scorer)
    texts = [POSITIVE_TEXT, NEGATIVE_TEXT, NEUTRAL_TEXT]
    predictions = runtime.predict(texts)
    assert [p.polarity for p in predictions] == ["positive", "negative", "neutral"]
    for p in predictions:
        assert isinstance(p, Prediction)
        assert math.isclose(sum(p.probs), 1.0, abs_tol=1e-5)
        assert p.max_prob == max(p.probs)
        assert p.polarity == POLARITIES[int(np.argmax(p.probs))]
        ordered = sorted(p.probs)
        assert math.isclose(p.margin, ordered[2] - ordered[1], abs_tol=1e-6)
        assert 0.0 <= p.entropy <= math.log(3) + 1e-6
    assert runtime.version == runtime.manifest.version != ""


def test_temperature_from_the_manifest_softens_without_changing_the_answer(
    student_settings: Settings, tmp_path: Path
) -> None:
    copy = tmp_path / "hot"
    shutil.copytree(_model_dir(student_settings), copy)
    manifest = Manifest.read(copy)
    base = StudentRuntime.load(copy, RuntimeOptions.of(student_settings)).predict([NEGATIVE_TEXT])[0]
    manifest.model_copy(update={"temperature": manifest.temperature * 50}).write(copy)
    hot = StudentRuntime.load(copy, RuntimeOptions.of(student_settings)).predict([NEGATIVE_TEXT])[0]
    assert hot.polarity == base.polarity
    assert hot.max_prob < base.max_prob
    assert hot.entropy > base.entropy


def test_batching_sorts_pads_and_restores_input_order(student_settings: Settings) -> None:
    small_batches = student_settings.model_copy(update={"batch_size": 3})
    runtime = StudentRuntime.load(_model_dir(student_settings), RuntimeOptions.of(small_batches))
    texts = [e.text for e in TINY_EXAMPLES]
    contexts = [e.context for e in TINY_EXAMPLES]
    together = runtime.logits(texts, contexts)
    rows = np.concatenate([together.polarity, together.aspects.reshape(len(texts), -1)], axis=1)
    for i, (text, context) in enumerate(zip(texts, contexts, strict=True)):
        alone = runtime.logits([text], [context])
        row = np.concatenate([alone.polarity[0], alone.aspects[0].ravel()])
        # Dynamic int8 quantises activations per batch, so batch-mates shift a post's logits (on
        # this untrained-width tiny model by up to about half a unit); a row put back in the wrong
        # place is nearer to another post's row than to its own.
        distances = np.abs(rows - row).sum(axis=1)
        assert distances.argmin() == i, (i, distances)


def test_thread_context_is_read_as_a_text_pair(runtime: StudentRuntime) -> None:
    angry, happy = runtime.predict(["same here", "same here"], [NEGATIVE_TEXT, POSITIVE_TEXT])
    assert (angry.polarity, happy.polarity) == ("negative", "positive")
    with pytest.raises(ValueError, match="contexts"):
        runtime.predict(["a", "b"], [None])


def test_empty_and_huge_texts_are_scored_not_crashed(runtime: StudentRuntime) -> None:
    huge = "terrible " * 200_000
    predictions = runtime.predict(["", " ", huge, "🙂" * 5000], ["", None, huge, None])
    assert len(predictions) == 4
    assert all(p.polarity in POLARITIES for p in predictions)
    assert runtime.predict([]) == []


def test_emotions_above_threshold_by_probability(student_settings: Settings) -> None:
    loose = student_settings.model_copy(update={"emotion_threshold": 0.01, "aspect_threshold": 0.01})
    runtime = StudentRuntime.load(_model_dir(student_settings), RuntimeOptions.of(loose))
    (prediction,) = runtime.predict([NEGATIVE_TEXT])
    logits = runtime.logits([NEGATIVE_TEXT]).emotions[0]
    probs = {label: 1 / (1 + math.exp(-float(x))) for label, x in zip(GOEMOTIONS, logits, strict=True)}
    expected = [label for label in sorted(probs, key=probs.__getitem__, reverse=True) if probs[label] >= 0.01]
    assert list(prediction.emotions) == expected
    strict = StudentRuntime.load(_model_dir(student_settings), RuntimeOptions.of(student_settings)).predict(
        [NEGATIVE_TEXT]
    )[0]
    assert {"anger", "annoyance"} <= set(strict.emotions) <= set(prediction.emotions)
    assert ("app", "negative") in strict.aspects
    assert set(strict.aspects) <= set(prediction.aspects)


def test_predict_is_thread_safe(runtime: StudentRuntime) -> None:
    texts = [e.text for e in TINY_EXAMPLES]
    serial = runtime.predict(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: runtime.predict(texts), range(8)))
    assert all(r == serial for r in results)


def test_providers_default_to_cpu() -> None:
    assert select_providers("cpu") == ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in ort.get_available_providers():
        assert select_providers("auto")[0] == "CUDAExecutionProvider"
    else:
        assert select_providers("auto") == ["CPUExecutionProvider"]
        with pytest.raises(ModelLoadError, match="onnxruntime-gpu"):
            select_providers("cuda")


GPU_BUILD = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
CPU_BUILD = ["AzureExecutionProvider", "CPUExecutionProvider"]


def test_cuda_is_chosen_only_when_this_onnxruntime_has_it_and_the_cpu_fallback_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert select_providers("auto", GPU_BUILD) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert select_providers("cuda", GPU_BUILD) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert select_providers("cpu", GPU_BUILD) == ["CPUExecutionProvider"]
    assert not caplog.records
    with caplog.at_level(logging.INFO, logger="models.student"):
        assert select_providers("auto", CPU_BUILD) == ["CPUExecutionProvider"]
    assert "scoring on the CPU" in caplog.text
    with pytest.raises(ModelLoadError, match="SENTIMON_ORT_PROVIDER=cuda"):
        select_providers("cuda", CPU_BUILD)


def test_length_buckets_cover_every_row_once_and_keep_long_posts_apart() -> None:
    lengths = [12, 120, 9, 30, 16, 17, 64, 65, 11, 33] * 5
    batches = length_buckets(lengths, 8)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(len(lengths)))
    assert all(1 <= len(b) <= 8 for b in batches)
    for batch in batches:
        widths = [lengths[i] for i in batch]
        # Within a bucket the longest is at most twice the shortest, or everything is short.
        assert max(widths) <= max(16, 2 * min(widths) - 1) or max(widths) <= 16
    assert length_buckets([], 8) == []


def test_lane_parts_share_every_bucket_out_dearest_first() -> None:
    lengths = [10] * 32 + [40] * 7 + [120] * 2 + [12]
    buckets = [np.arange(0, 32), np.arange(32, 39), np.arange(39, 41), np.arange(41, 42)]
    parts = lane_parts(buckets, lengths, 2)
    # order by rows × width: 16 × 10 twice and 4 × 40, all 160 (ties keep the buckets' order),
    # 3 × 40, 1 × 120 twice, and the single short post, which cannot be cut
    assert [len(p) for p in parts] == [16, 16, 4, 3, 1, 1, 1]
    assert sorted(np.concatenate(parts).tolist()) == list(range(42))
    assert sorted(len(p) for p in lane_parts([np.arange(9)], [5] * 9, 3)) == [3, 3, 3]
    assert sorted(len(p) for p in lane_parts([np.arange(2)], [5] * 2, 3)) == [1, 1]
    assert sorted(p.tolist() for p in lane_parts(buckets, lengths, 1)) == sorted(b.tolist() for b in buckets)


def test_lanes_default_to_two_on_a_cpu_and_one_on_cuda_and_share_out_the_threads() -> None:
    assert resolve_lanes(0, "cpu", cpus=2) == 2
    assert resolve_lanes(0, "cpu", cpus=1) == 1
    assert resolve_lanes(0, "cuda", cpus=16) == 1
    assert resolve_lanes(3, "cuda", cpus=16) == 3
    assert threads_per_lane(0, lanes=1, cpus=8) == 0  # the runtime's own default
    assert threads_per_lane(0, lanes=2, cpus=8) == 4
    assert threads_per_lane(0, lanes=4, cpus=2) == 1
    assert threads_per_lane(3, lanes=2, cpus=8) == 3


def test_lanes_score_one_batch_on_several_threads_and_put_rows_back_in_order(
    student_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = list(dict.fromkeys(e.text for e in TINY_EXAMPLES)) * 3
    one = StudentRuntime.load(
        _model_dir(student_settings), RuntimeOptions.of(student_settings.model_copy(update={"ort_lanes": 1}))
    )
    two = StudentRuntime.load(
        _model_dir(student_settings), RuntimeOptions.of(student_settings.model_copy(update={"ort_lanes": 2}))
    )
    assert (one.lanes, two.lanes) == (1, 2)
    threads: set[str] = set()
    run = StudentRuntime._run
    # The first two lane runs wait for each other: they can only meet if two threads run parts at
    # once. Without it a busy machine let the first lane thread take every part before the second
    # woke, and the test failed for the load, not for the code.
    meeting = threading.Barrier(2, timeout=60)
    arrivals = iter(range(2))

    def recording(self: StudentRuntime, encodings: Sequence[Encoding]) -> list[np.ndarray]:
        name = threading.current_thread().name
        threads.add(name)
        if name.startswith("student-lane") and next(arrivals, None) is not None:
            meeting.wait()
        return run(self, encodings)

    monkeypatch.setattr(StudentRuntime, "_run", recording)
    serial, side_by_side = one.logits(texts), two.logits(texts)
    assert len({name for name in threads if name.startswith("student-lane")}) == 2

    # Dynamic int8 quantises activations per run, so other run-mates shift logits a little; a row
    # put back in the wrong place would sit nearer another post's row than its own.
    def rows(logits: Logits) -> np.ndarray:
        return np.concatenate([logits.polarity, logits.emotions, logits.aspects.reshape(len(texts), -1)], axis=1)

    serial_rows, side_by_side_rows = rows(serial), rows(side_by_side)
    for i, text in enumerate(texts):
        distances = np.abs(serial_rows - side_by_side_rows[i]).sum(axis=1)
        assert texts[int(distances.argmin())] == text, (i, distances)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: shutil.rmtree(d), "does not exist"),
        (lambda d: (d / MODEL_FILE).unlink(), "has no model.onnx"),
        (lambda d: (d / TOKENIZER_FILE).unlink(), "has no tokenizer.json"),
        (lambda d: (d / MODEL_FILE).write_bytes(b"\x00garbage" * 100), "cannot load"),
        (lambda d: (d / "manifest.json").write_text("{not json"), "unreadable manifest.json"),
        (
            lambda d: Manifest.read(d).model_copy(update={"aspects": ("price",)}).write(d),
            "output aspects has shape",
        ),
        (
            lambda d: (d / "manifest.json").write_text(
                json.dumps({**json.loads((d / "manifest.json").read_text()), "emotion_thresholds": [0.3]})
            ),
            "1 emotion thresholds for 28 emotions",
        ),
    ],
    ids=[
        "missing-dir",
        "no-model",
        "no-tokenizer",
        "corrupt-model",
        "corrupt-manifest",
        "wrong-aspects",
        "wrong-thresholds",
    ],
)
def test_broken_model_directories_fail_clearly(student_settings: Settings, tmp_path: Path, damage, message) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(_model_dir(student_settings), broken)
    damage(broken)
    with pytest.raises(ModelLoadError, match=message) as caught:
        StudentRuntime.load(broken, RuntimeOptions.of(student_settings))
    assert str(broken) in str(caught.value)


def test_per_emotion_thresholds_from_the_manifest_override_the_setting(
    student_settings: Settings, tmp_path: Path
) -> None:
    model_dir = tmp_path / "thresholds"
    shutil.copytree(_model_dir(student_settings), model_dir)
    lowest = [0.999] * len(GOEMOTIONS)
    lowest[GOEMOTIONS.index("joy")] = 1e-6  # joy is reported for any post, nothing else is
    Manifest.read(model_dir).model_copy(update={"emotion_thresholds": tuple(lowest)}).write(model_dir)
    loose_setting = student_settings.model_copy(update={"emotion_threshold": 0.01})
    (prediction,) = StudentRuntime.load(model_dir, RuntimeOptions.of(loose_setting)).predict([NEGATIVE_TEXT])
    assert prediction.emotions == ("joy",)

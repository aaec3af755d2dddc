"""The student at serving time: an int8 ONNX encoder with three heads, run by ONNX Runtime.

One forward pass yields polarity, emotion and aspect logits. Calibration is
applied here (the temperature comes from the model's manifest), so every
caller sees the same calibrated probabilities. ``predict`` is safe to call
from several threads at once: an ONNX Runtime session and a configured
tokenizer are both read-only at inference time.

Thread context: a reply's parent text is fed as the second segment of a text
pair (post first, parent second; see :mod:`models.encoding`).
"""

from __future__ import annotations

import logging
import os
import queue
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from pydantic import ValidationError
from tokenizers import Encoding

from models.encoding import TextEncoder
from models.manifest import MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE, Manifest
from models.types import Prediction, Scorer
from models.uncertainty import max_margin_entropy, sigmoid, softmax
from sentimon.labels import ASPECT_STATES
from sentimon.settings import Settings

log = logging.getLogger(__name__)

OUTPUT_NAMES = ("polarity", "emotions", "aspects")
CUDA = "CUDAExecutionProvider"
_SHORTEST_BUCKET = 16  # tokens; below this a batch's cost is mostly per-run overhead, not width
_AUTO_CPU_LANES = 2  # measured: two single-threaded runs beat one two-threaded run; more was not measured
_WARM_UP_TEXT = "A warm-up post about as long as most: the delivery came late but support sorted it out quickly."


class ModelLoadError(Exception):
    """A model directory that cannot serve; the message names the directory and the problem."""


@dataclass(frozen=True, slots=True)
class Logits:
    """Raw head outputs, uncalibrated, one row per input in input order."""

    polarity: np.ndarray  # (n, 3)
    emotions: np.ndarray  # (n, 28)
    aspects: np.ndarray  # (n, len(aspects), 4)


def select_providers(choice: str, available: Sequence[str] | None = None) -> list[str]:
    """CUDA first when asked for or left to ``auto`` and this onnxruntime has it; else the CPU, said aloud.

    ``available`` defaults to what the installed onnxruntime offers.
    """
    available = ort.get_available_providers() if available is None else available
    if choice != "cpu" and CUDA in available:
        return [CUDA, "CPUExecutionProvider"]
    if choice == "cuda":
        raise ModelLoadError(
            "SENTIMON_ORT_PROVIDER=cuda but this onnxruntime has no CUDAExecutionProvider"
            " (install the gpu extra: onnxruntime-gpu)"
        )
    if choice == "auto":
        log.info("no CUDA execution provider in this onnxruntime (install the gpu extra for it); scoring on the CPU")
    return ["CPUExecutionProvider"]


def length_buckets(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Row indices grouped into batches of similar token length, at most ``batch_size`` each.

    A batch is padded to its longest member and costs about rows × width, so one 120-token reply
    in a batch of 12-token posts would make the whole batch ten times dearer. Lengths are bucketed
    by powers of two (everything up to 16 tokens together, then 17-32, 33-64, ...): padding
    within a bucket wastes at most half, and the extra runs cost far less than that waste.
    """
    order = np.argsort(lengths, kind="stable")
    buckets: dict[int, list[int]] = {}
    for i in order:
        buckets.setdefault((max(int(lengths[i]), _SHORTEST_BUCKET) - 1).bit_length(), []).append(int(i))
    return [
        np.array(rows[start : start + batch_size])
        for _, rows in sorted(buckets.items())
        for start in range(0, len(rows), batch_size)
    ]


def lane_parts(buckets: Sequence[np.ndarray], lengths: Sequence[int], lanes: int) -> list[np.ndarray]:
    """Each length bucket cut into up to ``lanes`` near-equal runs that score at the same time,
    dearest first (rows × width).

    ONNX Runtime's intra-op threads synchronise at every operator, and on short posts much of
    MiniLM's work is small operators, so two threads on one run leave a core idle for part of the
    time; two runs side by side on one thread each keep both busy. Every bucket of at least two rows
    is cut, however small: keeping four rows or more per part (as this once did, against per-run
    overhead) left a lane idle while the other scored a small bucket alone, and measured slower on
    an AVX2 machine both at batch 32 (204 against 230 posts/s) and for the few posts a micro-batch
    holds at moderate traffic (4 posts: 25.9 against 20.1 ms at the median). Handing out the dearest
    runs first (longest-processing-time order) lets the cheap ones fill in at the end instead of one
    lane finishing a long run alone.
    """
    parts: list[np.ndarray] = []
    for rows in buckets:
        parts.extend(np.array_split(rows, min(lanes, len(rows))))  # buckets are never empty
    return sorted(parts, key=lambda rows: len(rows) * max(lengths[i] for i in rows), reverse=True)


def usable_cpus() -> int:
    """CPUs this process may run on (a container's or taskset's limit, not the host's count)."""
    return len(os.sched_getaffinity(0))


def resolve_lanes(lanes: int, device: str, cpus: int) -> int:
    """``SENTIMON_ORT_LANES``: as set, or 0 for two on a CPU with two or more cores and one on CUDA,
    where one stream of kernels already fills the device and batches are what should grow."""
    if lanes:
        return lanes
    return 1 if device == "cuda" else max(1, min(_AUTO_CPU_LANES, cpus))


def threads_per_lane(intra_threads: int, lanes: int, cpus: int) -> int:
    """Intra-op threads for each lane's session: as set, else the runtime default for one lane and
    the CPUs shared out between lanes (so that lanes × threads does not oversubscribe the cores)."""
    if intra_threads or lanes == 1:
        return intra_threads
    return max(1, cpus // lanes)


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """What a student runtime reads from the settings: its batch size, thresholds and ONNX Runtime's threads."""

    batch_size: int
    emotion_threshold: float
    aspect_threshold: float
    provider: str
    intra_threads: int
    inter_threads: int
    spinning: bool
    lanes: int

    @classmethod
    def of(cls, settings: Settings) -> RuntimeOptions:
        return cls(
            batch_size=settings.batch_size,
            emotion_threshold=settings.emotion_threshold,
            aspect_threshold=settings.aspect_threshold,
            provider=settings.ort_provider,
            intra_threads=settings.ort_intra_threads,
            inter_threads=settings.ort_inter_threads,
            spinning=settings.ort_spinning,
            lanes=settings.ort_lanes,
        )


def session_options(options: RuntimeOptions, intra_threads: int) -> ort.SessionOptions:
    """Every graph optimisation, the configured threads, and no busy-waiting unless asked for.

    Spinning intra-op threads answer a few hundred microseconds sooner but burn their cores
    between batches, taking them from the event loop, the broker client and a training round on
    the same machine. Memory patterns are off because batch shapes vary with every micro-batch;
    the CPU arena stays on so that those shapes reuse memory instead of allocating anew.
    """
    session = ort.SessionOptions()
    session.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session.intra_op_num_threads = intra_threads
    session.inter_op_num_threads = options.inter_threads
    session.enable_cpu_mem_arena = True
    session.enable_mem_pattern = False
    spin = "1" if options.spinning else "0"
    session.add_session_config_entry("session.intra_op.allow_spinning", spin)
    session.add_session_config_entry("session.inter_op.allow_spinning", spin)
    session.log_severity_level = 3
    return session


def _session(path: Path, options: ort.SessionOptions, providers: list[str]) -> ort.InferenceSession:
    """A session on the preferred providers; onnxruntime-gpu on a machine without a usable GPU
    lists CUDA but cannot start it, and then the CPU must serve rather than nothing."""
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except Exception:
        if providers[0] != CUDA:
            raise
        log.warning("CUDA execution provider failed to start for %s; using the CPU", path)
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class StudentRuntime(Scorer):
    def __init__(
        self,
        sessions: Sequence[ort.InferenceSession],
        encoder: TextEncoder,
        manifest: Manifest,
        options: RuntimeOptions,
        model_dir: Path,
    ) -> None:
        """One session per lane; a run takes whichever is idle, so lanes never share a thread pool."""
        self._idle: queue.SimpleQueue[ort.InferenceSession] = queue.SimpleQueue()
        for session in sessions:
            self._idle.put(session)
        self._lanes = len(sessions)
        # Its threads exit when the runtime is dropped (a hot swap), as the executor is collected.
        self._pool = ThreadPoolExecutor(self._lanes, thread_name_prefix="student-lane") if self._lanes > 1 else None
        self._encoder = encoder
        self._input_names = {i.name for i in sessions[0].get_inputs()}
        # Outputs are written where the session computes them and copied back once per batch.
        self._device = "cuda" if sessions[0].get_providers()[0] == CUDA else "cpu"
        self._batch_size = options.batch_size
        # Per-label thresholds travel with a model that was tuned for them; others use the setting's one.
        thresholds = manifest.emotion_thresholds or (options.emotion_threshold,) * len(manifest.emotions)
        self._emotion_thresholds = np.asarray(thresholds, dtype=np.float32)
        self._aspect_threshold = options.aspect_threshold
        self.manifest = manifest
        self.version = manifest.version
        self.model_dir = model_dir

    @property
    def lanes(self) -> int:
        return self._lanes

    @classmethod
    def load(cls, model_dir: Path, options: RuntimeOptions) -> StudentRuntime:
        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise ModelLoadError(f"model directory {model_dir} does not exist")
        for name in (MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE):
            if not (model_dir / name).is_file():
                raise ModelLoadError(f"model directory {model_dir} has no {name}")
        try:
            manifest = Manifest.read(model_dir)
        except (ValueError, ValidationError) as exc:
            raise ModelLoadError(f"model directory {model_dir}: unreadable {MANIFEST_FILE}: {exc}") from exc
        providers = select_providers(options.provider)
        cpus = usable_cpus()
        lanes = resolve_lanes(options.lanes, "cuda" if providers[0] == CUDA else "cpu", cpus)
        per_lane = session_options(options, threads_per_lane(options.intra_threads, lanes, cpus))
        try:
            sessions = [_session(model_dir / MODEL_FILE, per_lane, providers) for _ in range(lanes)]
            encoder = TextEncoder.from_file(model_dir / TOKENIZER_FILE, manifest.max_seq_len)
        except Exception as exc:  # ORT and tokenizers raise their own exception types for corrupt files
            raise ModelLoadError(f"model directory {model_dir}: cannot load: {exc}") from exc
        runtime = cls(sessions, encoder, manifest, options, model_dir)
        runtime._self_check()
        return runtime

    def _self_check(self) -> None:
        """Run one full batch now: a model that loads but cannot answer fails here, not mid-stream,
        and the first real batch does not pay for arena growth and kernel selection (tens of
        milliseconds on the CPU, far more on a GPU)."""
        batch = self._batch_size
        encodings = self._encoder.encode([_WARM_UP_TEXT] * batch)
        try:
            for _ in range(self._lanes):  # every lane's session, each taken in turn
                outputs = self._run(encodings)
        except Exception as exc:  # ORT raises its own types for graphs that load but cannot run
            raise ModelLoadError(f"model directory {self.model_dir}: inference fails: {exc}") from exc
        expected = (
            (batch, len(self.manifest.polarities)),
            (batch, len(self.manifest.emotions)),
            (batch, len(self.manifest.aspects), len(ASPECT_STATES)),
        )
        for name, output, shape in zip(OUTPUT_NAMES, outputs, expected, strict=True):
            if output.shape != shape:
                raise ModelLoadError(
                    f"model directory {self.model_dir}: output {name} has shape {output.shape},"
                    f" the manifest implies {shape}"
                )

    def _run(self, encodings: Sequence[Encoding]) -> list[np.ndarray]:
        """One micro-batch through an I/O binding: on CUDA the outputs stay on the device until one
        copy back, instead of a host round trip per output; on the CPU it costs the same as
        ``run`` (measured), so every machine runs and tests the path a GPU takes. A binding per
        call keeps ``predict`` safe from several threads."""
        session = self._idle.get()
        try:
            binding = session.io_binding()
            for name, array in self._encoder.pad(encodings).items():
                if name in self._input_names:
                    binding.bind_cpu_input(name, array)
            for name in OUTPUT_NAMES:
                binding.bind_output(name, self._device)
            session.run_with_iobinding(binding)
            return binding.copy_outputs_to_cpu()
        finally:
            self._idle.put(session)

    def logits(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> Logits:
        """Raw outputs in input order; runs are formed by :func:`length_buckets` and, with more
        than one lane, scored side by side (:func:`lane_parts`)."""
        n = len(texts)
        polarity = np.zeros((n, len(self.manifest.polarities)), dtype=np.float32)
        emotions = np.zeros((n, len(self.manifest.emotions)), dtype=np.float32)
        aspects = np.zeros((n, len(self.manifest.aspects), len(ASPECT_STATES)), dtype=np.float32)
        if n == 0:
            return Logits(polarity, emotions, aspects)
        encodings = self._encoder.encode(texts, contexts)
        lengths = [len(e.ids) for e in encodings]
        runs = length_buckets(lengths, self._batch_size)

        def run(rows: np.ndarray) -> list[np.ndarray]:
            return self._run([encodings[i] for i in rows])

        if self._pool is None:
            outputs = map(run, runs)
        else:
            runs = lane_parts(runs, lengths, self._lanes)
            outputs = self._pool.map(run, runs) if len(runs) > 1 else map(run, runs)
        for rows, (p, e, a) in zip(runs, outputs, strict=True):
            polarity[rows], emotions[rows], aspects[rows] = p, e, a
        return Logits(polarity, emotions, aspects)

    def predict(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> list[Prediction]:
        raw = self.logits(texts, contexts)
        probs = softmax(raw.polarity / self.manifest.temperature)
        top, margin, entropy = max_margin_entropy(probs)
        emotion_probs = sigmoid(raw.emotions)
        aspect_probs = softmax(raw.aspects)
        polarities = self.manifest.polarities
        predictions = []
        for i in range(len(texts)):
            emotion_rank = np.argsort(-emotion_probs[i], kind="stable")
            emotions = tuple(
                self.manifest.emotions[j] for j in emotion_rank if emotion_probs[i, j] >= self._emotion_thresholds[j]
            )
            aspects = tuple(
                (aspect, polarities[int(np.argmax(aspect_probs[i, a, 1:]))])
                for a, aspect in enumerate(self.manifest.aspects)
                if 1.0 - aspect_probs[i, a, 0] >= self._aspect_threshold
            )
            predictions.append(
                Prediction(
                    probs=(float(probs[i, 0]), float(probs[i, 1]), float(probs[i, 2])),
                    polarity=polarities[int(np.argmax(probs[i]))],
                    max_prob=float(top[i]),
                    margin=float(margin[i]),
                    entropy=float(entropy[i]),
                    emotions=emotions,
                    aspects=aspects,
                )
            )
        return predictions

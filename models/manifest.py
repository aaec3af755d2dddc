"""The manifest that travels with every exported student.

It lives in ``models`` (not in the registry) because the runtime needs it to
make sense of the ONNX outputs: the aspect list and the calibration
temperature are properties of a trained model, not of the deployment.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sentimon.labels import GOEMOTIONS, POLARITIES

MANIFEST_FILE = "manifest.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# The PyTorch weights stay beside the ONNX file so that re-distillation can start from this version.
CHECKPOINT_DIR = "torch"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    version: str = Field("", description="Assigned by the registry on registration.")
    parent_version: str | None = Field(None, description="Version this one was trained from, if any.")
    created_at: str = Field(default_factory=_now)
    backbone: str = ""
    data_fingerprint: str = Field("", description="sha256 over the training examples.")
    train_examples: int = 0
    metrics: dict[str, float] = Field(default_factory=dict)
    temperature: float = Field(1.0, gt=0, description="Polarity logits are divided by this before softmax.")
    polarities: tuple[str, ...] = POLARITIES
    emotions: tuple[str, ...] = GOEMOTIONS
    aspects: tuple[str, ...] = ()
    max_seq_len: int = 128
    emotion_thresholds: tuple[float, ...] | None = Field(
        None, description="Per-emotion probability thresholds tuned with the model; None = the setting's one."
    )
    quantized: bool = True
    encoding: str = Field(
        "", description="The export's encoding (matmul, fused-dynamic, fused-static, fp16, none); empty if unrecorded."
    )

    @model_validator(mode="after")
    def _one_threshold_per_emotion(self) -> Manifest:
        if self.emotion_thresholds is not None and len(self.emotion_thresholds) != len(self.emotions):
            raise ValueError(f"{len(self.emotion_thresholds)} emotion thresholds for {len(self.emotions)} emotions")
        return self

    def write(self, model_dir: Path) -> None:
        (model_dir / MANIFEST_FILE).write_text(self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, model_dir: Path) -> Manifest:
        return cls.model_validate(json.loads((model_dir / MANIFEST_FILE).read_text()))

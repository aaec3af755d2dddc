"""Tokenisation shared by training and the runtime, so both see identical inputs.

A post is segment A; its thread parent, when known, is segment B (token type
1). Putting the post first means truncation (longest first) eats into a long
parent before it touches the post itself. Batches are padded to their own
longest member, never to ``max_seq_len``: short posts are the norm and
padding costs as much compute as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Encoding, Tokenizer

# A WordPiece token rarely spans more than this many characters; cutting earlier than the
# tokenizer would spares it megabytes of text that truncation throws away anyway.
_CHARS_PER_TOKEN = 16


class TextEncoder:
    def __init__(self, tokenizer: Tokenizer, max_seq_len: int) -> None:
        padding = tokenizer.padding
        self.pad_id: int = padding["pad_id"] if padding else _pad_id(tokenizer)
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_seq_len, strategy="longest_first")
        self._tokenizer = tokenizer
        self._max_chars = max_seq_len * _CHARS_PER_TOKEN
        self.max_seq_len = max_seq_len

    @classmethod
    def from_file(cls, path: Path, max_seq_len: int) -> TextEncoder:
        return cls(Tokenizer.from_file(str(path)), max_seq_len)

    def encode(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> list[Encoding]:
        if contexts is not None and len(contexts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
        cut = self._max_chars
        inputs: list[str | tuple[str, str]] = []
        for i, text in enumerate(texts):
            context = contexts[i] if contexts is not None else None
            inputs.append((text[:cut], context[:cut]) if context else text[:cut])
        return self._tokenizer.encode_batch(inputs)

    def pad(self, encodings: Sequence[Encoding]) -> dict[str, np.ndarray]:
        """Stack encodings into int64 arrays as wide as the longest one."""
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = 1
            types[row, :n] = encoding.type_ids
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def _pad_id(tokenizer: Tokenizer) -> int:
    for token in ("[PAD]", "<pad>"):
        found = tokenizer.token_to_id(token)
        if found is not None:
            return found
    return 0

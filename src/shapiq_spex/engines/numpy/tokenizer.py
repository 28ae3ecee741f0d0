r"""Byte-level BPE tokenizer rebuilt from the vocabulary embedded in a GGUF file.

The ``tokenizers`` package does the BPE. The pieces are configured as llama.cpp configures them
for the file's ``tokenizer.ggml.pre`` value:

* pre-tokenization: for ``smollm``/``starcoder``-style vocabularies, digits are split one by one,
  then the GPT-2 regex splits words, numbers, punctuation runs and whitespace
  (``'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+``); other
  ``gpt2``-style vocabularies use the GPT-2 regex alone;
* the bytes of each piece are mapped to the GPT-2 printable alphabet (a space is ``"Ġ"``) and
  merged with the file's merges, highest priority first;
* control tokens (llama.cpp token type 3, e.g. ``<|im_start|>``) and user-defined tokens
  (type 4) are matched verbatim in the input before pre-tokenization and map to their own ids;
* no BOS token is added unless the file says so (``tokenizer.ggml.add_bos_token``).

Decoding inverts encoding for any text whose bytes all have a byte token in the vocabulary.
SmolLM2's vocabulary lacks 21 of the 256 byte tokens (a few ASCII control characters such as
``\x16``, and bytes 0xC0, 0xC1, 0xF1-0xFF that valid UTF-8 never or very rarely uses); such bytes
are skipped, as llama.cpp and the Hugging Face tokenizer skip them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tokenizers import AddedToken, decoders, models, pre_tokenizers
from tokenizers import Tokenizer as _HFTokenizer

from .gguf_loader import TokenizerSpec

__all__ = ["Tokenizer"]

_CONTROL = 3
_USER_DEFINED = 4
_DIGIT_SPLITTING_PRE = {"smollm", "starcoder", "refact", "codeshell", "command-r"}


class Tokenizer:
    """Encode text to token ids and back, exactly as the GGUF file's tokenizer does.

    Args:
        spec: The tokenizer read from the GGUF file.

    Raises:
        NotImplementedError: The tokenizer is not byte-level BPE (``tokenizer.ggml.model`` other
            than ``"gpt2"``).
    """

    def __init__(self, spec: TokenizerSpec) -> None:
        if spec.model != "gpt2":
            msg = f"Only byte-level BPE ('gpt2') tokenizers are supported, got {spec.model!r}."
            raise NotImplementedError(msg)
        self.spec = spec
        vocab = {token: index for index, token in enumerate(spec.tokens)}
        merges = [tuple(merge.split(" ", 1)) for merge in spec.merges]
        tokenizer = _HFTokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False))
        byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        if spec.pre in _DIGIT_SPLITTING_PRE:
            tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
                [pre_tokenizers.Digits(individual_digits=True), byte_level]
            )
        else:
            tokenizer.pre_tokenizer = byte_level
        tokenizer.decoder = decoders.ByteLevel()
        special = [
            AddedToken(token, special=kind == _CONTROL, normalized=False)
            for token, kind in zip(spec.tokens, spec.token_types, strict=True)
            if kind in (_CONTROL, _USER_DEFINED)
        ]
        tokenizer.add_special_tokens([t for t in special if t.special])
        tokenizer.add_tokens([t for t in special if not t.special])
        self._tokenizer = tokenizer
        self.vocab_size = len(spec.tokens)
        self.bos_id = spec.bos_id
        self.eos_id = spec.eos_id
        self.control_ids = frozenset(
            index for index, kind in enumerate(spec.token_types) if kind == _CONTROL
        )

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; special tokens written in the text map to their ids.

        Args:
            text: Any string.

        Returns:
            The ids (a BOS id first only if the file asks for it).

        Raises:
            TypeError: ``text`` is not a string.
        """
        if not isinstance(text, str):
            msg = f"text must be a str, got {type(text).__name__}."
            raise TypeError(msg)
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        if self.spec.add_bos and self.bos_id is not None:
            ids = [self.bos_id, *ids]
        return ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of several texts (same as :meth:`encode` on each, done in parallel)."""
        texts = list(texts)
        bad = [type(t).__name__ for t in texts if not isinstance(t, str)]
        if bad:
            msg = f"texts must all be str, got {bad[0]}."
            raise TypeError(msg)
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        prefix = [self.bos_id] if self.spec.add_bos and self.bos_id is not None else []
        return [prefix + e.ids for e in encodings]

    def decode(self, ids: Sequence[int] | np.ndarray, *, skip_special: bool = False) -> str:
        """Text of token ids (the inverse of :meth:`encode` for any text).

        Args:
            ids: Token ids.
            skip_special: Leave control tokens out.

        Returns:
            The decoded string.
        """
        ids = [int(i) for i in np.asarray(ids, dtype=np.int64).reshape(-1)]
        if skip_special:
            ids = [i for i in ids if i not in self.control_ids]
        return self._tokenizer.decode(ids, skip_special_tokens=False)

    def token_to_id(self, token: str) -> int | None:
        """Id of a vocabulary entry written in the byte-level alphabet (``"Ġthe"``), or None."""
        return self._tokenizer.token_to_id(token)

    def id_to_token(self, index: int) -> str | None:
        """Vocabulary entry (byte-level alphabet) of an id, or None."""
        return self._tokenizer.id_to_token(int(index))

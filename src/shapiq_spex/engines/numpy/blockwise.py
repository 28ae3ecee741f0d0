r"""Blockwise context encoding: text blocks encoded once each, re-positioned per masked text.

A masked long document is a prompt prefix, then the kept units (sentences, paragraphs...) in
document order, then a short suffix (``"\nSentiment:"``) whose last position is scored. With
full attention every masked text is a new forward pass over all its tokens (seconds for a
2,000-word document). Here, as in parallel context encoding:

* the prefix is encoded once;
* each block (a unit with the whitespace in front of it) is encoded once, on its own, right
  after the prefix: its tokens attend to the prefix and to the block itself only; its keys and
  values are kept for every layer;
* for a masked text the cached keys/values of its blocks are concatenated in order. A block
  encoded at positions ``P .. P+L-1`` that sits ``d`` tokens further in the masked text has
  its keys rotated once more by ``d`` (rotary embeddings compose, ``R(p + d) = R(d) R(p)``);
  values carry no position. Only the suffix is run through the layers, attending to the
  prefix, the assembled blocks and itself.

This is an approximation of the full model: a block does not see the blocks before it (its
hidden states, and so its keys and values, are those of the block alone after the prefix).
The suffix sees everything. Exact cases: no block (the prefix and the suffix only), one block,
or a whole text given as one block, are the full model's forward pass up to float32 rounding.

Tokenization: each block is tokenized on its own. Blocks start with whitespace (or at the
start of the text) and the byte-level pre-tokenizer always starts a new word at whitespace, so
the concatenated block tokens are the tokens of the whole text whenever the tokenizer does not
merge across a unit boundary (measured: identical for all 30 masked texts of the bundled
2,000-word review and of a 252-word review, ``python -m benchmarks.blockwise``).

Fidelity (same benchmark, 30 uniform sentence masks, blockwise vs full scores of the
sentiment prompt): Pearson r 0.78 and R² 0.15 on the 2,000-word review, r 0.82 and R² 0.64 on
the 252-word one; 0.14 s instead of 5-25 s per masked text on the long one.

Memory: every distinct block is kept, ``2 * n_layers * n_kv_heads * head_dim`` float32 per
token (46 KB for SmolLM2-135M; about 200 MB for the 253 distinct blocks of the 2,000-word
review).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..._validation import check_texts
from ..base import Rows, TokenIds, check_batch_size, continuation_inputs, stack_rows, sum_rows
from .lm import LanguageModel
from .model import KVCache

__all__ = ["BlockwiseContext"]


class _Assembled(Sequence):
    """Per layer, the pooled keys (or values) of each row's blocks, gathered on access.

    A forward pass reads one layer at a time, so only one layer's assembled keys exist at once.
    """

    def __init__(
        self, pool: list[np.ndarray], index: np.ndarray, shift: np.ndarray | None, lm: LanguageModel
    ) -> None:
        self._pool, self._index, self._shift, self._lm = pool, index, shift, lm

    def __len__(self) -> int:
        return len(self._pool)

    def __getitem__(self, layer: int) -> np.ndarray:  # type: ignore[override]
        gathered = self._pool[layer][:, self._index].transpose(1, 0, 2, 3)  # (B, kv, S, d)
        if self._shift is None:
            return gathered
        return self._lm.model.shift_keys(gathered, self._shift)


def _check_rows(blocks: object, name: str) -> list[tuple[str, ...]]:
    if isinstance(blocks, str) or not isinstance(blocks, Sequence):
        msg = f"{name} must be a list with one sequence of str per text."
        raise TypeError(msg)
    return [tuple(check_texts(row, f"each row of {name}")) for row in blocks]


class BlockwiseContext:
    r"""Keys/values of a prompt prefix and of text blocks, each encoded once, for many texts.

    Args:
        lm: The language model.
        prefix: The prompt before the blocks (text or ids, non-empty).

    Raises:
        TypeError: ``lm`` is not a :class:`~shapiq_spex.engines.numpy.LanguageModel`.
        ValueError: ``prefix`` is empty.

    Example:
        >>> ctx = BlockwiseContext(lm, "Review:")  # doctest: +SKIP
        >>> blocks, suffixes = [[" Great.", " Loved it."]], ["\nSentiment:"]
        >>> ctx.next_token_logprobs(blocks, suffixes)  # doctest: +SKIP
    """

    def __init__(self, lm: LanguageModel, prefix: str | TokenIds) -> None:
        if not isinstance(lm, LanguageModel):
            msg = f"lm must be a LanguageModel, got {type(lm).__name__}."
            raise TypeError(msg)
        ids = lm._ids(prefix, "prefix")
        if not ids:
            msg = "prefix must not be empty."
            raise ValueError(msg)
        self.lm = lm
        self.prefix_ids = tuple(ids)
        with lm.blas_context():
            cache = lm.model.forward(np.array([ids], dtype=np.int64), return_cache=True).cache
        self._prefix = cache
        # pool[layer]: (n_kv, tokens, head_dim); the prefix first, then every block
        self._keys = [k[0] for k in cache.keys]
        self._values = [v[0] for v in cache.values]
        self._blocks: dict[str, tuple[int, int]] = {}  # block text -> (start in pool, length)

    @property
    def n_blocks(self) -> int:
        """Number of distinct blocks encoded so far."""
        return len(self._blocks)

    def block_ids(self, blocks: Sequence[str]) -> list[int]:
        """The tokens the model sees for a sequence of blocks: each tokenized on its own."""
        rows = _check_rows([blocks], "blocks")
        return [i for ids in self.lm.tokenizer.encode_batch(list(rows[0])) for i in ids]

    # ------------------------------------------------------------------ encoding
    def _encode(self, pieces: set[str]) -> None:
        """Encode the blocks not seen yet (in batches) and append them to the pool."""
        new = sorted(p for p in pieces if p not in self._blocks)
        if not new:
            return
        ids = self.lm.tokenizer.encode_batch(new)
        lengths = np.array([len(row) for row in ids])
        order = [r for r in np.argsort(lengths, kind="stable") if lengths[r]]
        start = self._keys[0].shape[1]
        parts: list[tuple[list[np.ndarray], list[np.ndarray]]] = []
        for lo in range(0, len(order), self.lm.batch_size):
            rows = order[lo : lo + self.lm.batch_size]
            parts += self._forward_blocks([ids[r] for r in rows])
        for r in order:
            self._blocks[new[r]] = (start, int(lengths[r]))
            start += int(lengths[r])
        for r in np.flatnonzero(lengths == 0):  # e.g. "": nothing to attend to
            self._blocks[new[r]] = (start, 0)
        for layer in range(len(self._keys)):
            keys, values = [k[layer] for k, _ in parts], [v[layer] for _, v in parts]
            self._keys[layer] = np.concatenate([self._keys[layer], *keys], axis=1)
            self._values[layer] = np.concatenate([self._values[layer], *values], axis=1)

    def _forward_blocks(
        self, ids: list[list[int]]
    ) -> list[tuple[list[np.ndarray], list[np.ndarray]]]:
        """Per block, its keys and values per layer ``(n_kv, length, d)``, after the prefix."""
        lengths = np.array([len(row) for row in ids])
        width = int(lengths.max())
        tokens = np.full((len(ids), width), self.lm.pad_id, dtype=np.int64)
        for i, row in enumerate(ids):
            tokens[i, : len(row)] = row
        attention = np.arange(width)[None, :] < lengths[:, None]
        with self.lm.blas_context():
            cache = self.lm.model.forward(
                tokens, attention_mask=attention, cache=self._prefix, return_cache=True
            ).cache
        n_prefix = len(self.prefix_ids)
        return [
            (
                [k[i, :, n_prefix : n_prefix + n] for k in cache.keys],
                [v[i, :, n_prefix : n_prefix + n] for v in cache.values],
            )
            for i, n in enumerate(lengths)
        ]

    # ------------------------------------------------------------------ assembly
    def _layout(self, rows: list[tuple[str, ...]]) -> tuple[np.ndarray, ...]:
        """Pool index, rotary shift and validity of each assembled position, per row."""
        n_prefix = len(self.prefix_ids)
        spans = [np.array([self._blocks[p] for p in row], dtype=np.int64) for row in rows]
        totals = np.array([int(s[:, 1].sum()) if s.size else 0 for s in spans])
        width = n_prefix + int(totals.max(initial=0))
        index = np.zeros((len(rows), width), dtype=np.int64)
        shift = np.zeros((len(rows), width), dtype=np.int64)
        index[:, :n_prefix] = np.arange(n_prefix)
        for r, s in enumerate(spans):
            if not s.size:
                continue
            starts, lengths = s[:, 0], s[:, 1]
            offsets = np.cumsum(lengths) - lengths  # where each block sits after the prefix
            # token t of block i: pool position starts[i] + t, masked-text offset offsets[i] + t
            cols = slice(n_prefix, n_prefix + totals[r])
            index[r, cols] = np.repeat(starts - offsets, lengths) + np.arange(totals[r])
            shift[r, cols] = np.repeat(offsets, lengths)
        valid = np.arange(width)[None, :] < (n_prefix + totals)[:, None]
        return index, shift, valid, n_prefix + totals

    def cache(self, blocks: Sequence[Sequence[str]]) -> KVCache:
        """The prefix and each row's blocks, in order, at their positions in the row's text.

        Args:
            blocks: One sequence of block texts per row.

        Returns:
            A cache with one row per text (right-padded, see ``key_mask``); its layers are
            gathered when a forward pass reads them.
        """
        rows = _check_rows(blocks, "blocks")
        self._encode({p for row in rows for p in row})
        index, shift, valid, next_position = self._layout(rows)
        return KVCache(
            keys=_Assembled(self._keys, index, shift, self.lm),
            values=_Assembled(self._values, index, None, self.lm),
            key_mask=valid,
            next_position=next_position,
        )

    # ------------------------------------------------------------------ scoring
    def _score(self, blocks: object, job: Rows, batch_size: int | None) -> list[np.ndarray]:
        rows = _check_rows(blocks, "blocks")
        if len(rows) != len(job.inputs):
            msg = f"blocks ({len(rows)}) and suffixes ({len(job.inputs)}) differ in length."
            raise ValueError(msg)
        step = self.lm.batch_size if batch_size is None else check_batch_size(batch_size)
        self._encode({p for row in rows for p in row})
        sizes = np.array([sum(self._blocks[p][1] for p in row) for row in rows]) + job.lengths
        return self.lm._score_batches(
            job, lambda batch: self.cache([rows[r] for r in batch]), None, step, sort_key=sizes
        )

    def _suffixes(self, suffixes: object) -> list[list[int]]:
        ids = self.lm._ids_list(suffixes, "suffixes")
        if any(not row for row in ids):
            msg = "each suffix must be non-empty: the scored position is its last token."
            raise ValueError(msg)
        return ids

    def next_token_logprobs(
        self,
        blocks: Sequence[Sequence[str]],
        suffixes: Sequence[str | TokenIds],
        *,
        candidates: Sequence[int] | None = None,
        batch_size: int | None = None,
    ) -> np.ndarray:
        """Log-probabilities of the token after ``prefix + blocks + suffix``, row by row.

        Args:
            blocks: One sequence of block texts per row (may be empty).
            suffixes: Non-empty texts or id sequences run after the blocks, one per row.
            candidates: Token ids to report (default: the whole vocabulary).
            batch_size: Rows per forward pass (default: the model's).

        Returns:
            ``(rows, len(candidates))`` (or ``(rows, vocab)``) float32 log-probabilities.

        Raises:
            TypeError: ``blocks`` is not a list of sequences of str.
            ValueError: Lengths differ, a suffix is empty, or a candidate is out of range.
        """
        inputs = self._suffixes(suffixes)
        cand = self.lm._candidates(candidates)
        out = self._score(blocks, Rows(inputs, [1] * len(inputs), candidates=cand), batch_size)
        return stack_rows(out, self.lm.vocab_size if cand is None else cand.size)

    def continuation_logprobs(
        self,
        blocks: Sequence[Sequence[str]],
        suffixes: Sequence[str | TokenIds],
        continuations: Sequence[str | TokenIds],
        *,
        batch_size: int | None = None,
    ) -> np.ndarray:
        """Log-probability of each continuation after ``prefix + blocks + suffix``.

        Args:
            blocks: One sequence of block texts per row (may be empty).
            suffixes: Non-empty texts or id sequences run after the blocks, one per row.
            continuations: Non-empty texts or id sequences, one per row.
            batch_size: Rows per forward pass (default: the model's).

        Returns:
            ``(rows,)`` float64 sums of the continuation tokens' log-probabilities.

        Raises:
            TypeError: ``blocks`` is not a list of sequences of str.
            ValueError: Lengths differ, or a suffix or continuation is empty.
        """
        inputs = self._suffixes(suffixes)
        cont = self.lm._ids_list(continuations, "continuations")
        if len(cont) != len(inputs) or any(not c for c in cont):
            msg = "continuations must hold one non-empty continuation per suffix."
            raise ValueError(msg)
        job = Rows(continuation_inputs(inputs, cont), [len(c) for c in cont], targets=cont)
        return sum_rows(self._score(blocks, job, batch_size))

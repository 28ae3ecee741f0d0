"""Attention-head attribution: players are the heads of the LLM, absent heads are zeroed.

``v(S)`` is the log-probability the model gives the correct answers of a small task (averaged or
summed over its prompts) when every attention head outside ``S`` is ablated: its output is
multiplied by 0 before the layer's output projection. With SmolLM2-135M there are
``30 x 9 = 270`` players; player ``p`` is head ``p % 9`` of layer ``p // 9`` (with ``layers``,
of the ``p // 9``-th listed layer).

Cost. A head mask changes the residual stream from the first ablated head on, so every distinct
coalition needs its own forward pass through all layers: per coalition, ``P + sum_i L_i`` token
positions go through the 30 blocks, where ``P + 1`` is the length of the token prefix shared by
all prompts and ``L_i`` the rest of prompt ``i`` plus its answer. What is reused:

* the shared token prefix of the prompts is run once per coalition (not once per prompt) and
  its keys/values are reused by all prompts of that coalition;
* the output projection to the vocabulary runs only at the answer-predicting positions;
* coalitions are evaluated ``batch_size`` at a time in one batched forward pass (one BLAS
  product per weight matrix and batch), and duplicate coalitions of a call once.

Nothing else can be shared: only the embedding lookup precedes layer 0, and even layer 0's
attention weights, though mask-independent, are a small part of one block's cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from shapiq import Game

from .._validation import check_bool, check_choice, check_int

if TYPE_CHECKING:
    from ..engines.numpy import KVCache, LanguageModel

__all__ = ["CAPITALS_TASK", "HeadAblationGame"]

CAPITALS_TASK: tuple[tuple[str, str], ...] = (
    ("The capital of France is", " Paris"),
    ("The capital of Germany is", " Berlin"),
    ("The capital of Italy is", " Rome"),
    ("The capital of Spain is", " Madrid"),
)
"""Default task: (prompt, answer) pairs of a factual recall task."""


def _common_prefix_length(rows: list[list[int]]) -> int:
    shortest = min(len(r) for r in rows)
    for i in range(shortest):
        if any(r[i] != rows[0][i] for r in rows):
            return i
    return shortest


class _HeadPlayers(Game):
    """Attention heads of chosen layers as players: ``layer`` major, ``head`` minor.

    Subclasses set ``layers`` and ``n_heads`` and implement ``_values`` (a float per
    coalition); :meth:`_start` then records ``v(∅)`` and initialises the shapiq game.
    """

    layers: list[int]
    n_heads: int
    answer_ids: list[list[int]]

    def _values(self, coalitions: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _start(self, normalize: bool) -> None:
        n_players = len(self.layers) * self.n_heads
        self.empty_value = float(self._values(np.zeros((1, n_players), dtype=bool))[0])
        super().__init__(
            n_players=n_players,
            normalize=normalize,
            normalization_value=self.empty_value,
            verbose=False,
        )

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """Answer log-probabilities with the heads outside each coalition ablated."""
        coalitions = np.asarray(coalitions, dtype=bool)
        if coalitions.ndim == 1:
            coalitions = coalitions[None, :]
        unique, inverse = np.unique(coalitions, axis=0, return_inverse=True)
        return self._values(unique)[inverse.reshape(-1)]

    def _next_token_logprobs(self, coalition: np.ndarray) -> np.ndarray:
        """``(n_prompts, vocab)`` next-token log-probabilities after each prompt."""
        raise NotImplementedError

    def top1_accuracy(self, coalition: np.ndarray) -> float:
        """Share of prompts whose answer's first token is the most likely next token.

        Args:
            coalition: ``(n_players,)`` booleans, True = the head is kept (the other player
                heads are ablated, as in the game).

        Returns:
            The top-1 accuracy of the task's first answer tokens, in ``[0, 1]``.

        Raises:
            ValueError: ``coalition`` has the wrong shape.
        """
        keep = np.asarray(coalition, dtype=bool)
        if keep.shape != (self.n_players,):
            msg = f"coalition must have shape ({self.n_players},), got {keep.shape}."
            raise ValueError(msg)
        log_probs = self._next_token_logprobs(keep)
        first = np.array([ids[0] for ids in self.answer_ids])
        return float(np.mean(log_probs.argmax(axis=1) == first))

    def player_head(self, player: int) -> tuple[int, int]:
        """``(layer, head)`` of a player index."""
        total = len(self.layers) * self.n_heads
        if not 0 <= int(player) < total:
            msg = f"player must lie in [0, {total}), got {player}."
            raise ValueError(msg)
        position, head = divmod(int(player), self.n_heads)
        return self.layers[position], head


class HeadAblationGame(_HeadPlayers):
    """``v(S)`` = answer log-probability with the attention heads outside ``S`` zeroed.

    Args:
        lm: The language model (default: the shared SmolLM2-135M-Instruct).
        task: ``(prompt, answer)`` pairs; each answer is tokenized on its own and scored after
            its prompt (default: :data:`CAPITALS_TASK`).
        reduction: Combine the prompts' answer log-probabilities by ``"mean"`` or ``"sum"``.
        batch_size: Coalitions per batched forward pass.
        normalize: Subtract ``v(∅)`` (all heads ablated), shapiq's convention.
        layers: Layers whose heads are the players (default: all); the heads of the other
            layers are always kept. With ``layers=range(20, 30)`` there are 90 players and
            random coalitions leave a working model (ablating half of all 270 heads does not).

    Attributes:
        prompt_ids: Token ids of the prompts.
        answer_ids: Token ids of the answers.
        empty_value: ``v(∅)`` before normalization.

    Raises:
        TypeError: ``lm`` is not a LanguageModel, or a prompt/answer is not a str.
        ValueError: The task is empty, an answer is empty, or an argument is out of range.
    """

    def __init__(
        self,
        lm: LanguageModel | None = None,
        task: Sequence[tuple[str, str]] = CAPITALS_TASK,
        *,
        reduction: Literal["mean", "sum"] = "mean",
        batch_size: int = 16,
        normalize: bool = True,
        layers: Sequence[int] | None = None,
    ) -> None:
        from ..engines.numpy import LanguageModel, load_language_model

        if lm is None:
            lm = load_language_model()
        if not isinstance(lm, LanguageModel):
            msg = f"lm must be a LanguageModel or None, got {type(lm).__name__}."
            raise TypeError(msg)
        if isinstance(task, str) or not isinstance(task, Sequence):
            msg = f"task must be a sequence of (prompt, answer) pairs, got {type(task).__name__}."
            raise TypeError(msg)
        task = list(task)
        if not task:
            msg = "task must hold at least one (prompt, answer) pair."
            raise ValueError(msg)
        for pair in task:
            if isinstance(pair, str) or not isinstance(pair, Sequence):
                msg = f"task must hold (prompt, answer) pairs, got {type(pair).__name__}."
                raise TypeError(msg)
            if len(pair) != 2:
                msg = f"task must hold (prompt, answer) pairs, got {len(pair)} items: {pair!r}."
                raise ValueError(msg)
            if not all(isinstance(x, str) for x in pair):
                msg = f"task must hold (prompt, answer) pairs of str, got {pair!r}."
                raise TypeError(msg)
        reduction = check_choice(reduction, "reduction", ("mean", "sum"))
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        normalize = check_bool(normalize, "normalize")
        if layers is None:
            layers = range(lm.n_layers)
        if isinstance(layers, str) or not isinstance(layers, Sequence | range | np.ndarray):
            msg = f"layers must be a sequence of layer indices, got {type(layers).__name__}."
            raise TypeError(msg)
        layers = [check_int(layer, "layers") for layer in layers]
        if not layers or len(set(layers)) != len(layers):
            msg = f"layers must be distinct layer indices, got {layers!r}."
            raise ValueError(msg)
        if not all(0 <= layer < lm.n_layers for layer in layers):
            msg = f"layers must lie in [0, {lm.n_layers}), got {layers!r}."
            raise ValueError(msg)
        self.layers = sorted(layers)
        self.lm = lm
        self.task = task
        self.reduction = reduction
        self.batch_size = batch_size
        self.prompt_ids = [lm.encode(p) for p, _ in task]
        self.answer_ids = [lm.encode(a) for _, a in task]
        if any(not p for p in self.prompt_ids) or any(not a for a in self.answer_ids):
            msg = "prompts and answers must not be empty."
            raise ValueError(msg)
        # Shared prefix: the tokens common to all prompts, minus one, are cached per coalition;
        # the last shared token starts every prompt's own input so it predicts the next token.
        shared = _common_prefix_length(self.prompt_ids)
        self._cached = max(shared - 1, 0)
        self._prefix_tokens = np.asarray(self.prompt_ids[0][: self._cached], dtype=np.int64)
        self._inputs = [
            p[self._cached :] + a[:-1]
            for p, a in zip(self.prompt_ids, self.answer_ids, strict=True)
        ]
        self.n_heads = lm.n_heads
        self._start(normalize)

    def _values(self, coalitions: np.ndarray) -> np.ndarray:
        lm = self.lm
        n_prompts = len(self._inputs)
        masks = np.ones((coalitions.shape[0], lm.n_layers, lm.n_heads), dtype=np.float32)
        masks[:, self.layers, :] = coalitions.reshape(-1, len(self.layers), lm.n_heads)
        out = np.empty(masks.shape[0])
        with lm.blas_context():
            for lo in range(0, masks.shape[0], self.batch_size):
                chunk = masks[lo : lo + self.batch_size]
                cache = None
                if self._cached:
                    tokens = np.tile(self._prefix_tokens, (chunk.shape[0], 1))
                    cache = lm.model.forward(tokens, head_mask=chunk, return_cache=True).cache
                    cache = cache.repeat(n_prompts)
                row_masks = np.repeat(chunk, n_prompts, axis=0)
                log_probs = self._score(row_masks, cache, n_prompts)
                per_coalition = log_probs.reshape(chunk.shape[0], n_prompts)
                reduce = np.mean if self.reduction == "mean" else np.sum
                out[lo : lo + chunk.shape[0]] = reduce(per_coalition, axis=1)
        return out

    def _next_token_logprobs(self, coalition: np.ndarray) -> np.ndarray:
        head_mask = np.ones((self.lm.n_layers, self.n_heads), dtype=np.float32)
        head_mask[self.layers] = coalition.reshape(len(self.layers), self.n_heads)
        return self.lm.next_token_logprobs(self.prompt_ids, head_mask=head_mask)

    def _score(self, row_masks: np.ndarray, cache: KVCache | None, n_prompts: int) -> np.ndarray:
        """Summed answer log-probs of rows ``coalition * n_prompts + prompt``."""
        lm = self.lm
        rows = row_masks.shape[0]
        lengths = np.array([len(x) for x in self._inputs])
        width = int(lengths.max())
        tokens = np.full((n_prompts, width), lm.pad_id, dtype=np.int64)
        attention = np.zeros((n_prompts, width), dtype=bool)
        for i, ids in enumerate(self._inputs):
            tokens[i, : len(ids)] = ids
            attention[i, : len(ids)] = True
        n_coalitions = rows // n_prompts
        hidden = lm.model.forward(
            np.tile(tokens, (n_coalitions, 1)),
            attention_mask=np.tile(attention, (n_coalitions, 1)),
            cache=cache,
            head_mask=row_masks,
        ).hidden
        counts = np.array([len(a) for a in self.answer_ids])
        row_index = np.repeat(np.arange(rows), np.tile(counts, n_coalitions))
        positions = np.concatenate(
            [np.arange(e - c, e) for e, c in zip(lengths, counts, strict=True)]
        )
        targets = np.concatenate(self.answer_ids).astype(np.int64)
        log_probs = lm.model.log_probs(hidden[row_index, np.tile(positions, n_coalitions)])
        picked = log_probs[np.arange(row_index.size), np.tile(targets, n_coalitions)]
        starts = np.r_[0, np.cumsum(np.tile(counts, n_coalitions))[:-1]]
        return np.add.reduceat(picked.astype(np.float64), starts)

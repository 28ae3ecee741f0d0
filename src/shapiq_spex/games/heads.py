"""Attention-head attribution: players are the heads of the LLM, absent heads are zeroed.

``v(S)`` is the log-probability the model gives the correct answers of a small task (averaged or
summed over its prompts) when every attention head outside ``S`` is ablated: its output is
multiplied by 0 before the layer's output projection. With SmolLM2-135M there are
``30 x 9 = 270`` players; player ``p`` is head ``p % 9`` of layer ``p // 9`` (with ``layers``,
of the ``p // 9``-th listed layer).

The game runs on any :class:`~shapiq_spex.engines.base.Engine` (its ``head_mask``):
:class:`HeadAblationGame` takes the engine, by default the numpy SmolLM2;
:class:`TransformersHeadAblationGame` builds the ``transformers`` engine of the user's own
model (torch is imported then, never when this module is imported).

Cost. A head mask changes the residual stream from the first ablated head on, so every distinct
coalition needs its own forward pass through all layers: per coalition, ``P + sum_i L_i`` token
positions go through the blocks, where ``P + 1`` is the length of the token prefix shared by
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
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from shapiq import Game

from .._validation import check_bool, check_choice, check_int, check_texts
from ..engines.base import Engine, check_engine

if TYPE_CHECKING:
    import torch

__all__ = ["CAPITALS_TASK", "HeadAblationGame", "TransformersHeadAblationGame"]

CAPITALS_TASK: tuple[tuple[str, str], ...] = (
    ("The capital of France is", " Paris"),
    ("The capital of Germany is", " Berlin"),
    ("The capital of Italy is", " Rome"),
    ("The capital of Spain is", " Madrid"),
)
"""Default task: (prompt, answer) pairs of a factual recall task."""


class HeadAblationGame(Game):
    """``v(S)`` = answer log-probability with the attention heads outside ``S`` zeroed.

    Args:
        engine: The language model, any :class:`~shapiq_spex.engines.base.Engine` (default:
            the shared numpy SmolLM2-135M-Instruct).
        task: ``(prompt, answer)`` pairs; each answer is tokenized on its own and scored after
            its prompt (the sum of its tokens' log-probabilities; default:
            :data:`CAPITALS_TASK`). Leading special tokens of the engine's tokenizer (e.g.
            BOS) start each prompt.
        reduction: Combine the prompts' answer log-probabilities by ``"mean"`` or ``"sum"``.
        batch_size: Coalitions per batched forward pass (each runs every prompt).
        normalize: Subtract ``v(∅)`` (all players' heads ablated), shapiq's convention.
        layers: Layers whose heads are the players (default: all); the heads of the other
            layers are always kept. With ``layers=range(20, 30)`` there are 90 players and
            random coalitions leave a working model (ablating half of all 270 heads does not).
        lm: The former name of ``engine`` (keyword only; give one of the two).

    Attributes:
        engine: The engine (also ``lm``).
        layers: The players' layers, sorted.
        n_heads: Heads per layer.
        prompt_ids: Token ids of the prompts.
        answer_ids: Token ids of the answers.
        empty_value: ``v(∅)`` before normalization.

    Raises:
        TypeError: ``engine`` or ``lm`` is not an Engine, ``task`` not a sequence of pairs of
            str, ``reduction`` not a str, ``batch_size`` not an integer, ``normalize`` not a
            bool, ``layers`` not a sequence of integers, or the engine's architecture has no
            head masks.
        ValueError: Both ``engine`` and ``lm`` are given, the task is empty, a pair does not
            have two items, an answer is empty, or an argument is out of range.
    """

    def __init__(
        self,
        engine: Engine | None = None,
        task: Sequence[tuple[str, str]] = CAPITALS_TASK,
        *,
        reduction: Literal["mean", "sum"] = "mean",
        batch_size: int = 16,
        normalize: bool = True,
        layers: Sequence[int] | None = None,
        lm: Engine | None = None,
    ) -> None:
        engine = _check_engine(engine, lm)
        task = _check_pairs(task)
        reduction = check_choice(reduction, "reduction", ("mean", "sum"))
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        normalize = check_bool(normalize, "normalize")
        self.n_heads = engine.n_heads
        self.layers = _check_layers(layers, engine.n_layers)
        self.engine = self.lm = engine
        self.task = task
        self.reduction = reduction
        leading = list(engine.leading_ids)
        self.prompt_ids = [leading + engine.encode(p) for p, _ in task]
        self.answer_ids = [engine.encode(a) for _, a in task]
        if any(not p for p in self.prompt_ids) or any(not a for a in self.answer_ids):
            msg = "prompts and answers must not be empty (each needs at least one token)."
            raise ValueError(msg)
        # Shared prefix: the tokens common to all prompts are a prefix cache per coalition (all
        # but its last token cached; that token starts every prompt's own row).
        shared = _common_prefix_length(self.prompt_ids)
        self._cached = max(shared - 1, 0)
        self._shared = self.prompt_ids[0][:shared] if self._cached else []
        self._contexts = [p[len(self._shared) :] for p in self.prompt_ids]
        n_players = len(self.layers) * self.n_heads
        self.empty_value = float(self._values(np.zeros((1, n_players), dtype=bool))[0])
        super().__init__(
            n_players=n_players,
            normalize=normalize,
            normalization_value=self.empty_value,
            verbose=False,
        )

    def _head_masks(self, coalitions: np.ndarray) -> np.ndarray:
        """``(m, n_layers, n_heads)`` masks: the players' heads from the coalitions, others 1."""
        masks = np.ones((coalitions.shape[0], self.engine.n_layers, self.n_heads), np.float32)
        masks[:, self.layers, :] = coalitions.reshape(-1, len(self.layers), self.n_heads)
        return masks

    def _values(self, coalitions: np.ndarray) -> np.ndarray:
        n_prompts = len(self._contexts)
        masks = self._head_masks(coalitions)
        reduce = np.mean if self.reduction == "mean" else np.sum
        out = np.empty(masks.shape[0])
        for lo in range(0, masks.shape[0], self.batch_size):
            chunk = masks[lo : lo + self.batch_size]
            row_masks = np.repeat(chunk, n_prompts, axis=0)  # row = coalition * n_prompts + prompt
            prefix = None
            if self._cached:
                prefix = self.engine.prefix_cache(self._shared, head_mask=chunk).repeat(n_prompts)
            sums = self.engine.continuation_logprobs(
                self._contexts * chunk.shape[0],
                self.answer_ids * chunk.shape[0],
                prefix=prefix,
                head_mask=row_masks,
                batch_size=row_masks.shape[0],
            )
            out[lo : lo + chunk.shape[0]] = reduce(sums.reshape(-1, n_prompts), axis=1)
        return out

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """Answer log-probabilities with the heads outside each coalition ablated."""
        coalitions = np.asarray(coalitions, dtype=bool)
        if coalitions.ndim == 1:
            coalitions = coalitions[None, :]
        unique, inverse = np.unique(coalitions, axis=0, return_inverse=True)
        return self._values(unique)[inverse.reshape(-1)]

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
        log_probs = self.engine.next_token_logprobs(
            self.prompt_ids, head_mask=self._head_masks(keep[None])[0], batch_size=self.batch_size
        )
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


class TransformersHeadAblationGame(HeadAblationGame):
    """:class:`HeadAblationGame` of the user's own ``transformers`` causal LM.

    Builds a :class:`~shapiq_spex.engines.torch.TransformersEngine` (heads are ablated by
    forward pre-hooks on the attention output projections, see
    :mod:`shapiq_spex.engines.torch.engine`) and plays :class:`HeadAblationGame` on it. Player
    ``p`` is head ``p % n_heads`` of the ``p // n_heads``-th layer of ``layers``.

    Args:
        model: A ``transformers`` causal LM of a supported architecture (the Llama family and
            GPT-2). It is put in eval mode and moved to ``device``.
        tokenizer: Its tokenizer. Leading special tokens it adds (e.g. BOS) start each prompt.
        prompts: The prompts.
        answers: One answer per prompt (e.g. ``" Paris"``).
        layers: Layers whose heads are the players (default: all); the other layers' heads
            are always kept.
        reduction: Combine the prompts' answer log-probabilities by ``"mean"`` or ``"sum"``.
        batch_size: Coalitions per batched forward pass (each runs every prompt).
        normalize: Subtract ``v(∅)`` (all players' heads ablated), shapiq's convention.
        device: Torch device (default: CUDA when present, else the CPU).

    Attributes:
        model: The model.
        tokenizer: The tokenizer.
        device: Where the model runs.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: The architecture is unsupported, ``prompts``/``answers`` are not lists of
            str, or another argument has the wrong type (as in :class:`HeadAblationGame`).
        ValueError: No prompt, lengths differ, an answer is empty, or an argument is out of
            range.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        prompts: Sequence[str],
        answers: Sequence[str],
        *,
        layers: Sequence[int] | None = None,
        reduction: Literal["mean", "sum"] = "mean",
        batch_size: int = 16,
        normalize: bool = True,
        device: str | torch.device | None = None,
    ) -> None:
        from ..engines.torch.engine import TransformersEngine

        prompts, answers = _check_task(prompts, answers)
        engine = TransformersEngine(model, tokenizer, device=device)
        self.model = model
        self.tokenizer = tokenizer
        self.device = engine.device
        super().__init__(
            engine,
            list(zip(prompts, answers, strict=True)),
            reduction=reduction,
            batch_size=batch_size,
            normalize=normalize,
            layers=layers,
        )


def _check_engine(engine: Engine | None, lm: Engine | None) -> Engine:
    """The engine given as ``engine`` or ``lm``, else the shared numpy SmolLM2."""
    for name, value in (("engine (lm)", engine), ("lm", lm)):  # positional callers said lm
        if value is not None:
            check_engine(value, name)
    if engine is not None and lm is not None:
        msg = "give the engine as engine or as lm, not both."
        raise ValueError(msg)
    engine = lm if engine is None else engine
    if engine is None:
        from ..engines.numpy import load_language_model

        engine = load_language_model()
    return engine


def _check_pairs(task: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
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
    return [(pair[0], pair[1]) for pair in task]


def _check_task(prompts: Sequence[str], answers: Sequence[str]) -> tuple[list[str], list[str]]:
    pairs = [check_texts(prompts, "prompts"), check_texts(answers, "answers")]
    if not pairs[0] or len(pairs[0]) != len(pairs[1]):
        msg = (
            f"prompts and answers must be non-empty and as many; got {len(pairs[0])} prompts "
            f"and {len(pairs[1])} answers."
        )
        raise ValueError(msg)
    return pairs[0], pairs[1]


def _check_layers(layers: Sequence[int] | None, n_layers: int) -> list[int]:
    if layers is None:
        return list(range(n_layers))
    if isinstance(layers, str) or not isinstance(layers, Sequence | range | np.ndarray):
        msg = f"layers must be a sequence of layer indices, got {type(layers).__name__}."
        raise TypeError(msg)
    chosen = [check_int(layer, "layers") for layer in layers]
    if not chosen or len(set(chosen)) != len(chosen):
        msg = f"layers must be distinct layer indices, got {chosen!r}."
        raise ValueError(msg)
    if not all(0 <= layer < n_layers for layer in chosen):
        msg = f"layers must lie in [0, {n_layers}), got {chosen!r}."
        raise ValueError(msg)
    return sorted(chosen)


def _common_prefix_length(rows: list[list[int]]) -> int:
    shortest = min(len(r) for r in rows)
    for i in range(shortest):
        if any(r[i] != rows[0][i] for r in rows):
            return i
    return shortest

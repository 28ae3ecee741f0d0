"""Attention-head attribution for the user's own ``transformers`` causal LM.

The same game as :class:`~shapiq_spex.games.HeadAblationGame` (players are attention heads,
``v(S)`` is the answers' log-probability with the heads outside ``S`` ablated), on a Hugging Face
model. A head is ablated by a forward pre-hook on its layer's attention output projection that
multiplies the head's slice of the projection's input by 0: ``o_proj`` in the Llama family
(Llama, Qwen, Mistral, Gemma, ... : ``model.layers[i].self_attn.o_proj``) and ``c_proj`` in
GPT-2 (``transformer.h[i].attn.c_proj``). The projection's bias, if any, stays: ablating every
head of a layer leaves that layer's attention output equal to the bias (zero in the Llama
family), exactly what zeroing the projection's weight gives. The hooks exist only during a game
call and are removed even when it fails.

Rows ``coalition x prompt`` run ``batch_size`` coalitions at a time, left-padded with explicit
positions and an attention mask; only the answer-predicting positions get logits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..._validation import check_bool, check_choice, check_int
from ...games.heads import _HeadPlayers
from ._runtime import (
    continuation_logprobs,
    encode,
    import_torch,
    leading_special_ids,
    next_token_logprobs,
    pad_id_of,
    prepare_model,
    require_tokenizer,
)

if TYPE_CHECKING:
    import torch

__all__ = ["TransformersHeadAblationGame"]

_SUPPORTED = (
    "Llama-family models with model.layers[i].self_attn.o_proj (Llama, Qwen, Mistral, ...) "
    "and GPT-2 (transformer.h[i].attn.c_proj)"
)


def _projections(model: Any) -> tuple[list[Any], int, int]:
    """The attention output projections of every layer, heads per layer and head width."""
    config = model.config
    layers = getattr(getattr(model, "model", None), "layers", None)
    blocks = getattr(getattr(model, "transformer", None), "h", None)
    if layers is not None and all(hasattr(getattr(b, "self_attn", None), "o_proj") for b in layers):
        modules = [block.self_attn.o_proj for block in layers]
        n_heads = config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // n_heads
        width = getattr(modules[0], "in_features", None)
    elif blocks is not None and all(hasattr(getattr(b, "attn", None), "c_proj") for b in blocks):
        modules = [block.attn.c_proj for block in blocks]
        n_heads = config.n_head
        head_dim = config.n_embd // n_heads
        width = modules[0].weight.shape[0]  # GPT-2's Conv1D stores (in, out)
    else:
        msg = f"model ({type(model).__name__}) is not supported; supported: {_SUPPORTED}."
        raise TypeError(msg)
    if not modules or width != n_heads * head_dim:
        msg = (
            f"model ({type(model).__name__}): the attention output projection takes {width} "
            f"features, not heads x head_dim = {n_heads} x {head_dim}."
        )
        raise TypeError(msg)
    return modules, n_heads, head_dim


class TransformersHeadAblationGame(_HeadPlayers):
    """``v(S)`` = answer log-probability with the attention heads outside ``S`` ablated.

    Semantics of :class:`~shapiq_spex.games.HeadAblationGame`: each answer is tokenized on its
    own and scored after its prompt (the sum of its tokens' log-probabilities), and the prompts'
    values are combined by ``reduction``. Player ``p`` is head ``p % n_heads`` of the
    ``p // n_heads``-th layer of ``layers``.

    Args:
        model: A ``transformers`` causal LM of a supported architecture (see the module
            docstring). It is put in eval mode and moved to ``device``.
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
        layers: The players' layers, sorted.
        n_heads: Heads per layer.
        prompt_ids: Token ids of the prompts.
        answer_ids: Token ids of the answers.
        empty_value: ``v(∅)`` before normalization.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: The architecture is unsupported, or a prompt/answer is not a str.
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
        import_torch()
        require_tokenizer(tokenizer)
        prompts, answers = _check_task(prompts, answers)
        reduction = check_choice(reduction, "reduction", ("mean", "sum"))
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        check_bool(normalize, "normalize")
        self.device = prepare_model(model, device)  # first: it checks that model is a module
        self._modules, self.n_heads, self._head_dim = _projections(model)
        self.layers = _check_layers(layers, len(self._modules))
        self.model = model
        self.tokenizer = tokenizer
        self.reduction = reduction
        special = leading_special_ids(tokenizer)
        self.prompt_ids = [special + encode(tokenizer, p) for p in prompts]
        self.answer_ids = [encode(tokenizer, a) for a in answers]
        if any(not p for p in self.prompt_ids) or any(not a for a in self.answer_ids):
            msg = "prompts and answers must not be empty (each needs at least one token)."
            raise ValueError(msg)
        self._inputs = [p + a[:-1] for p, a in zip(self.prompt_ids, self.answer_ids, strict=True)]
        self._pad_id = pad_id_of(tokenizer, model)
        self._scales: Any = None  # (rows in the batch, n_layers of players, n_heads)
        self._start(normalize)

    @contextmanager
    def _hooks(self) -> Iterator[None]:
        """Pre-hooks scaling each head's slice of the projections' input by ``_scales``."""

        def make_hook(position: int) -> Any:
            def hook(module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
                x = args[0]  # (batch, length, n_heads * head_dim), heads contiguous
                scale = self._scales[:, position, :].to(dtype=x.dtype)
                scale = scale.repeat_interleave(self._head_dim, dim=-1)[:, None, :]
                return (x * scale, *args[1:])

            return hook

        handles = [
            self._modules[layer].register_forward_pre_hook(make_hook(position))
            for position, layer in enumerate(self.layers)
        ]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()
            self._scales = None

    def _values(self, coalitions: np.ndarray) -> np.ndarray:
        torch = import_torch()
        n_prompts = len(self._inputs)
        masks = coalitions.reshape(-1, len(self.layers), self.n_heads).astype(np.float32)
        reduce = np.mean if self.reduction == "mean" else np.sum
        out = np.empty(masks.shape[0])
        with self._hooks():
            for lo in range(0, masks.shape[0], self.batch_size):
                chunk = masks[lo : lo + self.batch_size]
                row_masks = torch.from_numpy(np.repeat(chunk, n_prompts, axis=0)).to(self.device)

                def select(rows: np.ndarray, row_masks: Any = row_masks) -> None:
                    self._scales = row_masks[torch.from_numpy(rows).to(self.device)]

                log_probs = continuation_logprobs(
                    self.model,
                    self._inputs * chunk.shape[0],
                    self.answer_ids * chunk.shape[0],
                    pad_id=self._pad_id,
                    device=self.device,
                    batch_size=chunk.shape[0] * n_prompts,
                    before_batch=select,
                )
                sums = np.array([row.sum() for row in log_probs]).reshape(-1, n_prompts)
                out[lo : lo + chunk.shape[0]] = reduce(sums, axis=1)
        return out

    def _next_token_logprobs(self, coalition: np.ndarray) -> np.ndarray:
        torch = import_torch()
        scale = coalition.reshape(1, len(self.layers), self.n_heads).astype(np.float32)
        scale = torch.from_numpy(scale).to(self.device)

        def select(rows: np.ndarray) -> None:
            self._scales = scale.expand(rows.size, -1, -1)

        with self._hooks():
            return next_token_logprobs(
                self.model,
                self.prompt_ids,
                pad_id=self._pad_id,
                device=self.device,
                batch_size=self.batch_size,
                before_batch=select,
            )


def _check_task(prompts: Sequence[str], answers: Sequence[str]) -> tuple[list[str], list[str]]:
    pairs = []
    for name, values in (("prompts", prompts), ("answers", answers)):
        if isinstance(values, str) or not isinstance(values, Sequence):
            msg = f"{name} must be a sequence of str, got {type(values).__name__}."
            raise TypeError(msg)
        if not all(isinstance(v, str) for v in values):
            msg = f"{name} must hold str only."
            raise TypeError(msg)
        pairs.append(list(values))
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
    if isinstance(layers, str) or not isinstance(layers, Sequence | range):
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

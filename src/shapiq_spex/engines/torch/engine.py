"""The ``transformers`` engine: the user's own Hugging Face causal LM as an :class:`Engine`.

Rows are run ``batch_size`` at a time, sorted by length and padded on the left with explicit
position ids (each real token keeps the position it has in its own unpadded row) and an
attention mask that hides the padding; the last ``k`` positions of every row then hold all
scored positions, so only their logits are computed (``logits_to_keep``). A shared prompt prefix
is run once and its key/value cache copied to every batch.

Head ablation: a forward pre-hook on a layer's attention output projection multiplies each
head's slice of the projection's input by its mask value: ``o_proj`` in the Llama family (Llama,
Qwen, Mistral, Gemma, ... : ``model.layers[i].self_attn.o_proj``) and ``c_proj`` in GPT-2
(``transformer.h[i].attn.c_proj``). The projection's bias, if any, stays: ablating every head of
a layer leaves that layer's attention output equal to the bias (zero in the Llama family),
exactly what zeroing the projection's weight gives. The hooks exist only during a call that has
a head mask and are removed even when it fails.

torch is imported when an engine is built, never when this module is imported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._validation import check_int
from ..base import LogprobEngine, PrefixCache, Rows, check_head_mask, check_length, check_prefix
from ._runtime import (
    accepts,
    encode,
    import_torch,
    leading_special_ids,
    pad_id_of,
    prepare_model,
    require_tokenizer,
)

if TYPE_CHECKING:
    import torch

__all__ = ["TransformersEngine"]

_SUPPORTED = (
    "Llama-family models with model.layers[i].self_attn.o_proj (Llama, Qwen, Mistral, ...) "
    "and GPT-2 (transformer.h[i].attn.c_proj)"
)


class TransformersEngine(LogprobEngine):
    """A ``transformers`` model and its tokenizer as an :class:`~shapiq_spex.engines.base.Engine`.

    Args:
        model: A ``transformers`` model; it is put in eval mode and moved to ``device``. The
            scoring methods need a causal LM (``AutoModelForCausalLM``); head masks need a
            supported architecture (see the module docstring).
        tokenizer: Its tokenizer.
        device: Torch device (default: CUDA when present, else the CPU).
        batch_size: Default rows per forward pass.

    Attributes:
        model: The model.
        tokenizer: The tokenizer.
        device: Where the model's inputs go.
        pad_id: The id written at padded positions (they are masked).

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: ``model`` is not a torch module, or ``tokenizer`` not a transformers
            tokenizer.
        ValueError: ``device`` or ``batch_size`` is invalid.

    Example:
        >>> from transformers import AutoModelForCausalLM, AutoTokenizer
        >>> name = "HuggingFaceTB/SmolLM2-135M-Instruct"
        >>> engine = TransformersEngine(
        ...     AutoModelForCausalLM.from_pretrained(name), AutoTokenizer.from_pretrained(name)
        ... )  # doctest: +SKIP
        >>> engine.continuation_logprobs(["The capital of France is"], [" Paris"])  # doctest: +SKIP
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        device: str | torch.device | None = None,
        batch_size: int = 16,
    ) -> None:
        import_torch()
        require_tokenizer(tokenizer)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.device = prepare_model(model, device)
        self.model = model
        self.tokenizer = tokenizer
        self.pad_id = pad_id_of(tokenizer, model)
        self._leading: tuple[int, ...] | None = None
        self._heads: tuple[list[Any], int, int] | None = None

    # ------------------------------------------------------------------ model facts
    @property
    def vocab_size(self) -> int:
        """Number of tokens."""
        return int(self.model.config.vocab_size)

    @property
    def max_length(self) -> int | None:
        """The model's positions (``max_position_embeddings`` or ``n_positions``), if known."""
        config = self.model.config
        for name in ("max_position_embeddings", "n_positions"):
            value = getattr(config, name, None)
            if isinstance(value, int):
                return value
        return None

    @property
    def leading_ids(self) -> tuple[int, ...]:
        """Ids the tokenizer puts before a text (e.g. BOS or CLS), without those it appends."""
        if self._leading is None:
            self._leading = tuple(leading_special_ids(self.tokenizer))
        return self._leading

    @property
    def n_layers(self) -> int:
        """Transformer blocks (a ``TypeError`` for an architecture without head masks)."""
        return len(self._projections()[0])

    @property
    def n_heads(self) -> int:
        """Attention heads per block (a ``TypeError`` as :attr:`n_layers`)."""
        return self._projections()[1]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` alone, without special tokens."""
        return encode(self.tokenizer, text)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of several texts (as :meth:`encode` on each)."""
        return [encode(self.tokenizer, text) for text in texts]

    def chat_prompt(self, user: str, *, system: str | None = None) -> str | None:
        """The tokenizer's chat prompt for one user turn (``None`` without a chat template).

        A chat template that rejects a system message gets it in front of the user's.
        """
        if not getattr(self.tokenizer, "chat_template", None):
            return None
        messages = [{"role": "user", "content": user}]
        if system is not None:
            messages.insert(0, {"role": "system", "content": system})
        try:
            return self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        except Exception:  # some chat templates reject a system message (a jinja2 error)
            if system is None:
                raise
            merged = [{"role": "user", "content": f"{system}\n\n{user}"}]
            return self.tokenizer.apply_chat_template(
                merged, tokenize=False, add_generation_prompt=True
            )

    # ------------------------------------------------------------------ the engine's part
    def _prefix_kv(self, ids: list[int], head_mask: np.ndarray | None) -> _KeysValues:
        """Keys/values of ``ids``: one row, or one per row of a 3-D head mask."""
        torch = import_torch()
        masks = None if head_mask is None else np.asarray(head_mask, dtype=np.float32)
        rows = 1 if masks is None or masks.ndim == 2 else masks.shape[0]
        argument = "cache" if accepts(self.model, "cache") else "past_key_values"
        tokens = torch.tensor([list(ids)] * rows, dtype=torch.long, device=self.device)
        with torch.inference_mode(), self._ablation(masks) as select:
            select(np.arange(rows))
            out = self.model(input_ids=tokens, use_cache=True)
        cache = out[argument] if argument in out else out["past_key_values"]
        return _KeysValues(cache, argument, len(ids), rows)

    def _run(
        self, job: Rows, prefix: PrefixCache | None, head_mask: np.ndarray | None, batch_size: int
    ) -> list[np.ndarray]:
        """Forward the rows in sorted, left-padded batches and read log-probabilities."""
        torch = import_torch()
        inputs, targets, candidates = job.inputs, job.targets, job.candidates
        masks = check_head_mask(head_mask, len(inputs))
        check_prefix(prefix, masks, len(inputs))
        kv = None if prefix is None else prefix.cache
        past = 0 if kv is None else kv.length
        lengths = job.lengths
        check_length(past + int(lengths.max(initial=0)), self.max_length)
        counts = np.asarray(job.n_scored)
        chosen = None if candidates is None else torch.from_numpy(candidates).to(self.device)
        order = np.argsort(lengths, kind="stable")
        keep_logits = accepts(self.model, "logits_to_keep")
        results: list[np.ndarray] = [np.zeros(0)] * len(inputs)
        with torch.inference_mode(), self._ablation(masks) as select:
            for lo in range(0, len(order), batch_size):
                rows = order[lo : lo + batch_size]
                width = int(lengths[rows].max())
                ids = np.full((rows.size, width), self.pad_id, dtype=np.int64)
                mask = np.zeros((rows.size, width), dtype=np.int64)
                for i, r in enumerate(rows):
                    ids[i, width - lengths[r] :] = inputs[r]
                    mask[i, width - lengths[r] :] = 1
                positions = past + np.maximum(np.cumsum(mask, axis=1) - 1, 0)
                attention = np.concatenate(
                    [np.ones((rows.size, past), dtype=np.int64), mask], axis=1
                )
                keep = int(counts[rows].max())
                kwargs: dict[str, Any] = {
                    "input_ids": torch.from_numpy(ids).to(self.device),
                    "attention_mask": torch.from_numpy(attention).to(self.device),
                    "position_ids": torch.from_numpy(positions).to(self.device),
                    "use_cache": kv is not None,
                }
                if kv is not None:
                    kwargs[kv.argument] = kv.for_rows(rows)
                if keep_logits:
                    kwargs["logits_to_keep"] = keep
                select(rows)
                logits = self.model(**kwargs).logits[:, -keep:, :]
                log_probs = torch.log_softmax(logits.float(), dim=-1)
                if targets is None:
                    last = log_probs[:, -1, :]
                    last = last if chosen is None else last.index_select(-1, chosen)
                    for r, row in zip(rows, last.double().cpu().numpy(), strict=True):
                        results[r] = row
                    continue
                wanted = np.zeros((rows.size, keep), dtype=np.int64)
                for i, r in enumerate(rows):
                    wanted[i, keep - counts[r] :] = targets[r]
                index = torch.from_numpy(wanted).to(log_probs.device)[..., None]
                picked = log_probs.gather(-1, index)[..., 0].double().cpu().numpy()
                for i, r in enumerate(rows):
                    results[r] = picked[i, keep - counts[r] :]
        return results

    # ------------------------------------------------------------------ head ablation
    def _projections(self) -> tuple[list[Any], int, int]:
        """The attention output projections of every layer, heads per layer and head width."""
        if self._heads is None:
            self._heads = _projections(self.model)
        return self._heads

    @contextmanager
    def _ablation(self, masks: np.ndarray | None) -> Iterator[Callable[[np.ndarray], None]]:
        """Hooks applying ``masks`` (all rows' or one per row); yields ``select(rows)``.

        ``select(rows)`` sets the masks of the next forward pass to those of the given rows.
        Only layers that some mask changes get a hook.
        """
        if masks is None:
            yield lambda rows: None
            return
        torch = import_torch()
        modules, n_heads, head_dim = self._projections()
        if masks.shape[-2:] != (len(modules), n_heads):
            msg = f"head_mask must end in ({len(modules)}, {n_heads}), got {masks.shape}."
            raise ValueError(msg)
        scales = torch.from_numpy(masks).to(self.device)
        state: dict[str, Any] = {}

        def select(rows: np.ndarray) -> None:
            if scales.ndim == 2:
                state["scales"] = scales.expand(rows.size, -1, -1)
            else:
                state["scales"] = scales[torch.from_numpy(np.asarray(rows)).to(self.device)]

        def make_hook(layer: int) -> Any:
            def hook(module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
                x = args[0]  # (batch, length, n_heads * head_dim), heads contiguous
                scale = state["scales"][:, layer, :].to(dtype=x.dtype)
                scale = scale.repeat_interleave(head_dim, dim=-1)[:, None, :]
                return (x * scale, *args[1:])

            return hook

        changed = np.flatnonzero((masks.reshape(-1, len(modules), n_heads) != 1).any(axis=(0, 2)))
        handles = [modules[layer].register_forward_pre_hook(make_hook(layer)) for layer in changed]
        try:
            yield select
        finally:
            for handle in handles:
                handle.remove()


class _KeysValues:
    """A ``transformers`` key/value cache of a prefix, copied for every batch that uses it."""

    def __init__(self, cache: Any, argument: str, length: int, rows: int) -> None:
        self._cache = cache
        self.argument = argument  # transformers 5.x names it ``cache``; older, past_key_values
        self.length = length
        self.batch_size = rows

    def repeat(self, repeats: int) -> _KeysValues:
        """Each row repeated ``repeats`` times."""
        cache = copy.deepcopy(self._cache)
        cache.batch_repeat_interleave(repeats)
        return _KeysValues(cache, self.argument, self.length, self.batch_size * repeats)

    def for_rows(self, rows: np.ndarray) -> Any:
        """A fresh cache for a batch of rows (the model extends it in place)."""
        torch = import_torch()
        cache = copy.deepcopy(self._cache)
        if self.batch_size == 1:
            cache.batch_repeat_interleave(len(rows))
        else:
            cache.batch_select_indices(torch.from_numpy(np.asarray(rows)))
        return cache


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

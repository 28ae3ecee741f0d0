"""Shared machinery of the ``transformers`` adapters: lazy imports, devices, padded batches.

Nothing here imports torch at module level: the default install of the package is torch-free,
and the adapters import torch when they are built.

Causal-LM batches are padded on the left with explicit position ids (each real token keeps the
position it has in its own unpadded sequence) and an attention mask that hides the padding; the
last ``k`` positions of every row then hold all scored positions, so only their logits are
computed (``logits_to_keep``). A shared prompt head is run once and its key/value cache copied
to every batch.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = [
    "INSTALL_HINT",
    "PrefixCache",
    "continuation_logprobs",
    "encode",
    "import_torch",
    "leading_special_ids",
    "next_token_logprobs",
    "prepare_model",
    "require_tokenizer",
]

INSTALL_HINT = 'pip install "shapiq-spex[transformers]"'


def import_torch() -> Any:
    """The ``torch`` module, or an ``ImportError`` naming the extra to install."""
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as error:
        msg = f"The transformers adapters need torch and transformers: {INSTALL_HINT}."
        raise ImportError(msg) from error
    return torch


def prepare_model(model: object, device: str | torch.device | None) -> torch.device:
    """Put ``model`` in eval mode on ``device`` and return the device its inputs go to.

    ``device=None`` keeps a model that is already on an accelerator (or spread over several
    with a ``device_map``) where it is, and otherwise uses CUDA when present, else the CPU.

    Raises:
        TypeError: ``model`` is not a ``torch.nn.Module`` with parameters.
        ValueError: ``device`` is not a valid torch device.
    """
    torch = import_torch()
    if not isinstance(model, torch.nn.Module):
        msg = f"model must be a torch.nn.Module (a transformers model), got {type(model).__name__}."
        raise TypeError(msg)
    first = next(model.parameters(), None)
    if first is None:
        msg = "model has no parameters."
        raise TypeError(msg)
    if getattr(model, "hf_device_map", None) and device is None:
        model.eval()
        return first.device
    if device is None:
        cuda = torch.cuda.is_available()
        device = first.device if first.device.type != "cpu" else ("cuda" if cuda else "cpu")
    if isinstance(device, bool) or not isinstance(device, str | int | torch.device):
        msg = f"device must be None, a str such as 'cpu' or a torch.device, got {device!r}."
        raise TypeError(msg)
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as error:
        msg = f"device must be None or a torch device such as 'cpu' or 'cuda', got {device!r}."
        raise ValueError(msg) from error
    if first.device != device:
        model.to(device)
    model.eval()
    return device


def require_tokenizer(tokenizer: object) -> None:
    """Raise a ``TypeError`` unless ``tokenizer`` is a ``transformers`` tokenizer."""
    from transformers import PreTrainedTokenizerBase

    if not isinstance(tokenizer, PreTrainedTokenizerBase):
        msg = (
            "tokenizer must be a transformers tokenizer (PreTrainedTokenizerBase), got "
            f"{type(tokenizer).__name__}."
        )
        raise TypeError(msg)


def encode(tokenizer: Any, text: str) -> list[int]:
    """Token ids of ``text`` alone, without special tokens."""
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def leading_special_ids(tokenizer: Any) -> list[int]:
    """Ids the tokenizer puts before a text (e.g. BOS or CLS), without those it appends."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return list(full[:start])
    return []


def pad_id_of(tokenizer: Any, model: Any) -> int:
    """A token id for padding positions (they are masked; any valid id works)."""
    for candidate in (
        tokenizer.pad_token_id,
        getattr(model.config, "pad_token_id", None),
        tokenizer.eos_token_id,
    ):
        if isinstance(candidate, int):
            return candidate
    return 0


def accepts(model: Any, argument: str) -> bool:
    """Whether the model's ``forward`` takes ``argument``."""
    return argument in inspect.signature(model.forward).parameters


class PrefixCache:
    """Keys/values of a prompt head shared by all rows, computed once and copied per batch.

    Args:
        model: A causal LM.
        ids: Token ids of the cached part (non-empty).
        device: Where the model runs.
    """

    def __init__(self, model: Any, ids: Sequence[int], device: torch.device) -> None:
        torch = import_torch()
        self.length = len(ids)
        # transformers 5.x renamed ``past_key_values`` to ``cache``; older versions know only it
        self.argument = "cache" if accepts(model, "cache") else "past_key_values"
        tokens = torch.tensor([list(ids)], dtype=torch.long, device=device)
        with torch.inference_mode():
            out = model(input_ids=tokens, use_cache=True)
        self._cache = out[self.argument] if self.argument in out else out["past_key_values"]

    def expand(self, rows: int) -> Any:
        """A fresh copy of the cache with ``rows`` identical rows (the model extends it)."""
        cache = copy.deepcopy(self._cache)
        cache.batch_repeat_interleave(rows)
        return cache


def _run_batches(
    model: Any,
    inputs: list[list[int]],
    keeps: np.ndarray,
    pick: Callable[[np.ndarray, int, torch.Tensor], None],
    *,
    pad_id: int,
    device: torch.device,
    batch_size: int,
    prefix: PrefixCache | None,
    before_batch: Callable[[np.ndarray], None] | None,
) -> None:
    """Run the rows ``batch_size`` at a time; hand each batch's last log-probabilities to ``pick``.

    ``pick(rows, keep, log_probs)`` gets the row indices of the batch, the number ``keep`` of
    last positions kept (the largest ``keeps[r]`` of the batch) and their float32
    log-probabilities, ``(len(rows), keep, vocab)``.
    """
    torch = import_torch()
    lengths = np.array([len(row) for row in inputs])
    order = np.argsort(lengths, kind="stable")
    past = 0 if prefix is None else prefix.length
    keep_logits = accepts(model, "logits_to_keep")
    with torch.inference_mode():
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            width = int(lengths[rows].max())
            ids = np.full((rows.size, width), pad_id, dtype=np.int64)
            mask = np.zeros((rows.size, width), dtype=np.int64)
            for i, r in enumerate(rows):
                ids[i, width - lengths[r] :] = inputs[r]
                mask[i, width - lengths[r] :] = 1
            positions = past + np.maximum(np.cumsum(mask, axis=1) - 1, 0)
            attention = np.concatenate([np.ones((rows.size, past), dtype=np.int64), mask], axis=1)
            keep = int(keeps[rows].max())
            kwargs: dict[str, Any] = {
                "input_ids": torch.from_numpy(ids).to(device),
                "attention_mask": torch.from_numpy(attention).to(device),
                "position_ids": torch.from_numpy(positions).to(device),
                "use_cache": prefix is not None,
            }
            if prefix is not None:
                kwargs[prefix.argument] = prefix.expand(rows.size)
            if keep_logits:
                kwargs["logits_to_keep"] = keep
            if before_batch is not None:
                before_batch(rows)
            logits = model(**kwargs).logits[:, -keep:, :]
            pick(rows, keep, torch.log_softmax(logits.float(), dim=-1))


def continuation_logprobs(
    model: Any,
    inputs: list[list[int]],
    targets: list[list[int]],
    *,
    pad_id: int,
    device: torch.device,
    batch_size: int,
    prefix: PrefixCache | None = None,
    before_batch: Callable[[np.ndarray], None] | None = None,
) -> list[np.ndarray]:
    """Log-probability of each target token, scored at the last positions of its input row.

    Row ``r`` is ``inputs[r]`` (after the cached ``prefix``, when given); its last
    ``len(targets[r])`` positions predict ``targets[r]``. Rows are sorted by length and run
    ``batch_size`` at a time.

    Args:
        model: A causal LM returning ``.logits``.
        inputs: Token ids per row (non-empty).
        targets: Target ids per row (non-empty, at most as long as the row).
        pad_id: Id written at padded positions.
        device: Where the model runs.
        batch_size: Rows per forward pass.
        prefix: Cached tokens preceding every row.
        before_batch: Called with the row indices of each batch before its forward pass.

    Returns:
        Per row, the float64 log-probabilities of its target tokens.
    """
    torch = import_torch()
    counts = np.array([len(t) for t in targets])
    results: list[np.ndarray] = [np.zeros(0)] * len(inputs)

    def pick(rows: np.ndarray, keep: int, log_probs: torch.Tensor) -> None:
        wanted = np.zeros((rows.size, keep), dtype=np.int64)
        for i, r in enumerate(rows):
            wanted[i, keep - counts[r] :] = targets[r]
        index = torch.from_numpy(wanted).to(log_probs.device)[..., None]
        picked = log_probs.gather(-1, index)[..., 0].double().cpu().numpy()
        for i, r in enumerate(rows):
            results[r] = picked[i, keep - counts[r] :]

    _run_batches(
        model, inputs, counts, pick, pad_id=pad_id, device=device, batch_size=batch_size,
        prefix=prefix, before_batch=before_batch,
    )  # fmt: skip
    return results


def next_token_logprobs(
    model: Any,
    inputs: list[list[int]],
    *,
    candidates: Sequence[int] | None = None,
    pad_id: int,
    device: torch.device,
    batch_size: int,
    prefix: PrefixCache | None = None,
    before_batch: Callable[[np.ndarray], None] | None = None,
) -> np.ndarray:
    """Log-probabilities of the token following each row.

    Arguments as in :func:`continuation_logprobs`; ``candidates`` are the reported token ids.

    Returns:
        ``(len(inputs), len(candidates))`` float64 log-probabilities of the ``candidates`` ids,
        or of the whole vocabulary when ``candidates`` is ``None``.
    """
    chosen = None if candidates is None else list(candidates)
    parts: dict[int, np.ndarray] = {}

    def pick(rows: np.ndarray, keep: int, log_probs: torch.Tensor) -> None:
        last = log_probs[:, -1, :] if chosen is None else log_probs[:, -1, chosen]
        for r, row in zip(rows, last.double().cpu().numpy(), strict=True):
            parts[int(r)] = row

    _run_batches(
        model, inputs, np.ones(len(inputs), dtype=np.int64), pick, pad_id=pad_id,
        device=device, batch_size=batch_size, prefix=prefix, before_batch=before_batch,
    )  # fmt: skip
    return np.stack([parts[r] for r in range(len(inputs))])

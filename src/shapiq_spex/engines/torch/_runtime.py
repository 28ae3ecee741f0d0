"""Helpers of the ``transformers`` engine: lazy imports, devices, tokenizer conventions.

Nothing here imports torch at module level: the default install of the package is torch-free,
and the adapters import torch when they are built.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = [
    "INSTALL_HINT",
    "accepts",
    "encode",
    "import_torch",
    "leading_special_ids",
    "pad_id_of",
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

"""Input validation shared by the public entry points."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = ["check_int", "check_random_state_seed", "check_real", "check_texts"]


def check_int(
    value: object, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as an ``int`` or raise a ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{name} must be an integer, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    value = int(value)
    if minimum is not None and value < minimum:
        msg = f"{name} must be >= {minimum}, got {value}."
        raise ValueError(msg)
    if maximum is not None and value > maximum:
        msg = f"{name} must be <= {maximum}, got {value}."
        raise ValueError(msg)
    return value


def check_real(value: object, name: str, low: float, high: float) -> float:
    """``value`` as a float in ``(low, high)``, else a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        msg = f"{name} must be a number, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    value = float(value)
    if not low < value < high:
        msg = f"{name} must be in ({low}, {high}), got {value}."
        raise ValueError(msg)
    return value


def check_random_state_seed(random_state: object) -> int | None:
    """Validate a ``random_state``: ``None`` or a non-negative integer seed."""
    if random_state is None:
        return None
    if isinstance(random_state, np.random.Generator):
        msg = (
            "random_state must be None or an integer seed (a Generator would make repeated calls "
            "differ); got a numpy Generator."
        )
        raise TypeError(msg)
    return check_int(random_state, "random_state", minimum=0)


def check_texts(texts: object) -> list[str]:
    """``texts`` as a list of str (a scorer's input), else a ``TypeError``."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        msg = "texts must be a list of str."
        raise TypeError(msg)
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            msg = f"texts must be a list of str, got an element of type {type(text).__name__}."
            raise TypeError(msg)
    return texts

"""Input validation at the public entry points, in the style of scikit-learn's ``check_scalar``.

One rule everywhere: a value of the wrong type raises a ``TypeError``, a value of the right type
outside its allowed range or set raises a ``ValueError``; every message names the argument, what
was expected and what was given.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "check_array",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_instance",
    "check_int",
    "check_mapping",
    "check_number",
    "check_random_state_seed",
    "check_real",
    "check_str",
    "check_strings",
    "check_texts",
]


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def check_int(
    value: object,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """``value`` as an ``int`` within ``[minimum, maximum]`` (``None`` if allowed and given).

    Raises:
        TypeError: If ``value`` is not an integer (bools are not integers here).
        ValueError: If it lies outside the bounds.
    """
    if value is None and allow_none:
        return None
    if not _is_integer(value):
        expected = "an integer or None" if allow_none else "an integer"
        msg = f"{name} must be {expected}, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    value = int(value)
    if minimum is not None and value < minimum:
        msg = f"{name} must be >= {minimum}, got {value}."
        raise ValueError(msg)
    if maximum is not None and value > maximum:
        msg = f"{name} must be <= {maximum}, got {value}."
        raise ValueError(msg)
    return value


def check_number(
    value: object,
    name: str,
    *,
    minimum: float = -math.inf,
    maximum: float = math.inf,
    include_minimum: bool = True,
    include_maximum: bool = True,
    allow_none: bool = False,
) -> float | None:
    """``value`` as a finite ``float`` within the given bounds (``None`` if allowed and given).

    Raises:
        TypeError: If ``value`` is not a real number (bools are not numbers here).
        ValueError: If it is not finite or lies outside the bounds.
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        expected = "a number or None" if allow_none else "a number"
        msg = f"{name} must be {expected}, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    value = float(value)
    low_ok = value >= minimum if include_minimum else value > minimum
    high_ok = value <= maximum if include_maximum else value < maximum
    if not math.isfinite(value) or not (low_ok and high_ok):
        left = "[" if include_minimum else "("
        right = "]" if include_maximum else ")"
        msg = f"{name} must be a finite number in {left}{minimum}, {maximum}{right}, got {value}."
        raise ValueError(msg)
    return value


def check_real(value: object, name: str, low: float, high: float) -> float:
    """``value`` as a float in the open interval ``(low, high)``."""
    checked = check_number(
        value, name, minimum=low, maximum=high, include_minimum=False, include_maximum=False
    )
    assert checked is not None
    return checked


def check_bool(value: object, name: str, *, allow_none: bool = False) -> bool | None:
    """``value`` as a ``bool`` (numpy bools included; ``None`` if allowed and given)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        expected = "a bool or None" if allow_none else "a bool"
        msg = f"{name} must be {expected}, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    return bool(value)


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of the string ``choices``."""
    if not isinstance(value, str):
        msg = f"{name} must be one of {tuple(choices)}, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    if value not in choices:
        msg = f"{name} must be one of {tuple(choices)}, got {value!r}."
        raise ValueError(msg)
    return value


def check_random_state_seed(random_state: object) -> int | None:
    """Validate a ``random_state``: ``None`` or a non-negative integer seed."""
    if isinstance(random_state, np.random.Generator):
        msg = (
            "random_state must be None or an integer seed (a Generator would make repeated calls "
            "differ); got a numpy Generator."
        )
        raise TypeError(msg)
    return check_int(random_state, "random_state", minimum=0, allow_none=True)


def check_texts(texts: object, name: str = "texts") -> list[str]:
    """``texts`` as a list of str (a scorer's input), else a ``TypeError`` naming ``name``."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        msg = f"{name} must be a list of str."
        raise TypeError(msg)
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            msg = f"{name} must be a list of str, got an element of type {type(text).__name__}."
            raise TypeError(msg)
    return texts


def check_str(value: object, name: str, *, allow_none: bool = False) -> str | None:
    """``value`` if it is a ``str`` (``None`` if allowed and given)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        expected = "a str or None" if allow_none else "a str"
        msg = f"{name} must be {expected}, got {type(value).__name__} {value!r}."
        raise TypeError(msg)
    return value


def check_strings(value: object, name: str, *, allow_none: bool = False) -> list[str] | None:
    """``value`` as a list of str: any iterable of str but a single str (``None`` if allowed).

    Iterables, not only sequences: column names often come as a ``pandas.Index``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        expected = "a sequence of str or None" if allow_none else "a sequence of str"
        msg = f"{name} must be {expected}, got {type(value).__name__}."
        raise TypeError(msg)
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            msg = f"{name} must hold str only, got an element of type {type(item).__name__}."
            raise TypeError(msg)
    return items


def check_instance(value: object, name: str, kind: type | tuple[type, ...], expected: str) -> None:
    """Raise a ``TypeError`` unless ``value`` is an instance of ``kind`` (``expected`` names it)."""
    if not isinstance(value, kind):
        msg = f"{name} must be {expected}, got {type(value).__name__}."
        raise TypeError(msg)


def check_callable(value: object, name: str) -> Callable:
    """``value`` if it is callable."""
    if not callable(value):
        msg = f"{name} must be callable, got {type(value).__name__}."
        raise TypeError(msg)
    return value


def check_mapping(value: object, name: str) -> Mapping:
    """``value`` if it is a mapping (a dict)."""
    if not isinstance(value, Mapping):
        msg = f"{name} must be a mapping (e.g. a dict), got {type(value).__name__}."
        raise TypeError(msg)
    return value


def check_array(value: object, name: str) -> np.ndarray:
    """``value`` as a numpy array of booleans or real numbers (its dtype kept).

    Anything numpy converts is accepted (lists, arrays, pandas objects); the shape is the
    caller's to check.

    Raises:
        TypeError: If it holds anything but booleans and real numbers (strings, objects,
            complex numbers), e.g. when it is not array-like at all.
        ValueError: If it is a ragged nesting of lists.
    """
    try:
        array = np.asarray(value)
    except ValueError:  # ragged nesting: the right type, the wrong shape
        msg = f"{name} must be a rectangular array of numbers."
        raise ValueError(msg) from None
    if array.dtype.kind not in "biuf":
        got = type(value).__name__
        msg = f"{name} must be an array of numbers, got {got} (as an array: dtype {array.dtype})."
        raise TypeError(msg)
    return array

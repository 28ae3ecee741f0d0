"""The fast Walsh–Hadamard transform."""

from __future__ import annotations

import numpy as np

__all__ = ["fwht"]


def fwht(values: np.ndarray, *, normalize: bool = True) -> np.ndarray:
    """Walsh–Hadamard transform along the last axis.

    Computes ``U[..., j] = c * sum_l values[..., l] * (-1)^{popcount(l & j)}`` with ``c = 2^{-b}``
    if ``normalize`` else 1, where the last axis has length ``2^b``. Every butterfly stage is one
    vectorized operation over all leading axes.

    Args:
        values: Array of shape ``(..., 2^b)``.
        normalize: Divide by ``2^b`` (the forward transform of the Fourier convention used here).

    Returns:
        A new float array of the same shape.
    """
    out = np.array(values, dtype=float)
    length = out.shape[-1]
    if length & (length - 1):
        msg = f"the last axis must have a power-of-two length, got {length}."
        raise ValueError(msg)
    lead = out.shape[:-1]
    h = 1
    while h < length:
        view = out.reshape(*lead, length // (2 * h), 2, h)
        a = view[..., 0, :].copy()
        view[..., 0, :] += view[..., 1, :]
        view[..., 1, :] = a - view[..., 1, :]
        h *= 2
    if normalize and length > 1:
        out /= length
    return out

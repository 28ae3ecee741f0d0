"""Exact transforms from all ``2^n`` values of a set function (small ``n``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .representation import SparseFourier, SparseMoebius
from .terms import PAD
from .walsh import fwht

__all__ = ["all_masks", "exhaustive_transform"]


def all_masks(n: int) -> np.ndarray:
    """Every coalition of ``n`` players, shape ``(2^n, n)``; row ``i`` holds the bits of ``i``."""
    index = np.arange(2**n, dtype=np.int64)
    return ((index[:, None] >> np.arange(n)) & 1).astype(bool)


def exhaustive_transform(
    evaluate: Callable[[np.ndarray], np.ndarray], n: int
) -> tuple[SparseFourier, SparseMoebius]:
    """Query every coalition and return the exact Fourier and Möbius representations.

    Coefficients below ``1e-12`` of the values' spread (around their median, so that a large
    constant offset does not hide the rest) are dropped as round-off.
    """
    masks = all_masks(n)
    values = np.asarray(evaluate(masks), dtype=float)
    centre = float(np.median(values))
    spread = float(np.max(np.abs(values - centre)))
    tol = 1e-12 * max(spread, 1e-300)
    fourier_dense = fwht(values - centre)
    fourier_dense[0] += centre
    moebius_dense = _fast_moebius(values - centre, n)
    moebius_dense[0] += centre
    fourier = _dense_to_sparse(SparseFourier, fourier_dense, masks, tol, keep_constant=True)
    moebius = _dense_to_sparse(SparseMoebius, moebius_dense, masks, tol, keep_constant=True)
    return fourier, moebius


def _fast_moebius(values: np.ndarray, n: int) -> np.ndarray:
    """Möbius transform over the subset lattice, ``a(S) = sum_{T ⊆ S} (-1)^{|S-T|} f(T)``."""
    out = np.array(values, dtype=float)
    for i in range(n):
        view = out.reshape(-1, 2, 2**i)
        view[:, 1, :] -= view[:, 0, :]
    return out


def _dense_to_sparse(cls, dense: np.ndarray, masks: np.ndarray, tol: float, keep_constant: bool):
    keep = np.abs(dense) > tol
    keep[0] |= keep_constant
    keep = np.flatnonzero(keep)
    n = masks.shape[1]
    rows = masks[keep]
    width = int(rows.sum(axis=1).max()) if keep.size else 0
    terms = np.full((keep.size, width), PAD, dtype=np.int64)
    sizes = rows.sum(axis=1)
    cols = np.nonzero(rows)[1]
    terms[np.repeat(np.arange(keep.size), sizes), _ranks(sizes)] = cols
    return cls(n, terms, dense[keep])


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """Position of every element within its row, for rows of the given sizes."""
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(int(sizes.sum())) - starts

"""Exact endpoints: correct a recovered function so that it passes through anchor values.

The users of an explanation read ``v(∅)`` and ``v(N)`` first: efficient indices must add up to
``v(N)`` and start from ``v(∅)``. A function fitted to random coalitions need not pass through
either, so its coefficients are projected onto those that do: the least-squares change under
uniformly random coalitions (where the Fourier basis is orthonormal), which is the change of
least Euclidean norm. When the support is too small to absorb that change cheaply (its terms
would have to bend), the first-order terms of the most important players and every pair among
them join as carriers at coefficient 0, spreading the correction thinly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .terms import fourier_basis, new_terms, pad_terms, singletons_and_pairs

__all__ = [
    "ANCHOR_COST",
    "CARRIER_PLAYERS",
    "Anchors",
    "anchor_correction",
    "anchored_coefficients",
]

ANCHOR_COST = 0.002
"""Share of the variance the correction may cost (mean square over uniform masks) before
carrier terms join the support."""
CARRIER_PLAYERS = 32
"""Players whose first-order terms and pairs carry an expensive correction."""


Anchors = tuple[np.ndarray, np.ndarray]
"""``(masks (r, n), values (r,))``: values the recovered function must take exactly."""


def anchor_correction(coefficients: np.ndarray, constraints: Anchors) -> np.ndarray:
    """The smallest change of Fourier coefficients ``b`` with ``C b = d``.

    The Fourier basis is orthonormal under uniformly random masks (Parseval), so the change of
    least Euclidean norm moves the function least in mean square over uniform coalitions: the
    least-squares projection onto the functions that satisfy the constraints. A rank-deficient
    ``C`` is solved in the least-squares sense.

    Args:
        coefficients: The fitted coefficients ``(K,)``.
        constraints: ``(C, d)``: the Fourier basis rows at the anchor masks, and the values.

    Returns:
        The corrected coefficients.
    """
    rows, targets = constraints
    rows = np.asarray(rows, dtype=float)
    coefficients = np.asarray(coefficients, dtype=float)
    gap = np.asarray(targets, dtype=float) - rows @ coefficients
    return coefficients + rows.T @ np.linalg.lstsq(rows @ rows.T, gap, rcond=1e-12)[0]


def anchored_coefficients(
    terms: np.ndarray,
    coefficients: np.ndarray,
    anchors: Anchors,
    *,
    variance: float,
    players: Callable[[], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Terms and coefficients of the closest function that takes the anchor values.

    Args:
        terms: The support ``(K, d)``.
        coefficients: Its fitted Fourier coefficients ``(K,)``.
        anchors: ``(masks (r, n), values (r,))``.
        variance: The variance of the values (the scale of the cost).
        players: Returns the players whose terms may carry the correction (called only when
            the support alone would pay more than :data:`ANCHOR_COST` of ``variance``).

    Returns:
        ``(terms, coefficients)``, with carrier terms appended when they were needed.
    """
    masks, values = anchors
    corrected = anchor_correction(coefficients, (fourier_basis(masks, terms), values))
    cost = float(np.sum((corrected - coefficients) ** 2))
    missed = np.max(np.abs(fourier_basis(masks, terms) @ corrected - values), initial=0.0)
    if cost <= ANCHOR_COST * variance and missed <= 1e-9 * max(1.0, np.max(np.abs(values))):
        return terms, corrected
    extra = new_terms(terms, singletons_and_pairs(players()))
    width = max(terms.shape[1], 2)
    terms = np.concatenate([pad_terms(terms, width), pad_terms(extra, width)])
    start = np.r_[coefficients, np.zeros(len(extra))]
    return terms, anchor_correction(start, (fourier_basis(masks, terms), values))

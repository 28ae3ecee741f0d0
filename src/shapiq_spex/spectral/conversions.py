"""Exact conversions between the sparse Fourier and Möbius representations.

Expanding ``(-1)^{<x, T>} = prod_{i in T} (1 - 2 x_i)`` gives

* ``a(S) = (-2)^{|S|} sum_{T ⊇ S} F(T)``, and inversely
* ``F(T) = (-1)^{|T|} sum_{S ⊇ T} a(S) / 2^{|S|}``.

Both enumerate the subsets of every term, so a term of size ``d`` costs ``2^d`` rows.
"""

from __future__ import annotations

from .representation import SparseFourier, SparseMoebius
from .terms import enumerate_subsets

__all__ = ["fourier_to_moebius", "moebius_to_fourier"]


def fourier_to_moebius(fourier: SparseFourier, atol: float = 0.0) -> SparseMoebius:
    """Möbius coefficients of a sparse Fourier representation.

    Args:
        fourier: The Fourier representation.
        atol: Drop resulting coefficients with absolute value at most this (exact cancellations
            are always dropped when ``atol`` is 0 only if they are exactly zero).

    Returns:
        The Möbius representation of the same function.
    """
    subsets, parent, size = enumerate_subsets(fourier.terms)
    weights = (-2.0) ** size * fourier.coefficients[parent]
    return SparseMoebius(fourier.n, subsets, weights).pruned(atol)


def moebius_to_fourier(moebius: SparseMoebius, atol: float = 0.0) -> SparseFourier:
    """Fourier coefficients of a sparse Möbius representation.

    Args:
        moebius: The Möbius representation.
        atol: Drop resulting coefficients with absolute value at most this.

    Returns:
        The Fourier representation of the same function.
    """
    subsets, parent, size = enumerate_subsets(moebius.terms)
    parent_size = moebius.degrees[parent]
    weights = (-1.0) ** size * moebius.coefficients[parent] / 2.0**parent_size
    return SparseFourier(moebius.n, subsets, weights).pruned(atol)

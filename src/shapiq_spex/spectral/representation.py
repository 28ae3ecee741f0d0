"""Sparse Fourier and Möbius representations of set functions ``f: {0,1}^n -> R``.

Conventions (bit 1 = player present):

* Fourier: ``f(x) = sum_k F(k) (-1)^{<x, k>}``, so ``F(k) = 2^{-n} sum_x f(x) (-1)^{<x, k>}``.
* Möbius:  ``f(x) = sum_{S ⊆ x} a(S)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np

from .._validation import check_array, check_instance, check_int, check_number
from .terms import (
    PAD,
    canonical_terms,
    enumerate_subsets,
    fourier_basis,
    masks_to_products,
    terms_from_tuples,
    terms_to_tuples,
)

__all__ = ["SparseFourier", "SparseMoebius", "fourier_to_moebius", "moebius_to_fourier"]

_CHUNK_CELLS = 2**24  # bound the (masks x terms) temporaries to ~16 M cells


class _SparseSetFunction:
    """A set function given by a sparse coefficient vector in some basis.

    Attributes:
        n: Number of players.
        terms: ``int64`` array ``(K, d)``, one subset per row, ascending, ``-1``-padded, unique.
        coefficients: ``float64`` array ``(K,)``.
    """

    basis: str = ""

    def __init__(self, n: int, terms: np.ndarray, coefficients: np.ndarray) -> None:
        n = check_int(n, "n", minimum=0)
        terms = check_array(terms, "terms")
        if terms.size and terms.dtype.kind not in "iu":
            msg = f"terms must hold integer player indices, got dtype {terms.dtype}."
            raise TypeError(msg)
        terms = terms.astype(np.int64)
        coefficients = check_array(coefficients, "coefficients").astype(float)
        if terms.ndim != 2 or coefficients.shape != (terms.shape[0],):
            msg = (
                "terms must have shape (K, d) and coefficients shape (K,); got "
                f"{terms.shape} and {coefficients.shape}."
            )
            raise ValueError(msg)
        if terms.size and (terms.max() >= n or (terms < PAD).any()):
            msg = f"terms must hold player indices in [0, {n}) or the padding -1."
            raise ValueError(msg)
        self.n = int(n)
        self.terms, self.coefficients = canonical_terms(terms, coefficients)
        self.terms.setflags(write=False)
        self.coefficients.setflags(write=False)

    @classmethod
    def from_dict(cls, coefficients: Mapping[tuple[int, ...], float], n: int) -> Self:
        """Build from a mapping ``{interaction tuple: coefficient}``."""
        keys = list(coefficients)
        return cls(n, terms_from_tuples(keys), np.array([coefficients[k] for k in keys], float))

    @classmethod
    def zero(cls, n: int) -> Self:
        """The zero function."""
        return cls(n, np.zeros((0, 0), dtype=np.int64), np.zeros(0))

    def to_dict(self) -> dict[tuple[int, ...], float]:
        """The coefficients as ``{interaction tuple: coefficient}``."""
        return dict(zip(terms_to_tuples(self.terms), self.coefficients.tolist(), strict=True))

    @property
    def degrees(self) -> np.ndarray:
        """The size of every term, shape ``(K,)``."""
        return (self.terms != PAD).sum(axis=1)

    @property
    def degree(self) -> int:
        """The largest term size (0 for constants and the zero function)."""
        return int(self.degrees.max()) if len(self) else 0

    def __len__(self) -> int:
        return int(self.coefficients.shape[0])

    def __getitem__(self, interaction: tuple[int, ...]) -> float:
        # A term wider than every stored one has no coefficient (and no room in a row).
        if len(tuple(interaction)) > self.terms.shape[1]:
            return 0.0
        row = terms_from_tuples([interaction], width=self.terms.shape[1] or None)
        if row.shape[1] != self.terms.shape[1]:
            return 0.0
        hit = np.flatnonzero((self.terms == row).all(axis=1))
        return float(self.coefficients[hit[0]]) if hit.size else 0.0

    def pruned(self, atol: float = 0.0) -> Self:
        """A copy without the terms whose absolute coefficient is at most ``atol``."""
        keep = np.abs(self.coefficients) > atol
        return type(self)(self.n, self.terms[keep], self.coefficients[keep])

    def affine(self, scale: float = 1.0, shift: float = 0.0) -> Self:
        """The function ``scale * f + shift`` (in both bases the constant is the empty term)."""
        constant = np.full((1, self.terms.shape[1]), PAD, dtype=np.int64)
        return type(self)(
            self.n,
            np.concatenate([constant, self.terms]),
            np.r_[float(shift), float(scale) * self.coefficients],
        )

    def _basis_matrix(self, masks: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        """Evaluate on a batch of masks.

        Args:
            masks: Array of shape ``(m, n)`` (anything convertible to bool) or ``(n,)``.

        Returns:
            Values of shape ``(m,)`` (a float for a single mask).
        """
        masks = np.asarray(masks).astype(bool, copy=False)
        single = masks.ndim == 1
        masks = np.atleast_2d(masks)
        if masks.shape[1] != self.n:
            msg = f"masks must have {self.n} columns, got shape {masks.shape}."
            raise ValueError(msg)
        out = np.empty(masks.shape[0])
        step = max(1, _CHUNK_CELLS // max(1, len(self)))
        for start in range(0, masks.shape[0], step):
            block = masks[start : start + step]
            out[start : start + step] = self._basis_matrix(block) @ self.coefficients
        return float(out[0]) if single else out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n}, n_terms={len(self)}, degree={self.degree})"


class SparseFourier(_SparseSetFunction):
    """A set function with a sparse Walsh–Hadamard (Fourier) spectrum."""

    basis = "fourier"

    def _basis_matrix(self, masks: np.ndarray) -> np.ndarray:
        return fourier_basis(masks, self.terms)

    def to_moebius(self) -> SparseMoebius:
        """The exact Möbius representation (see :func:`fourier_to_moebius`)."""
        return fourier_to_moebius(self)


class SparseMoebius(_SparseSetFunction):
    """A set function with a sparse Möbius transform (a sum of unanimity games)."""

    basis = "moebius"

    def _basis_matrix(self, masks: np.ndarray) -> np.ndarray:
        return masks_to_products(masks, self.terms).astype(float)

    def to_fourier(self) -> SparseFourier:
        """The exact Fourier representation (see :func:`moebius_to_fourier`)."""
        return moebius_to_fourier(self)


# Exact conversions. Expanding ``(-1)^{<x, T>} = prod_{i in T} (1 - 2 x_i)`` gives
# ``a(S) = (-2)^{|S|} sum_{T ⊇ S} F(T)`` and ``F(T) = (-1)^{|T|} sum_{S ⊇ T} a(S) / 2^{|S|}``;
# both enumerate the subsets of every term, so a term of size ``d`` costs ``2^d`` rows.


def fourier_to_moebius(fourier: SparseFourier, atol: float = 0.0) -> SparseMoebius:
    """Möbius coefficients of a sparse Fourier representation.

    Args:
        fourier: The Fourier representation.
        atol: Drop resulting coefficients with absolute value at most this (exact cancellations
            are always dropped when ``atol`` is 0 only if they are exactly zero).

    Returns:
        The Möbius representation of the same function.
    """
    check_instance(fourier, "fourier", SparseFourier, "a SparseFourier")
    atol = check_number(atol, "atol", minimum=0.0)
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
    check_instance(moebius, "moebius", SparseMoebius, "a SparseMoebius")
    atol = check_number(atol, "atol", minimum=0.0)
    subsets, parent, size = enumerate_subsets(moebius.terms)
    parent_size = moebius.degrees[parent]
    weights = (-1.0) ** size * moebius.coefficients[parent] / 2.0**parent_size
    return SparseFourier(moebius.n, subsets, weights).pruned(atol)

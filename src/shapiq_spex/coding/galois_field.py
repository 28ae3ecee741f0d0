"""Arithmetic in the binary extension fields GF(2^m) for 2 <= m <= 16.

An element is an integer in ``[0, 2^m)`` whose bit ``d`` is the coefficient of ``alpha^d`` in the
polynomial basis, where ``alpha`` is a root of a fixed primitive polynomial of degree ``m``.
Addition is XOR; multiplication, inversion and powers go through exp/log tables.

The tables are *zero-absorbing*: ``log[0]`` is a sentinel so large that any sum of two logarithms
involving it indexes the zero-padded tail of ``exp``. Hence ``exp[log[a] + log[b]] == a * b`` holds
for every pair of elements, zeros included, which lets callers multiply whole arrays without
masking.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MAX_DEGREE", "MIN_DEGREE", "GaloisField", "gf"]

MIN_DEGREE = 2
MAX_DEGREE = 16

# One known primitive polynomial per degree m; bit d holds the coefficient of x^d.
_PRIMITIVE_POLYNOMIALS: dict[int, int] = {
    2: 0b111,  # x^2 + x + 1
    3: 0b1011,  # x^3 + x + 1
    4: 0b10011,  # x^4 + x + 1
    5: 0b100101,  # x^5 + x^2 + 1
    6: 0b1000011,  # x^6 + x + 1
    7: 0b10001001,  # x^7 + x^3 + 1
    8: 0b100011101,  # x^8 + x^4 + x^3 + x^2 + 1
    9: 0x211,  # x^9 + x^4 + 1
    10: 0x409,  # x^10 + x^3 + 1
    11: 0x805,  # x^11 + x^2 + 1
    12: 0x1053,  # x^12 + x^6 + x^4 + x + 1
    13: 0x201B,  # x^13 + x^4 + x^3 + x + 1
    14: 0x4443,  # x^14 + x^10 + x^6 + x + 1
    15: 0x8003,  # x^15 + x + 1
    16: 0x1100B,  # x^16 + x^12 + x^3 + x + 1
}


def _powers_of_alpha(m: int, poly: int) -> NDArray[np.int64]:
    """Return ``alpha^0, ..., alpha^(2^m - 2)`` and check that ``alpha`` is primitive.

    Args:
        m: Extension degree.
        poly: Candidate primitive polynomial of degree ``m`` (bit ``d`` is the ``x^d`` coefficient).

    Returns:
        Integer array of length ``2^m - 1`` with the successive powers of ``alpha``.

    Raises:
        RuntimeError: If ``poly`` does not make ``alpha`` an element of order ``2^m - 1``.

    """
    size = 1 << m
    powers = []
    x = 1
    for _ in range(size - 1):
        powers.append(x)
        x <<= 1
        if x & size:
            x ^= poly
    out = np.asarray(powers, dtype=np.int64)
    # alpha has order exactly 2^m - 1 iff its first 2^m - 1 powers are distinct and the next is 1.
    if x != 1 or np.unique(out).size != size - 1:
        raise RuntimeError(f"polynomial {poly:#x} is not primitive for m={m}")
    return out


@dataclass(frozen=True, eq=False)
class GaloisField:
    """The finite field GF(2^m) with zero-absorbing exp/log tables.

    Attributes:
        m: Extension degree, ``2 <= m <= 16``.
        size: Number of field elements, ``2^m``.
        order: Order of the multiplicative group, ``2^m - 1``.
        prim_poly: Primitive polynomial defining the field (bit ``d`` is the ``x^d`` coefficient).
        exp: ``int32`` array of length ``4 * order + 1``; ``exp[i] = alpha^(i mod order)`` for
            ``i < 2 * order`` and ``0`` beyond, so ``exp[log[a] + log[b]]`` is always ``a * b``.
        log: ``int32`` array of length ``size``; ``log[alpha^i] = i`` for ``0 <= i < order`` and
            ``log[0] = log_zero``.
        log_zero: Sentinel logarithm of zero, ``2 * order``.

    """

    m: int
    size: int = field(init=False)
    order: int = field(init=False)
    prim_poly: int = field(init=False, repr=False)
    exp: NDArray[np.int32] = field(init=False, repr=False)
    log: NDArray[np.int32] = field(init=False, repr=False)
    log_zero: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m = self.m
        if isinstance(m, bool) or not isinstance(m, int | np.integer):
            raise TypeError(f"m must be an integer, got {m!r}")
        if not MIN_DEGREE <= m <= MAX_DEGREE:
            raise ValueError(f"m must lie in [{MIN_DEGREE}, {MAX_DEGREE}], got {m}")
        m = int(m)
        size = 1 << m
        order = size - 1
        poly = _PRIMITIVE_POLYNOMIALS[m]
        powers = _powers_of_alpha(m, poly)

        exp = np.zeros(4 * order + 1, dtype=np.int32)
        exp[:order] = powers
        exp[order : 2 * order] = powers
        log = np.empty(size, dtype=np.int32)
        log[powers] = np.arange(order, dtype=np.int32)
        log[0] = 2 * order
        exp.setflags(write=False)
        log.setflags(write=False)

        for name, value in (
            ("m", m),
            ("size", size),
            ("order", order),
            ("prim_poly", poly),
            ("exp", exp),
            ("log", log),
            ("log_zero", 2 * order),
        ):
            object.__setattr__(self, name, value)

    def _elements(self, a: ArrayLike) -> NDArray[np.int64]:
        """Convert ``a`` to an integer array and check that it holds field elements."""
        arr = np.asarray(a)
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"field elements must be integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < 0 or arr.max() >= self.size):
            raise ValueError(f"field elements must lie in [0, {self.size})")
        return arr

    def add(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.int64]:
        """Return ``a + b`` (equal to ``a - b``) elementwise, with broadcasting."""
        return np.bitwise_xor(self._elements(a), self._elements(b))

    def multiply(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.int32]:
        """Return ``a * b`` elementwise, with broadcasting."""
        return self.exp[self.log[self._elements(a)] + self.log[self._elements(b)]]

    def inverse(self, a: ArrayLike) -> NDArray[np.int32]:
        """Return the multiplicative inverse of every element of ``a``.

        Raises:
            ZeroDivisionError: If ``a`` contains zero.

        """
        arr = self._elements(a)
        if np.any(arr == 0):
            raise ZeroDivisionError("zero has no multiplicative inverse in GF(2^m)")
        # alpha^(order - i) * alpha^i = alpha^order = 1; index order itself maps to exp[order] = 1.
        return self.exp[self.order - self.log[arr]]

    def divide(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.int32]:
        """Return ``a / b`` elementwise, with broadcasting.

        Raises:
            ZeroDivisionError: If ``b`` contains zero.

        """
        return self.multiply(a, self.inverse(b))

    def power(self, a: ArrayLike, e: ArrayLike) -> NDArray[np.int32]:
        """Return ``a ** e`` elementwise, with broadcasting; ``e`` may be negative.

        ``0 ** 0`` is ``1`` by convention.

        Raises:
            ZeroDivisionError: If a zero element is raised to a negative power.

        """
        arr = self._elements(a)
        exps = np.asarray(e)
        if exps.dtype == np.bool_ or not np.issubdtype(exps.dtype, np.integer):
            raise ValueError(f"exponents must be integers, got dtype {exps.dtype}")
        arr, exps = np.broadcast_arrays(arr, exps.astype(np.int64, copy=False))
        is_zero = arr == 0
        if np.any(is_zero & (exps < 0)):
            raise ZeroDivisionError("zero raised to a negative power")
        # Reduce exponents first so the product of logarithms cannot overflow int64.
        logs = np.where(is_zero, 0, self.log[arr]).astype(np.int64)
        out = self.exp[(logs * (exps % self.order)) % self.order]
        return np.where(is_zero, (exps == 0).astype(np.int32), out).astype(np.int32)

    def alpha_power(self, e: ArrayLike) -> NDArray[np.int32]:
        """Return ``alpha ** e`` elementwise for integer (possibly negative) exponents."""
        exps = np.asarray(e)
        if exps.dtype == np.bool_ or not np.issubdtype(exps.dtype, np.integer):
            raise ValueError(f"exponents must be integers, got dtype {exps.dtype}")
        return self.exp[np.mod(exps.astype(np.int64, copy=False), self.order)]


@functools.cache
def gf(m: int) -> GaloisField:
    """Return the (cached) field GF(2^m).

    Args:
        m: Extension degree, ``2 <= m <= 16``.

    Returns:
        The shared :class:`GaloisField` instance for ``m``.

    Raises:
        ValueError: If ``m`` is not an integer in ``[2, 16]``.

    """
    return GaloisField(m)

"""Slow, independent pure-Python references for the coding tests (ints as GF(2) polynomials)."""

from __future__ import annotations

import itertools

import numpy as np


def poly_from_coeffs(coeffs) -> int:
    """Ascending GF(2) coefficients -> int with bit d = coefficient of x^d."""
    return sum(int(c) << d for d, c in enumerate(coeffs))


def gf2_mod(a: int, g: int) -> int:
    """Remainder of a(x) divided by g(x) over GF(2) by schoolbook long division."""
    deg_g = g.bit_length() - 1
    while a and a.bit_length() - 1 >= deg_g:
        a ^= g << (a.bit_length() - 1 - deg_g)
    return a


def gf2_mul(a: int, b: int) -> int:
    """Carry-less product of two GF(2) polynomials."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a <<= 1
        b >>= 1
    return out


def field_mul(a: int, b: int, poly: int) -> int:
    """Product in GF(2)[x] / poly(x)."""
    return gf2_mod(gf2_mul(a, b), poly)


def field_pow(a: int, e: int, poly: int) -> int:
    """Square-and-multiply power in GF(2)[x] / poly(x)."""
    out = 1
    while e:
        if e & 1:
            out = field_mul(out, a, poly)
        a = field_mul(a, a, poly)
        e >>= 1
    return out


def cyclotomic_union(t: int, n_c: int) -> set[int]:
    """Exponents of all conjugates of alpha^1..alpha^(2t) modulo n_c."""
    out: set[int] = set()
    for s in range(1, 2 * t + 1):
        c = s % n_c
        while c not in out:
            out.add(c)
            c = 2 * c % n_c
    return out


def parity_matrix_ref(generator, n: int) -> np.ndarray:
    """(p, n) matrix with column i = x^(p+n-1-i) mod g, row r = coefficient of x^(p-1-r)."""
    g = poly_from_coeffs(generator)
    p = g.bit_length() - 1
    out = np.zeros((p, n), dtype=np.uint8)
    for i in range(n):
        rem = gf2_mod(1 << (p + n - 1 - i), g)
        for r in range(p):
            out[r, i] = (rem >> (p - 1 - r)) & 1
    return out


def small_supports(n: int, t: int) -> list[tuple[int, ...]]:
    """All supports of weight at most t in range(n)."""
    return [s for w in range(min(t, n) + 1) for s in itertools.combinations(range(n), w)]


def bits_to_ints(bits: np.ndarray) -> np.ndarray:
    """Rows of bits (bit r first) -> ints with bit r at weight 2^r."""
    return (bits.astype(np.int64) << np.arange(bits.shape[1])).sum(axis=1)

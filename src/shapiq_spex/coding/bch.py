"""Shortened systematic binary narrow-sense primitive BCH codes.

SPEX uses these codes as group-testing designs: the support of a sparse binary vector ``k`` of
length ``n`` (weight at most ``t``) is recovered from its ``p`` parity bits ``P @ k mod 2``, even
when a few of those bits are flipped, by decoding the received word ``[0_n | parity]``.

Codeword convention (position ``e = 0, ..., n + p - 1`` holds the coefficient of
``x^(n + p - 1 - e)``):

* message bit ``i`` sits at position ``i``, i.e. degree ``p + n - 1 - i``;
* parity bit ``r`` sits at position ``n + r``, i.e. degree ``p - 1 - r``;
* a codeword is ``m(x) x^p + (m(x) x^p mod g(x))``, a multiple of the generator ``g(x)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shapiq_spex.coding.galois_field import MAX_DEGREE, MIN_DEGREE, GaloisField, gf

from .._validation import check_int

__all__ = ["BCHCode", "bch_code"]

# Bound on the elements of the temporary float matrix used by ``BCHCode.parity``.
_PARITY_CHUNK_ELEMENTS = 1 << 22


def _check_positive_int(value: object, name: str) -> int:
    """``value`` as an ``int`` >= 1 (TypeError for a wrong type, ValueError for a wrong value)."""
    checked = check_int(value, name, minimum=1)
    assert checked is not None
    return checked


def _cyclotomic_cosets(t: int, n_c: int) -> list[tuple[int, ...]]:
    """Return the distinct 2-cyclotomic cosets modulo ``n_c`` that contain ``1, ..., 2t``.

    Each coset ``{s, 2s, 4s, ...} mod n_c`` collects the exponents of the conjugates of
    ``alpha^s``, i.e. the roots of the minimal polynomial of ``alpha^s``.
    """
    seen: set[int] = set()
    cosets = []
    for s in range(1, 2 * t + 1):
        if s % n_c in seen:
            continue
        coset = []
        c = s % n_c
        while c not in coset:
            coset.append(c)
            c = (2 * c) % n_c
        seen.update(coset)
        cosets.append(tuple(coset))
    return cosets


def _select_degree(n: int, t: int) -> int:
    """Return the smallest field degree whose BCH code corrects ``t`` errors with ``k_c >= n``.

    Raises:
        ValueError: If no degree up to ``MAX_DEGREE`` is large enough.

    """
    # 2^m - 1 >= 2t + 1 is needed for 2t distinct consecutive roots alpha^1..alpha^{2t}.
    smallest = max(MIN_DEGREE, (2 * t + 1).bit_length())
    for m in range(smallest, MAX_DEGREE + 1):
        n_c = (1 << m) - 1
        deg_g = sum(len(c) for c in _cyclotomic_cosets(t, n_c))
        if n_c - deg_g >= n:
            return m
    raise ValueError(
        f"no binary BCH code with m <= {MAX_DEGREE} has t={t} and message length n={n}; "
        "decrease n or t"
    )


def _minimal_polynomial(field_: GaloisField, coset: tuple[int, ...]) -> NDArray[np.uint8]:
    """Return the minimal polynomial over GF(2) of the roots ``alpha^c``, ``c`` in ``coset``.

    The product ``prod_c (x + alpha^c)`` is computed over GF(2^m); because the coset is closed
    under squaring its coefficients are fixed by Frobenius and hence lie in GF(2).

    Returns:
        Coefficients in ascending degree order, dtype ``uint8``.

    """
    poly = np.ones(1, dtype=np.int64)
    for c in coset:
        root_log = c % field_.order
        # (x + r) * poly: shift up by one degree and add r * poly.
        scaled = field_.exp[field_.log[poly] + root_log]
        poly = np.concatenate(([0], poly)) ^ np.concatenate((scaled, [0]))
    if np.any(poly > 1):
        raise RuntimeError(f"minimal polynomial of coset {coset} is not binary")
    return poly.astype(np.uint8)


def _gf2_multiply(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Multiply two GF(2) polynomials given by ascending coefficient arrays."""
    return (np.convolve(a.astype(np.int64), b.astype(np.int64)) & 1).astype(np.uint8)


def _generator_polynomial(m: int, t: int) -> NDArray[np.uint8]:
    """Return ``g(x) = lcm`` of the minimal polynomials of ``alpha^1, ..., alpha^(2t)``.

    Distinct cyclotomic cosets give distinct irreducible minimal polynomials, so the lcm is
    their product.
    """
    field_ = gf(m)
    g = np.ones(1, dtype=np.uint8)
    for coset in _cyclotomic_cosets(t, field_.order):
        g = _gf2_multiply(g, _minimal_polynomial(field_, coset))
    return g


def _parity_columns(generator: NDArray[np.uint8], n: int) -> NDArray[np.uint8]:
    """Return the ``(n, p)`` matrix whose row ``i`` holds ``x^(p + n - 1 - i) mod g``.

    Entry ``[i, r]`` is the coefficient of ``x^(p - 1 - r)``.

    A shift register steps through ``x^j mod g`` for ``j = p, ..., p + n - 1`` using Python
    integers as bit vectors (fast for ``p <= 128``), then the bits are unpacked in one go.
    """
    p = generator.size - 1
    g_int = int(sum(int(c) << d for d, c in enumerate(generator.tolist())))
    top = 1 << p
    rem = g_int ^ top  # x^p mod g
    remainders = [rem]
    for _ in range(n - 1):
        rem <<= 1
        if rem & top:
            rem ^= g_int
        remainders.append(rem)
    n_bytes = (p + 7) // 8
    # Row i needs exponent p + n - 1 - i, i.e. the remainders in reverse order.
    raw = b"".join(r.to_bytes(n_bytes, "big") for r in reversed(remainders))
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8).reshape(n, n_bytes), axis=1)
    # Big-endian bytes: the last p bits run from the x^(p-1) coefficient down to x^0.
    return np.ascontiguousarray(bits[:, 8 * n_bytes - p :])


@dataclass(frozen=True, eq=False)
class BCHCode:
    """Shortened systematic binary narrow-sense primitive BCH code.

    Construct through :func:`bch_code` to share instances (and decoder tables) between callers.

    Attributes:
        n: Message length (number of message bits of the shortened code).
        t: Designed error-correction capability (designed distance ``2t + 1``).
        m: Degree of the field GF(2^m) holding the roots of the generator.
        n_c: Length ``2^m - 1`` of the mother (unshortened) code.
        k_c: Dimension ``n_c - p`` of the mother code, at least ``n``.
        p: Number of parity bits, ``deg g``.
        generator: ``uint8`` coefficients of ``g(x)`` in ascending degree order (length ``p + 1``).
        parity_matrix: ``(p, n)`` ``uint8`` matrix; column ``i`` holds the parity bits of the unit
            message ``e_i``, so ``parity_matrix[r, i]`` is the coefficient of ``x^(p - 1 - r)`` in
            ``x^(p + n - 1 - i) mod g(x)``.

    """

    n: int
    t: int
    m: int = field(init=False)
    n_c: int = field(init=False)
    k_c: int = field(init=False)
    p: int = field(init=False)
    generator: NDArray[np.uint8] = field(init=False, repr=False)
    parity_matrix: NDArray[np.uint8] = field(init=False, repr=False)
    _packed_columns: NDArray[np.uint8] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = _check_positive_int(self.n, "n")
        t = _check_positive_int(self.t, "t")
        m = _select_degree(n, t)
        generator = _generator_polynomial(m, t)
        p = generator.size - 1
        columns = _parity_columns(generator, n)
        # Packed parity columns plus an all-zero row that padding entries (-1) are mapped to.
        packed = np.concatenate(
            [np.packbits(columns, axis=1), np.zeros((1, (p + 7) // 8), dtype=np.uint8)]
        )
        parity_matrix = np.ascontiguousarray(columns.T)
        for arr in (generator, parity_matrix, packed):
            arr.setflags(write=False)
        for name, value in (
            ("n", n),
            ("t", t),
            ("m", m),
            ("n_c", (1 << m) - 1),
            ("k_c", (1 << m) - 1 - p),
            ("p", p),
            ("generator", generator),
            ("parity_matrix", parity_matrix),
            ("_packed_columns", packed),
        ):
            object.__setattr__(self, name, value)

    @functools.cached_property
    def _parity_matrix_t_float(self) -> NDArray[np.float32]:
        """``parity_matrix.T`` as ``float32`` for BLAS products (exact: counts stay < 2^24)."""
        return np.ascontiguousarray(self.parity_matrix.T, dtype=np.float32)

    def parity(self, messages: ArrayLike) -> NDArray[np.uint8]:
        """Return the parity bits ``(P @ k) mod 2`` of each message.

        Args:
            messages: ``(W, n)`` array of message bits (bool or integer; nonzero means 1).

        Returns:
            ``(W, p)`` ``uint8`` array of parity bits.

        Raises:
            ValueError: If ``messages`` does not have shape ``(W, n)``.

        """
        msgs = np.asarray(messages)
        if msgs.ndim != 2 or msgs.shape[1] != self.n:
            raise ValueError(f"messages must have shape (W, {self.n}), got {msgs.shape}")
        n_words = msgs.shape[0]
        out = np.empty((n_words, self.p), dtype=np.uint8)
        step = max(1, _PARITY_CHUNK_ELEMENTS // self.n)
        for start in range(0, n_words, step):
            block = (msgs[start : start + step] != 0).astype(np.float32)
            counts = block @ self._parity_matrix_t_float
            out[start : start + step] = counts.astype(np.int64) & 1
        return out

    def parity_of_supports(self, supports: ArrayLike) -> NDArray[np.uint8]:
        """Return the parity bits of messages given by their supports.

        The parity of a message is the XOR of the parity columns of its set positions, so no
        dense ``(W, n)`` array is needed. Positions within a row should be distinct (a repeated
        position cancels out, as XOR does).

        Args:
            supports: ``(W, s)`` integer array of message positions in ``[0, n)``, padded with
                ``-1``.

        Returns:
            ``(W, p)`` ``uint8`` array of parity bits.

        Raises:
            ValueError: If ``supports`` is not a 2-D integer array with entries in ``[-1, n)``.

        """
        sup = np.asarray(supports)
        if sup.ndim != 2:
            raise ValueError(f"supports must be a 2-D array, got shape {sup.shape}")
        if sup.size and (sup.dtype == np.bool_ or not np.issubdtype(sup.dtype, np.integer)):
            raise ValueError(f"supports must be integers, got dtype {sup.dtype}")
        sup = sup.astype(np.int64, copy=False)
        if sup.size and (sup.min() < -1 or sup.max() >= self.n):
            raise ValueError(f"supports entries must lie in [-1, {self.n}) (-1 is padding)")
        rows = self._packed_columns[np.where(sup < 0, self.n, sup)]
        packed = np.bitwise_xor.reduce(rows, axis=1)
        return np.unpackbits(packed, axis=1, count=self.p)


def bch_code(n: int, t: int) -> BCHCode:
    """Return the (cached) shortened BCH code with message length ``n`` correcting ``t`` errors.

    The field degree ``m`` is the smallest one with ``2^m >= 2t + 2`` for which the primitive
    narrow-sense BCH code of length ``2^m - 1`` and designed distance ``2t + 1`` has dimension
    at least ``n``; that code is then shortened to ``n`` message bits.

    Args:
        n: Message length, ``n >= 1``.
        t: Error-correction capability, ``t >= 1``.

    Returns:
        The shared :class:`BCHCode` instance.

    Raises:
        ValueError: If ``n`` or ``t`` is not a positive integer, or no code with ``m <= 16``
            exists.

    """
    # Normalise first so that e.g. ``bch_code(64, 5)`` and ``bch_code(n=np.int64(64), t=5)``
    # share one cache entry.
    return _cached_bch_code(_check_positive_int(n, "n"), _check_positive_int(t, "t"))


@functools.lru_cache(maxsize=64)
def _cached_bch_code(n: int, t: int) -> BCHCode:
    """Build and memoise the code for validated ``(n, t)``."""
    return BCHCode(n, t)

"""Hard-decision and Chase soft-decision decoding of shortened BCH codes.

The decoder sees only the ``p`` (possibly corrupted) parity bits ``b`` of a message ``k``; the
message part of the received word is taken as all zeros, so the support of ``k`` appears as
errors in the message positions. Decoding the received word ``[0_n | b]`` therefore returns the
unique ``k`` with ``|k| + d_H(b, parity(k)) <= t`` when it exists.

Pipeline, vectorized over all received words at once:

1. odd syndromes ``S_1, S_3, ..., S_(2t-1)``, which are GF(2)-linear in the bits, by XOR-ing
   per-byte lookup tables of the packed bits; even ones by squaring (``S_2j = S_j^2``);
2. binary Berlekamp-Massey, ``t`` iterations (even-step discrepancies vanish for binary codes);
3. roots of the error locator ``Lambda``: closed forms for degree 1 and 2; for higher degrees a
   cheap test that ``Lambda`` splits into distinct linear factors (``x^(2^m) = x`` modulo its
   reversal) discards hopeless words before a Chien search over the ``n + p`` valid positions of
   the shortened code only.

A word is a decoding failure if ``deg Lambda > t`` or ``Lambda`` does not have exactly
``deg Lambda`` distinct roots among the valid positions; it is then reported as the all-zero
message with ``n_errors == -1``.

Chase decoding runs steps 1-3 (except the Chien search) on all test patterns in one batch; since
the number of corrected errors ``deg Lambda`` is known before the Chien search, only the pattern
each word would pick is Chien-searched (and, if its roots turn out invalid, the next one).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shapiq_spex.coding.bch import BCHCode
from shapiq_spex.coding.galois_field import GaloisField, gf

__all__ = ["DecodeResult", "decode_chase", "decode_hard"]

# Words x positions evaluated per Chien-search chunk; small enough for the temporaries (< 1 MB)
# to stay in cache, which measured ~1.6x faster than multi-MB chunks.
_CHIEN_CHUNK_ELEMENTS = 1 << 17
# Received words processed per pass of the algebraic steps: bounds their temporaries to a few
# tens of MB however many words (or Chase test patterns) are decoded at once.
_LOCATE_CHUNK_WORDS = 1 << 15
# 2^depth flip patterns are enumerated per word, so keep the Chase depth modest.
_MAX_CHASE_DEPTH = 16


class DecodeResult(NamedTuple):
    """Outcome of decoding a batch of received parity words.

    Attributes:
        support: ``(W, t)`` ``int64`` array of decoded message positions in ``[0, n)``, sorted
            ascending and padded with ``-1``; all ``-1`` on failure (the all-zero message).
        n_errors: ``(W,)`` ``int64`` array with the number of corrected errors (message plus
            parity positions), or ``-1`` on failure.

    """

    support: NDArray[np.int64]
    n_errors: NDArray[np.int64]

    @property
    def success(self) -> NDArray[np.bool_]:
        """Boolean ``(W,)`` mask of the words that were decoded successfully."""
        return self.n_errors >= 0


@dataclass(frozen=True, eq=False)
class _Tables:
    """Per-code lookup tables for the decoder."""

    field: GaloisField
    syndrome_bytes: NDArray[np.int32]  # (ceil(p/8), 256, t): odd syndromes of each byte value
    quadratic_roots: NDArray[np.int32]  # (2^m,): some y with y^2 + y = c, or -1
    exp16: NDArray[np.uint16]  # field.exp as uint16 (elements < 2^16): halves Chien traffic
    chien_logs: NDArray[np.int32]  # (t, n + p): (-i * d) mod (2^m - 1) for i = 1..t


@functools.lru_cache(maxsize=64)
def _tables(code: BCHCode) -> _Tables:
    """Build (once per code) the tables used by the decoder."""
    field_ = gf(code.m)
    exp, log, order = field_.exp, field_.log, field_.order
    t, p = code.t, code.p

    # Parity bit r sits at degree p - 1 - r, so it adds alpha^(j (p - 1 - r)) to S_j. Tabulate
    # the XOR of these contributions for every value of every byte of np.packbits(bits) (MSB
    # first, zero-padded to whole bytes).
    n_bytes = (p + 7) // 8
    degrees = np.arange(p - 1, -1, -1, dtype=np.int64)
    odd_j = 2 * np.arange(t, dtype=np.int64) + 1
    contrib = np.zeros((8 * n_bytes, t), dtype=np.int32)
    contrib[:p] = exp[np.outer(degrees, odd_j) % order]
    byte_bits = ((np.arange(256)[:, None] >> np.arange(7, -1, -1)) & 1).astype(bool)  # (256, 8)
    syndrome_bytes = np.bitwise_xor.reduce(
        np.where(byte_bits[None, :, :, None], contrib.reshape(n_bytes, 1, 8, t), 0), axis=2
    )

    # y -> y^2 + y is 2-to-1 onto the trace-zero elements; invert it by scattering.
    ys = np.arange(field_.size, dtype=np.int32)
    quadratic_roots = np.full(field_.size, -1, dtype=np.int32)
    quadratic_roots[exp[2 * log[ys]] ^ ys] = ys

    # Lambda(alpha^-d) = sum_i Lambda_i alpha^(-i d): precompute the exponents -i d mod order.
    d = np.arange(code.n + p, dtype=np.int64)
    i = np.arange(1, t + 1, dtype=np.int64)
    chien_logs = ((-np.outer(i, d)) % order).astype(np.int32)

    return _Tables(
        field=field_,
        syndrome_bytes=syndrome_bytes.astype(np.int32),
        quadratic_roots=quadratic_roots,
        exp16=field_.exp.astype(np.uint16),
        chien_logs=chien_logs,
    )


@functools.lru_cache(maxsize=_MAX_CHASE_DEPTH)
def _flip_patterns(depth: int) -> NDArray[np.bool_]:
    """Return all non-empty subsets of ``depth`` positions as a ``(2^depth - 1, depth)`` mask."""
    codes = np.arange(1, 1 << depth)
    patterns = ((codes[:, None] >> np.arange(depth)) & 1).astype(bool)
    patterns.setflags(write=False)
    return patterns


def _shift(poly: NDArray[np.int32], s: int) -> NDArray[np.int32]:
    """Multiply a batch of polynomials (ascending coefficients, fixed width) by ``x^s``."""
    out = np.zeros_like(poly)
    out[:, s:] = poly[:, : poly.shape[1] - s]
    return out


def _syndromes(tables: _Tables, bits: NDArray[np.bool_], t: int) -> NDArray[np.int32]:
    """Return ``S_1, ..., S_2t`` of the words ``[0_n | bits]`` as a ``(W, 2t)`` array."""
    field_ = tables.field
    packed = np.packbits(bits, axis=1)  # (W, ceil(p/8))
    # Byte-table lookups rather than a BLAS product: under CPU contention OpenBLAS threading made
    # that tiny product (and the numpy calls right after it) several times slower.
    odd = tables.syndrome_bytes[0, packed[:, 0]]
    for j in range(1, packed.shape[1]):
        odd ^= tables.syndrome_bytes[j, packed[:, j]]
    syndromes = np.empty((bits.shape[0], 2 * t), dtype=np.int32)
    syndromes[:, 0::2] = odd
    for j in range(2, 2 * t + 1, 2):
        # Binary received word: S_j = S_{j/2}^2 (index 2 * log(0) hits the zero tail of exp).
        syndromes[:, j - 1] = field_.exp[2 * field_.log[syndromes[:, j // 2 - 1]]]
    return syndromes


def _berlekamp_massey(
    field_: GaloisField, syndromes: NDArray[np.int32], t: int
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Binary Berlekamp-Massey algorithm, vectorized over words.

    Only the ``t`` even steps ``k = 0, 2, ..., 2t - 2`` are run: for syndromes of a binary word
    the discrepancy at odd steps is always zero, so an odd step just multiplies ``B`` by ``x``.

    Polynomials are truncated to degree ``t``. This is exact for every word whose final length
    is ``L <= t``: ``L`` never decreases, so all intermediate ``Lambda`` have degree ``<= t``, and
    whenever ``x B`` is used (nonzero discrepancy) it equals ``(Lambda - Lambda_new) / Delta``,
    of degree ``<= t`` too. A word whose true length exceeds ``t`` gets the exact ``L`` up to
    the first step where it exceeds ``t``, and ``L`` only grows afterwards, so it is still
    reported with ``L > t``, i.e. as a failure.

    Returns:
        ``(Lambda, L)``: the ``(W, t + 1)`` error-locator coefficients (ascending, ``Lambda_0 =
        1``; meaningful only where ``L <= t``) and the ``(W,)`` LFSR lengths ``L``.

    """
    exp, log = field_.exp, field_.log
    n_words = syndromes.shape[0]
    lam = np.zeros((n_words, t + 1), dtype=np.int32)
    lam[:, 0] = 1
    b = lam.copy()
    length = np.zeros(n_words, dtype=np.int64)
    log_s = log[syndromes]
    for k in range(0, 2 * t, 2):
        # Discrepancy: sum_i Lambda_i S_{k+1-i}, with S_{k+1-i} in column k - i (i <= min(k, t)).
        terms = min(k, t) + 1
        prods = exp[log[lam[:, :terms]] + log_s[:, k - terms + 1 : k + 1][:, ::-1]]
        delta = np.bitwise_xor.reduce(prods, axis=1)
        log_delta = log[delta]
        new_lam = lam ^ exp[log_delta[:, None] + log[_shift(b, 1)]]
        update = (delta != 0) & (2 * length <= k)
        # log(1 / delta); zero deltas get the zero sentinel (those rows are not updated anyway).
        log_inv = np.where(delta != 0, field_.order - log_delta, field_.log_zero)
        b_from_lam = _shift(exp[log_inv[:, None] + log[lam]], 1)
        b = np.where(update[:, None], b_from_lam, _shift(b, 2))
        length = np.where(update, k + 1 - length, length)
        lam = new_lam
    return lam, length


def _splits_completely(
    field_: GaloisField, lam: NDArray[np.int32], degree: int
) -> NDArray[np.bool_]:
    """Test which locators of exact degree ``degree`` split into distinct linear factors.

    With ``sigma(X) = X^L Lambda(1/X)`` (monic, roots = error locators), ``sigma`` has ``L``
    distinct roots in GF(2^m) iff it divides ``X^(2^m) - X``, i.e. iff ``X^(2^m) = X mod sigma``.
    The Frobenius map ``r -> r^2 mod sigma`` is applied ``m`` times through the matrix of the
    reduced squares ``X^(2i) mod sigma`` (Berlekamp's Q-matrix).

    Args:
        field_: The field.
        lam: ``(W, >= degree + 1)`` locator coefficients with nonzero ``Lambda_degree``.
        degree: Common degree ``L >= 2`` of the locators.

    Returns:
        ``(W,)`` boolean mask.

    """
    exp, log = field_.exp, field_.log
    n_words = lam.shape[0]
    # sigma_j = Lambda_{L-j}; X^L = sum_{j<L} sigma_j X^j modulo sigma (characteristic 2).
    log_low = log[lam[:, degree:0:-1]]

    def times_x(r: NDArray[np.int32]) -> NDArray[np.int32]:
        return _shift(r, 1) ^ exp[log[r[:, -1]][:, None] + log_low]

    # q_rows[i] = X^(2i) mod sigma, laid out (i, word, coefficient) so the sum over i below
    # reduces along the leading axis.
    q_rows = np.zeros((degree, n_words, degree), dtype=np.int32)
    row = np.zeros((n_words, degree), dtype=np.int32)
    row[:, 0] = 1
    q_rows[0] = row
    for i in range(1, degree):
        row = times_x(times_x(row))
        q_rows[i] = row
    log_q = log[q_rows]

    r = np.zeros((n_words, degree), dtype=np.int32)
    r[:, 1] = 1  # X
    for _ in range(field_.m):
        # (sum r_i X^i)^2 = sum r_i^2 X^(2i) in characteristic 2.
        log_squares = log[exp[2 * log[r]]]
        r = np.bitwise_xor.reduce(exp[log_squares.T[:, :, None] + log_q], axis=0)
    target = np.zeros(degree, dtype=np.int32)
    target[1] = 1
    return np.all(r == target, axis=1)


def _chien_search(
    tables: _Tables, lam: NDArray[np.int32], lengths: NDArray[np.int64], n_valid: int
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """Evaluate each locator at ``alpha^-d`` for the valid degrees ``d < n_valid``.

    Args:
        tables: Decoder tables.
        lam: ``(W, >= max(lengths) + 1)`` locator coefficients.
        lengths: ``(W,)`` locator degrees ``L``.
        n_valid: Number of codeword positions ``n + p`` of the shortened code.

    Returns:
        ``(ok, words, degrees)``: ``ok`` marks the words with exactly ``L`` roots among the valid
        degrees; ``(words, degrees)`` lists those roots (error degrees) for the ``ok`` words.

    """
    exp16, log = tables.exp16, tables.field.log
    n_words = lam.shape[0]
    ok = np.zeros(n_words, dtype=bool)
    word_parts, degree_parts = [], []
    step = max(1, _CHIEN_CHUNK_ELEMENTS // n_valid)
    for start in range(0, n_words, step):
        stop = min(start + step, n_words)
        max_len = int(lengths[start:stop].max())
        log_lam = log[lam[start:stop, : max_len + 1]]
        acc = np.ones((stop - start, n_valid), dtype=np.uint16)  # the Lambda_0 = 1 term
        for i in range(1, max_len + 1):
            acc ^= exp16[log_lam[:, i, None] + tables.chien_logs[i - 1, :n_valid]]
        roots = acc == 0
        good = np.count_nonzero(roots, axis=1) == lengths[start:stop]
        ok[start:stop] = good
        local_words, degrees = np.nonzero(roots & good[:, None])
        word_parts.append(local_words + start)
        degree_parts.append(degrees)
    words = np.concatenate(word_parts) if word_parts else np.zeros(0, dtype=np.int64)
    degrees = np.concatenate(degree_parts) if degree_parts else np.zeros(0, dtype=np.int64)
    return ok, words.astype(np.int64), degrees.astype(np.int64)


def _fill_support(
    n_words: int, t: int, words: NDArray[np.int64], positions: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Scatter ``(word, position)`` pairs into a ``(W, t)`` array, rows sorted and -1-padded."""
    support = np.full((n_words, t), -1, dtype=np.int64)
    if words.size:
        order = np.lexsort((positions, words))
        words, positions = words[order], positions[order]
        rank = np.arange(words.size) - np.searchsorted(words, words, side="left")
        support[words, rank] = positions
    return support


class _Located(NamedTuple):
    """Decoder state after Berlekamp-Massey, the closed forms and the splitting test.

    Attributes:
        lam: ``(W, t + 1)`` error-locator coefficients.
        n_errors: ``(W,)`` locator degree ``L`` for decoded or pending words, ``-1`` for failures.
        pending: ``(W,)`` words (``3 <= L <= t``, splitting locator) still needing a Chien search
            to check that all roots lie in the valid positions.
        words: Word index of each error found so far (decoded, non-pending words only).
        degrees: Degree of each such error.

    """

    lam: NDArray[np.int32]
    n_errors: NDArray[np.int64]
    pending: NDArray[np.bool_]
    words: NDArray[np.int64]
    degrees: NDArray[np.int64]


def _locate(code: BCHCode, bits: NDArray[np.bool_], *, fast: bool = True) -> _Located:
    """Run every decoding step except the Chien search on ``(W, p)`` boolean parity words.

    Args:
        code: The code.
        bits: Received parity bits.
        fast: If ``False``, skip the closed forms and the splitting test so that every locator
            of degree ``1..t`` is left to the Chien search (reference path used in tests).

    """
    if bits.shape[0] <= _LOCATE_CHUNK_WORDS:
        return _locate_chunk(code, bits, fast=fast)
    parts = [
        _locate_chunk(code, bits[start : start + _LOCATE_CHUNK_WORDS], fast=fast)
        for start in range(0, bits.shape[0], _LOCATE_CHUNK_WORDS)
    ]
    offsets = np.arange(len(parts)) * _LOCATE_CHUNK_WORDS
    return _Located(
        lam=np.concatenate([part.lam for part in parts]),
        n_errors=np.concatenate([part.n_errors for part in parts]),
        pending=np.concatenate([part.pending for part in parts]),
        words=np.concatenate([part.words + off for part, off in zip(parts, offsets, strict=True)]),
        degrees=np.concatenate([part.degrees for part in parts]),
    )


def _locate_chunk(code: BCHCode, bits: NDArray[np.bool_], *, fast: bool) -> _Located:
    """Implement :func:`_locate` for one chunk of words."""
    tables = _tables(code)
    field_ = tables.field
    exp, log, order = field_.exp, field_.log, field_.order
    t = code.t
    n_valid = code.n + code.p

    syndromes = _syndromes(tables, bits, t)
    lam, length = _berlekamp_massey(field_, syndromes, t)

    n_errors = np.full(bits.shape[0], -1, dtype=np.int64)
    n_errors[length == 0] = 0  # zero syndrome: k = 0, no error
    word_parts: list[NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
    degree_parts: list[NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]

    def accept(words: NDArray[np.int64], degrees: NDArray[np.int64]) -> None:
        """Record decoded ``words`` whose error degrees are the rows of ``degrees``."""
        n_errors[words] = length[words]
        word_parts.append(np.repeat(words, degrees.shape[1]))
        degree_parts.append(degrees.reshape(-1))

    chien_min = 1
    if fast:
        chien_min = 3
        # Degree 1: Lambda = 1 + X x with locator X = alpha^d, so d = log(Lambda_1).
        words = np.flatnonzero(length == 1)
        d1 = log[lam[words, 1]].astype(np.int64)  # log(0) = 2 * order >= n_valid fails below
        good = d1 < n_valid
        accept(words[good], d1[good, None])

        if t >= 2:
            # Degree 2: locators solve X^2 + a X + b = 0; with X = a y this is y^2 + y = b / a^2.
            words = np.flatnonzero(length == 2)
            a, b = lam[words, 1], lam[words, 2]
            valid = (a != 0) & (b != 0)
            log_a = np.where(valid, log[a], 0).astype(np.int64)
            log_c = (log[np.where(valid, b, 1)] - 2 * log_a) % order
            y = np.where(valid, tables.quadratic_roots[exp[log_c]], -1)
            valid &= y > 0  # c != 0 excludes y = 0 and y = 1 is the other root
            x1 = exp[log_a + log[np.where(valid, y, 1)]]
            d1 = log[x1].astype(np.int64)
            d2 = log[x1 ^ np.where(valid, a, 0)].astype(np.int64)
            good = valid & (d1 < n_valid) & (d2 < n_valid)
            accept(words[good], np.stack([d1[good], d2[good]], axis=1))

    # Higher degrees: Lambda_L must be nonzero (deg Lambda = L) and, cheaply checked before any
    # Chien search, Lambda must split into distinct linear factors.
    candidates = np.flatnonzero((length >= chien_min) & (length <= t))
    candidates = candidates[lam[candidates, length[candidates]] != 0]
    if fast and candidates.size:
        keep = np.zeros(candidates.size, dtype=bool)
        cand_len = length[candidates]
        for degree in np.unique(cand_len):
            sel = np.flatnonzero(cand_len == degree)
            keep[sel] = _splits_completely(field_, lam[candidates[sel]], int(degree))
        candidates = candidates[keep]
    n_errors[candidates] = length[candidates]
    pending = np.zeros(bits.shape[0], dtype=bool)
    pending[candidates] = True
    return _Located(
        lam, n_errors, pending, np.concatenate(word_parts), np.concatenate(degree_parts)
    )


def _confirm(
    code: BCHCode, located: _Located, which: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """Chien-search the pending words ``which``.

    Returns:
        ``(ok, words, degrees)``: ``ok[j]`` tells whether ``which[j]`` has all its roots among
        the valid positions; ``(words, degrees)`` lists the errors of the confirmed words.

    """
    if which.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=bool), empty, empty
    ok, local, degrees = _chien_search(
        _tables(code), located.lam[which], located.n_errors[which], code.n + code.p
    )
    return ok, which[local], degrees


def _support(
    code: BCHCode, n_words: int, words: NDArray[np.int64], degrees: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Turn error ``(word, degree)`` pairs into the ``(W, t)`` padded message supports."""
    # Degree d is codeword position n + p - 1 - d; only message positions (< n) form k.
    positions = code.n + code.p - 1 - degrees
    is_message = positions < code.n
    return _fill_support(n_words, code.t, words[is_message], positions[is_message])


def _decode_bits(code: BCHCode, bits: NDArray[np.bool_], *, fast: bool = True) -> DecodeResult:
    """Decode validated ``(W, p)`` boolean parity words (see :func:`_locate` for ``fast``)."""
    located = _locate(code, bits, fast=fast)
    n_errors = located.n_errors.copy()
    which = np.flatnonzero(located.pending)
    ok, words, degrees = _confirm(code, located, which)
    n_errors[which[~ok]] = -1
    support = _support(
        code,
        bits.shape[0],
        np.concatenate([located.words, words]),
        np.concatenate([located.degrees, degrees]),
    )
    return DecodeResult(support, n_errors)


def _choose_variants(
    code: BCHCode, variants: NDArray[np.bool_], n_keep: int
) -> tuple[NDArray[np.bool_], DecodeResult]:
    """Pick, per word, the best decodable of its ``n_keep`` variants (rows ordered by cost).

    Best means fewest corrected errors, then lowest rank. The error count ``L`` is known before
    the Chien search, so only the currently best pending variant of each word is Chien-searched;
    if its roots are not all valid it is dropped and the next best is tried.

    Returns:
        ``(found, result)``: which words have a decodable variant, and the decoded result of the
        chosen variant per word (rows of words without one are all ``-1``).

    """
    n_words = variants.shape[0] // n_keep
    located = _locate(code, variants)
    n_errors = located.n_errors.copy()
    pending = located.pending.copy()
    word_parts, degree_parts = [located.words], [located.degrees]
    rows = np.arange(n_words)
    while True:
        per_word = n_errors.reshape(n_words, n_keep)
        # Fewest corrected errors first, then lowest flip cost (= variant index).
        key = np.where(per_word >= 0, per_word * n_keep + np.arange(n_keep), np.iinfo(np.int64).max)
        best = rows * n_keep + np.argmin(key, axis=1)
        found = n_errors[best] >= 0
        which = best[found & pending[best]]
        if which.size == 0:
            break
        ok, words, degrees = _confirm(code, located, which)
        pending[which] = False
        n_errors[which[~ok]] = -1
        word_parts.append(words)
        degree_parts.append(degrees)

    chosen = np.full(n_words * n_keep, -1, dtype=np.int64)
    chosen[best[found]] = rows[found]  # variant index -> its word, for the chosen variants
    words = np.concatenate(word_parts)
    degrees = np.concatenate(degree_parts)
    owner = chosen[words]
    keep = owner >= 0
    support = _support(code, n_words, owner[keep], degrees[keep])
    return found, DecodeResult(support, np.where(found, n_errors[best], -1))


def _empty_result(code: BCHCode) -> DecodeResult:
    """Return the result for a batch of zero words."""
    return DecodeResult(np.zeros((0, code.t), dtype=np.int64), np.zeros(0, dtype=np.int64))


def _check_code(code: object) -> None:
    """Raise ``TypeError`` unless ``code`` is a :class:`BCHCode`."""
    if not isinstance(code, BCHCode):
        raise TypeError(f"code must be a BCHCode, got {type(code).__name__}")


def decode_hard(code: BCHCode, bits: ArrayLike) -> DecodeResult:
    """Hard-decision bounded-distance decoding of received parity words.

    Decodes ``[0_n | bits]`` for every row of ``bits``: on success the returned support is that
    of the unique message ``k`` with ``|k| + d_H(bits, parity(k)) <= t``.

    Args:
        code: The BCH code.
        bits: ``(W, p)`` received parity bits (bool or integer; nonzero means 1).

    Returns:
        The :class:`DecodeResult`; failed words get the all-zero message and ``n_errors == -1``.

    Raises:
        TypeError: If ``code`` is not a :class:`BCHCode`.
        ValueError: If ``bits`` does not have shape ``(W, p)``.

    """
    _check_code(code)
    arr = np.asarray(bits)
    if arr.ndim != 2 or arr.shape[1] != code.p:
        raise ValueError(f"bits must have shape (W, {code.p}), got {arr.shape}")
    if arr.shape[0] == 0:
        return _empty_result(code)
    return _decode_bits(code, arr != 0)


def decode_chase(code: BCHCode, soft: ArrayLike, depth: int | None = None) -> DecodeResult:
    """Chase-II soft-decision decoding of received parity words.

    Words that hard decoding of ``soft < 0`` cannot decode are retried with test patterns that
    flip subsets of their ``depth`` least reliable bits (smallest ``|soft|``): of the
    ``2^depth - 1`` non-empty patterns the ``depth (depth + 1) / 2`` of lowest cost (sum of the
    flipped ``|soft|``) are hard-decoded in one batch. Among the successful variants the one with
    the fewest corrected errors wins, ties going to the lower flip cost. The result is the same
    as decoding every variant with :func:`decode_hard`, but only the variants that can win are
    Chien-searched.

    Args:
        code: The BCH code.
        soft: ``(W, p)`` real soft values; bit ``r`` is ``soft[:, r] < 0`` with reliability
            ``|soft[:, r]|``.
        depth: Number of least reliable positions to flip, ``1 <= depth <= min(p, 16)``;
            defaults to ``code.t``.

    Returns:
        The :class:`DecodeResult`; ``n_errors`` is the count reported by the hard decoder for the
        chosen variant (flipped bits not included). Words hard decoding already decodes are
        returned as is.

    Raises:
        TypeError: If ``code`` is not a :class:`BCHCode`.
        ValueError: If ``soft`` has the wrong shape or non-finite values, or ``depth`` is
            invalid.

    """
    _check_code(code)
    z = np.asarray(soft, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != code.p:
        raise ValueError(f"soft must have shape (W, {code.p}), got {z.shape}")
    if not np.isfinite(z).all():
        raise ValueError("soft must be finite (no NaN or inf)")
    depth = code.t if depth is None else depth
    max_depth = min(code.p, _MAX_CHASE_DEPTH)
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer):
        raise TypeError(f"depth must be an integer, got {depth!r}")
    if not 1 <= depth <= max_depth:
        raise ValueError(f"depth must lie in [1, {max_depth}], got {depth}")
    depth = int(depth)

    if z.shape[0] == 0:
        return _empty_result(code)
    bits = z < 0
    result = _decode_bits(code, bits)
    failed = np.flatnonzero(result.n_errors < 0)
    if failed.size == 0:
        return result

    reliability = np.abs(z[failed])
    least = np.argpartition(reliability, depth - 1, axis=1)[:, :depth]  # (F, depth)
    patterns = _flip_patterns(depth)
    costs = np.take_along_axis(reliability, least, axis=1) @ patterns.T  # (F, 2^depth - 1)
    n_keep = min(depth * (depth + 1) // 2, patterns.shape[0])
    chosen = np.argpartition(costs, n_keep - 1, axis=1)[:, :n_keep]
    # Sort the kept patterns by cost so that the variant index doubles as the cost rank.
    by_cost = np.argsort(np.take_along_axis(costs, chosen, axis=1), axis=1, kind="stable")
    chosen = np.take_along_axis(chosen, by_cost, axis=1)  # (F, K)

    variants = np.repeat(bits[failed][:, None, :], n_keep, axis=1)  # (F, K, p)
    f_idx, k_idx, j_idx = np.nonzero(patterns[chosen])  # (F, K, depth) flip mask
    variants[f_idx, k_idx, least[f_idx, j_idx]] ^= True  # positions within a pattern are distinct
    found, retry = _choose_variants(code, variants.reshape(-1, code.p), n_keep)

    support = result.support.copy()
    n_errors = result.n_errors.copy()
    support[failed[found]] = retry.support[found]
    n_errors[failed[found]] = retry.n_errors[found]
    return DecodeResult(support, n_errors)

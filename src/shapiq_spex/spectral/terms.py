"""Sets of interactions stored as padded integer matrices.

A collection of ``K`` subsets of ``{0, ..., n-1}`` with at most ``d`` elements is held as an
``int64`` matrix of shape ``(K, d)``: each row lists its elements in ascending order, padded with
``-1`` at the end. This keeps every operation (deduplication, subset enumeration, evaluation on
masks) vectorized and independent of ``n``, which matters for ``n`` in the tens of thousands.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = [
    "PAD",
    "canonical_terms",
    "enumerate_subsets",
    "fourier_basis",
    "fourier_design_dot",
    "key_layout",
    "masks_to_parities",
    "masks_to_products",
    "new_terms",
    "pack_terms",
    "pad_terms",
    "singletons_and_pairs",
    "sum_by_key",
    "terms_from_tuples",
    "terms_to_tuples",
    "union_terms",
    "unpack_terms",
    "xor_rows",
]

PAD = -1
"""Padding value of unused slots in a term row."""

# Bit k (most significant first, as np.packbits orders them) of every byte value.
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(float)
_DOT_CHUNK = 256  # terms per block: their packed parities stay in cache


def terms_from_tuples(
    interactions: Iterable[Iterable[int]], width: int | None = None
) -> np.ndarray:
    """Build a padded term matrix from an iterable of index collections.

    Args:
        interactions: The subsets, each an iterable of player indices (any order, no repeats).
        width: Number of columns; defaults to the size of the largest subset.

    Returns:
        An ``int64`` array of shape ``(K, width)``; rows sorted ascending, padded with ``-1``.
    """
    rows = [sorted(int(i) for i in s) for s in interactions]
    d = max((len(r) for r in rows), default=0) if width is None else width
    out = np.full((len(rows), d), PAD, dtype=np.int64)
    for k, row in enumerate(rows):
        out[k, : len(row)] = row
    return out


def terms_to_tuples(terms: np.ndarray) -> list[tuple[int, ...]]:
    """Convert a padded term matrix to a list of tuples of player indices."""
    return [tuple(int(i) for i in row[row != PAD]) for row in np.asarray(terms)]


def _sort_rows(terms: np.ndarray) -> np.ndarray:
    """Sort each row ascending with the padding moved to the end."""
    big = np.iinfo(np.int64).max
    keyed = np.where(terms == PAD, big, terms)
    keyed.sort(axis=1)
    keyed[keyed == big] = PAD
    return keyed


def canonical_terms(
    terms: np.ndarray, coefficients: np.ndarray | None = None, *, sort_rows: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Deduplicate terms, summing the coefficients of equal rows.

    Args:
        terms: Padded term matrix of shape ``(K, d)``.
        coefficients: Values of shape ``(K,)``; ones if omitted.
        sort_rows: Whether rows may be unsorted (they are sorted first).

    Returns:
        ``(terms, coefficients)`` with unique rows in lexicographic order of (degree, elements) and
        trailing all-padding columns removed.
    """
    terms = np.asarray(terms, dtype=np.int64)
    if terms.ndim != 2:
        msg = f"terms must be a 2-D array, got shape {terms.shape}."
        raise ValueError(msg)
    if coefficients is None:
        coefficients = np.ones(terms.shape[0])
    coefficients = np.asarray(coefficients, dtype=float)
    if terms.shape[0] == 0:
        return np.zeros((0, 0), dtype=np.int64), np.zeros(0)
    if sort_rows:
        terms = _sort_rows(terms)
    degree = (terms != PAD).sum(axis=1)
    width = int(degree.max())
    terms = terms[:, :width]
    # Order by degree first so that the constant term (if any) comes first. Packing the
    # (degree, elements) columns into few integer words keeps the sort cheap (several times
    # faster than np.unique over rows for millions of terms); a stable sort keeps the summation
    # order of equal rows, so results do not depend on the method.
    words = _order_words(degree, terms)
    order = np.lexsort(words[::-1]) if len(words) > 1 else np.argsort(words[0], kind="stable")
    same = np.ones(order.size - 1, dtype=bool)
    for word in words:
        sorted_word = word[order]
        same &= sorted_word[1:] == sorted_word[:-1]
    first = np.r_[True, ~same]
    summed = np.bincount(
        np.cumsum(first) - 1, weights=coefficients[order], minlength=int(first.sum())
    )
    return np.ascontiguousarray(terms[order[first]]), summed


def _order_words(degree: np.ndarray, terms: np.ndarray) -> list[np.ndarray]:
    """Integer words whose lexicographic order is that of the rows ``(degree, terms + 1)``."""
    columns = [degree.astype(np.int64), *(terms + 1).T]
    bits = max(int(max(degree.max(), terms.max(initial=PAD) + 1)).bit_length(), 1)
    per_word = max(63 // bits, 1)
    words = []
    for start in range(0, len(columns), per_word):
        word = np.zeros(terms.shape[0], dtype=np.int64)
        for column in columns[start : start + per_word]:
            word = (word << bits) | column
        words.append(word)
    return words


def enumerate_subsets(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """List every subset of every term.

    Args:
        terms: Padded term matrix of shape ``(K, d)`` with sorted rows.

    Returns:
        ``(subsets, parent, size)``: the padded (unsorted-duplicate) subset matrix of shape
        ``(sum_k 2^|T_k|, d)``, the row of ``terms`` each subset came from, and each subset's size.
    """
    terms = np.asarray(terms, dtype=np.int64)
    k_total, width = terms.shape
    degree = (terms != PAD).sum(axis=1)
    out_subsets, out_parent, out_size = [], [], []
    for d in np.unique(degree):
        rows = np.flatnonzero(degree == d)
        block = terms[rows, :d]
        patterns = ((np.arange(2**d)[:, None] >> np.arange(d)[None, :]) & 1).astype(bool)
        # (rows, patterns, d): keep element where the pattern bit is set.
        picked = np.where(patterns[None, :, :], block[:, None, :], PAD)
        picked = picked.reshape(rows.size * 2**d, d)
        sub = np.full((picked.shape[0], width), PAD, dtype=np.int64)
        sub[:, :d] = picked
        out_subsets.append(_sort_rows(sub))
        out_parent.append(np.repeat(rows, 2**d))
        out_size.append(np.tile(patterns.sum(axis=1), rows.size))
    if not out_subsets:
        return np.zeros((0, width), dtype=np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    del k_total
    return np.concatenate(out_subsets), np.concatenate(out_parent), np.concatenate(out_size)


def _gather_columns(masks: np.ndarray, terms: np.ndarray, reduce: str) -> np.ndarray:
    """Combine the mask columns named by each term with XOR or AND; padding is neutral."""
    m = masks.shape[0]
    k, width = terms.shape
    neutral = reduce == "and"
    out = np.full((m, k), neutral, dtype=bool)
    for j in range(width):
        col = terms[:, j]
        valid = col != PAD
        if not valid.any():
            break
        cols = masks[:, col[valid]]
        if reduce == "xor":
            out[:, valid] ^= cols
        else:
            out[:, valid] &= cols
    return out


def masks_to_parities(masks: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Parities ``<x, k> mod 2`` of every mask with every term.

    Args:
        masks: Boolean array of shape ``(m, n)``.
        terms: Padded term matrix of shape ``(K, d)``.

    Returns:
        Boolean array of shape ``(m, K)``.
    """
    return _gather_columns(np.asarray(masks, dtype=bool), np.asarray(terms), "xor")


def fourier_basis(masks: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """The ±1 Fourier design ``(-1)^{<x, k>}`` of every mask with every term, shape ``(m, K)``."""
    return 1.0 - 2.0 * masks_to_parities(masks, terms)


def masks_to_products(masks: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Indicators ``T ⊆ x`` of every mask with every term (the Möbius basis).

    Args:
        masks: Boolean array of shape ``(m, n)``.
        terms: Padded term matrix of shape ``(K, d)``.

    Returns:
        Boolean array of shape ``(m, K)``.
    """
    return _gather_columns(np.asarray(masks, dtype=bool), np.asarray(terms), "and")


def fourier_design_dot(masks: np.ndarray, terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``X^T w`` for the ±1 Fourier design ``X[i, k] = (-1)^{<x_i, k>}``, without forming ``X``.

    Mask columns are bit-packed along the samples, so a term's parities over all masks are
    the XOR of a few packed columns (``m / 8`` bytes each); the weighted sum over the set bits
    is then read from per-byte tables of partial sums of ``w``. This moves an eighth of the
    memory of a dense design and is exact in double precision.

    Args:
        masks: Boolean array of shape ``(m, n)``.
        terms: Padded term matrix of shape ``(K, d)``.
        weights: Array of shape ``(m,)``.

    Returns:
        Array of shape ``(K,)``: ``sum_i w_i (-1)^{<x_i, k>}`` for every term ``k``.
    """
    masks = np.asarray(masks, dtype=bool)
    terms = np.asarray(terms)
    weights = np.asarray(weights, dtype=float)
    m = masks.shape[0]
    packed = np.packbits(masks.T, axis=1)  # (n, ceil(m / 8)); padding bits are zero
    n_bytes = packed.shape[1]
    padded = np.zeros(n_bytes * 8)
    padded[:m] = weights
    # tables[b, v]: the sum of the weights of byte b's masks whose bit is set in v.
    tables = (padded.reshape(n_bytes, 8) @ _BYTE_BITS.T).ravel()
    offsets = np.arange(n_bytes) * 256
    total = float(weights.sum())
    out = np.empty(terms.shape[0])
    for start in range(0, terms.shape[0], _DOT_CHUNK):
        block = terms[start : start + _DOT_CHUNK]
        parity = xor_rows(packed, block)
        # Masks with odd parity enter with -1: X^T w = sum(w) - 2 * (weights of odd parity).
        out[start : start + _DOT_CHUNK] = total - 2.0 * tables[offsets + parity].sum(axis=1)
    return out


def xor_rows(rows: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """XOR of the rows of ``rows`` that each term names; padding is neutral.

    With ``rows`` the transposed masks ``(n, m)`` this gives every term's parities over the
    masks, ``(K, m)``; with bit-packed transposed masks, the same parities packed. Whole
    contiguous rows are combined, several times faster than gathering columns of row-major
    masks.

    Args:
        rows: Array of shape ``(n, L)`` (bool or an unsigned integer type).
        terms: Padded term matrix of shape ``(K, d)``.

    Returns:
        Array of shape ``(K, L)`` and the dtype of ``rows``.
    """
    out = np.zeros((terms.shape[0], rows.shape[1]), dtype=rows.dtype)
    for j in range(terms.shape[1]):
        col = terms[:, j]
        used = col != PAD
        if used.all():
            out ^= rows[col]
        elif used.any():
            out[used] ^= rows[col[used]]
    return out


def singletons_and_pairs(players: np.ndarray) -> np.ndarray:
    """The first-order terms of ``players`` and every pair among them, shape ``(K, 2)``."""
    players = np.unique(np.asarray(players, dtype=np.int64))
    first, second = np.triu_indices(players.size, 1)
    singles = np.stack([players, np.full(players.size, PAD, dtype=np.int64)], axis=1)
    pairs = np.stack([players[first], players[second]], axis=1)
    return np.concatenate([singles, pairs])


def pad_terms(terms: np.ndarray, width: int) -> np.ndarray:
    """``terms`` widened to ``width`` columns with the padding ``-1`` (never narrowed)."""
    terms = np.asarray(terms, dtype=np.int64)
    if terms.shape[1] >= width:
        return terms
    out = np.full((terms.shape[0], width), PAD, dtype=np.int64)
    out[:, : terms.shape[1]] = terms
    return out


def union_terms(*parts: np.ndarray) -> np.ndarray:
    """The canonical union of several term matrices of any widths."""
    width = max(part.shape[1] for part in parts)
    merged, _ = canonical_terms(np.concatenate([pad_terms(part, width) for part in parts]))
    return merged


def new_terms(known: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Rows of ``candidates`` (sorted, padded rows) that are not rows of ``known``, in order."""
    if len(candidates) == 0:
        return candidates
    width = max(known.shape[1], candidates.shape[1], 1)
    seen = {row.tobytes() for row in pad_terms(known, width)}
    keep = np.array([row.tobytes() not in seen for row in pad_terms(candidates, width)])
    return candidates[keep]


def key_layout(n: int, width: int) -> tuple[int, int, int]:
    """The key layout of subsets of size at most ``width`` of ``{0, ..., n-1}``.

    Returns:
        ``(bits per element, elements per 63-bit word, number of words)``.
    """
    bits = max(1, int(n).bit_length())  # element + 1 ∈ [1, n]; 0 marks an empty slot
    per_word = 63 // bits
    return bits, per_word, max(1, -(-width // per_word))


def pack_terms(terms: np.ndarray, n: int) -> np.ndarray:
    """Encode each sorted, ``-1``-padded term row as a tuple of integer words.

    Args:
        terms: ``int64`` array ``(K, d)``, rows ascending and padded with ``-1`` at the end.
        n: Number of players (sets the bits per element).

    Returns:
        ``int64`` array ``(K, W)``: equal rows encode equal subsets, and lexicographic order of
        the words is a total order on subsets.
    """
    terms = np.asarray(terms, dtype=np.int64)
    bits, per_word, n_words = key_layout(n, terms.shape[1])
    keys = np.zeros((terms.shape[0], n_words), dtype=np.int64)
    for j in range(terms.shape[1]):
        word, slot = divmod(j, per_word)
        keys[:, word] |= (terms[:, j] + 1) << (bits * slot)
    return keys


def unpack_terms(keys: np.ndarray, n: int, width: int) -> np.ndarray:
    """Inverse of :func:`pack_terms`: the padded term matrix ``(K, width)``."""
    keys = np.asarray(keys, dtype=np.int64)
    bits, per_word, _ = key_layout(n, width)
    field = (1 << bits) - 1
    terms = np.empty((keys.shape[0], width), dtype=np.int64)
    for j in range(width):
        word, slot = divmod(j, per_word)
        terms[:, j] = ((keys[:, word] >> (bits * slot)) & field) - 1
    return terms


def sum_by_key(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique key rows (lexicographically sorted) and the sum of ``values`` per key."""
    if keys.shape[0] == 0:
        return keys, values
    if keys.shape[1] == 1:
        order = np.argsort(keys[:, 0], kind="stable")
    else:
        order = np.lexsort(keys.T[::-1])
    keys = keys[order]
    values = values[order]
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)])
    return keys[starts], np.add.reduceat(values, starts)

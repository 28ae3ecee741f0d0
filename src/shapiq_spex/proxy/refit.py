"""Hierarchy-aware choice of the support by held-out error, and its ridge refit.

The proxy's spectrum ranks candidate terms by magnitude. Ranked terms are closed under subsets
(an important interaction comes with its lower-order parts) in an order where *every prefix* is
closed: a subset enters with the first ranked term containing it, before that term. The support
is the prefix whose least-squares fit on the training masks predicts the validation masks best.

All prefixes are scored from one Cholesky factor per penalty: the factor of a leading principal
block of ``G + αI`` is the leading block of the factor of the whole matrix, and so is the
forward-substitution vector, so a prefix costs one back-substitution. The chosen prefix is then
refitted on all masks by ridge regression with the penalty that validated best; its Gram matrix
is a block of the train and validation Gram matrices already computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .._threads import single_blas_thread
from ..spectral.regression import ridge_solve
from ..spectral.terms import (
    PAD,
    enumerate_subsets,
    fourier_design_dot,
    new_terms,
    pack_terms,
    pad_terms,
    xor_rows,
)

__all__ = [
    "TOLERANCE",
    "SupportFit",
    "extend_by_residual",
    "fit_support",
    "hierarchical_order",
    "refit_all",
    "standardization",
    "standardized",
]

_PENALTIES = (1e-8, 1e-4, 1e-2, 1e-1)  # relative to the Gram diagonal (the sample count)
_N_PREFIXES = 48
_ROW_CHUNK = 4096
_FLOAT_MAX = float(np.finfo(float).max)
TOLERANCE = 0.01
"""Relative validation-error margin within which the smaller model is preferred."""


@dataclass
class SupportFit:
    """The validated prefix of an ordered candidate list.

    Attributes:
        terms: The ordered candidates ``(M, d)`` (every prefix closed under subsets).
        size: Number of leading candidates selected.
        val_mse: Validation mean squared error of the selected prefix.
        penalty: Relative ridge penalty that achieved it.
        curve: ``(sizes, best validation MSE per size)`` for diagnostics.
        gram / xty / yty / n_samples: Sufficient statistics of all masks (train and validation)
            for the candidates, to refit any prefix without touching the masks again.
        val_prediction: The selected prefix's predictions of the validation masks (fitted on
            the training masks only), for an honest quality estimate.
    """

    terms: np.ndarray
    size: int
    val_mse: float
    penalty: float
    curve: tuple[np.ndarray, np.ndarray]
    gram: np.ndarray
    xty: np.ndarray
    yty: float
    n_samples: int
    val_prediction: np.ndarray


def standardization(values: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """``(offset, spread)``: the mean of ``values[reference]`` and the largest distance from it.

    Finite values up to the float maximum are handled: when a sum or a difference would
    overflow, both are computed in units of the largest magnitude. The spread is 1 for
    constant values and at most the float maximum.
    """
    values = np.asarray(values, dtype=float)
    magnitude = float(np.max(np.abs(values), initial=0.0))
    if not 0.0 < magnitude < np.inf:
        return 0.0, 1.0
    reference = np.asarray(reference)
    if magnitude * (values.size + 2) < _FLOAT_MAX:  # nothing can overflow
        offset = float(values[reference].mean()) if reference.size else 0.0
        spread = float(np.max(np.abs(values - offset)))
    else:
        units = values / magnitude
        centre = float(np.mean(units[reference])) if reference.size else 0.0
        offset = centre * magnitude
        spread = min(float(np.max(np.abs(units - centre))) * magnitude, _FLOAT_MAX)
    return offset, spread if spread > 0.0 else 1.0


def standardized(values: np.ndarray, offset: float, spread: float) -> np.ndarray:
    """``(values - offset) / spread``, without overflow where the difference would."""
    values = np.asarray(values, dtype=float)
    with np.errstate(over="ignore"):
        out = (values - offset) / spread
    if not np.all(np.isfinite(out)):
        out = values / spread - offset / spread
    return out


def _closure(ranked: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """The distinct subsets of ranked terms, sorted by key.

    Returns:
        ``(subsets, keys, entry, size)``: each subset enters with the best-ranked term
        containing it (``entry`` is that term's position in ``ranked``).
    """
    subsets, entry, size = enumerate_subsets(ranked)
    keys = pack_terms(subsets, n)
    by_key = np.lexsort((entry, *keys.T[::-1]))
    keys, entry, size, subsets = keys[by_key], entry[by_key], size[by_key], subsets[by_key]
    first = np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)]
    return subsets[first], keys[first], entry[first], size[first]


def _entry_order(keys: np.ndarray, entry: np.ndarray, size: np.ndarray) -> np.ndarray:
    # By entry rank, then size (subsets before their supersets), then key (determinism).
    return np.lexsort((*keys.T[::-1], size, entry))


def hierarchical_order(terms: np.ndarray, scores: np.ndarray, n: int, limit: int) -> np.ndarray:
    """Rank terms by score and close them under subsets, every prefix staying closed.

    Args:
        terms: Unique padded term matrix ``(K, d)`` with sorted rows.
        scores: Importance of every term ``(K,)`` (larger first).
        n: Number of players.
        limit: Length of the returned ordering (at most).

    Returns:
        Padded term matrix ``(M, d)``, ``M <= limit``: the subsets of the top-ranked terms,
        ordered by the rank of the first term containing them, then by size.
    """
    limit = max(int(limit), 1)
    terms = np.asarray(terms, dtype=np.int64)
    if terms.shape[0] == 0:
        return np.zeros((1, 0), dtype=np.int64)  # the constant term alone
    ranked = terms[np.argsort(-np.asarray(scores), kind="stable")[:limit]]
    subsets, keys, entry, size = _closure(ranked, n)
    out = subsets[_entry_order(keys, entry, size)[:limit]]
    width = int((out != PAD).sum(axis=1).max(initial=0))
    return np.ascontiguousarray(out[:, :width])


def _reorder_closed(terms: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """The permutation of a subset-closed term list that :func:`hierarchical_order` gives."""
    ranked = np.argsort(-scores, kind="stable")
    _, keys, entry, size = _closure(terms[ranked], n)
    # The closure of a closed list is the list itself: align both by key.
    by_key = np.lexsort(pack_terms(terms, n).T[::-1])
    return by_key[_entry_order(keys, entry, size)]


def _design_t(masks: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """The transposed ±1 Fourier design ``(M, m)`` in float32 (exact entries and Gram sums)."""
    parity = xor_rows(np.ascontiguousarray(np.asarray(masks, dtype=bool).T), terms)
    # 1 - 2 parity, in place (several times faster than a boolean-indexed assignment).
    out = parity.view(np.uint8).astype(np.float32)
    out *= -2.0
    out += 1.0
    return out


def _gram(masks: np.ndarray, terms: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X^T X`` and ``X^T y`` of the Fourier design, assembled in row chunks."""
    k = terms.shape[0]
    gram = np.zeros((k, k))
    for start in range(0, masks.shape[0], _ROW_CHUNK):
        block = _design_t(masks[start : start + _ROW_CHUNK], terms)
        # ±1 products summed in float32 are exact integers below 2^24 rows.
        gram += block @ block.T
    return gram, fourier_design_dot(masks, terms, y)


def _prefix_sizes(total: int, anchor: int | None = None) -> np.ndarray:
    sizes = np.round(np.geomspace(1, total, _N_PREFIXES)).astype(np.int64)
    if anchor is not None:
        sizes = np.append(sizes, min(max(anchor, 1), total))
    return np.unique(sizes)


def _score_prefixes(
    gram: np.ndarray,
    xty: np.ndarray,
    design_val: np.ndarray,
    y_val: np.ndarray,
    sizes: np.ndarray,
    penalties: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validation MSE of every (penalty, prefix size), the full-size coefficients, predictions.

    Args:
        gram: Training Gram matrix ``X^T X`` of the ordered candidates ``(M, M)``.
        xty: Training ``X^T y`` ``(M,)``.
        design_val: Validation design ``(m_val, M)``.
        y_val: Validation values ``(m_val,)``.
        sizes: Prefix sizes to score (the last one is ``M``).
        penalties: Ridge penalties relative to the number of training masks (``gram``'s
            diagonal).

    Returns:
        ``scores`` of shape ``(len(penalties), len(sizes))``, the coefficients of all
        candidates fitted with the penalty that validates best at full size, and the validation
        predictions ``(len(penalties), m_val, len(sizes))``.
    """
    scores = np.full((len(penalties), sizes.size), np.inf)
    predictions = np.zeros((len(penalties), y_val.size, sizes.size))
    full = np.zeros((len(penalties), xty.size))
    coefs = np.zeros((xty.size, sizes.size))
    for p, penalty in enumerate(penalties):
        shifted = gram.copy()
        shifted.flat[:: gram.shape[0] + 1] += penalty * gram[0, 0]
        factor = scipy.linalg.cholesky(shifted, lower=True, check_finite=False, overwrite_a=True)
        forward = scipy.linalg.solve_triangular(factor, xty, lower=True, check_finite=False)
        for i, k in enumerate(sizes):
            coefs[:k, i] = scipy.linalg.solve_triangular(
                factor[:k, :k], forward[:k], lower=True, trans="T", check_finite=False
            )
        predictions[p] = design_val @ coefs
        scores[p] = np.mean((y_val[:, None] - predictions[p]) ** 2, axis=0)
        full[p] = coefs[:, -1]
    return scores, full[int(np.argmin(scores[:, -1]))], predictions


def _pick(scores: np.ndarray, y_val: np.ndarray) -> tuple[int, float]:
    """Index of the smallest prefix within the tolerance of the best, and its error."""
    curve = scores.min(axis=0)
    floor = TOLERANCE * float(curve.min()) + 1e-12 * float(np.mean(y_val**2))
    pick = int(np.flatnonzero(curve <= curve.min() + floor)[0])
    return pick, float(curve[pick])


def fit_support(
    ordered: np.ndarray,
    masks_train: np.ndarray,
    y_train: np.ndarray,
    masks_val: np.ndarray,
    y_val: np.ndarray,
    n: int,
    *,
    anchor: int | None = None,
    penalties: tuple[float, ...] = _PENALTIES,
) -> SupportFit:
    """Choose the support among the prefixes of two rankings by validation error.

    The first ranking is the given one (the proxy's magnitudes). The second re-ranks the same
    candidates by the magnitudes of their joint least-squares fit on the training masks, which
    undoes the proxy's shrinkage and its confusion of correlated terms; it is kept only if one
    of its prefixes validates better.

    Args:
        ordered: Candidate terms ``(M, d)`` whose prefixes are closed under subsets.
        masks_train: Training masks ``(m, n)``.
        y_train: Their (centred) values ``(m,)``.
        masks_val: Validation masks ``(m_val, n)``.
        y_val: Their values, with the same centring.
        n: Number of players.
        anchor: A prefix size always scored (e.g. a previous support placed first).
        penalties: Ridge penalties tried, relative to the number of training masks.

    Returns:
        The selection, with the sufficient statistics of all masks for the refit.
    """
    m_tr = masks_train.shape[0]
    sizes = _prefix_sizes(ordered.shape[0], anchor)
    with single_blas_thread():
        gram_tr, xty_tr = _gram(masks_train, ordered, y_train)
        design_val = _design_t(masks_val, ordered)
        gram_val = design_val @ design_val.T
        design_val = design_val.T.astype(float)  # one upcast for all the prefix predictions
        xty_val = y_val @ design_val
        all_penalties = penalties
        scores, full, predicted = _score_prefixes(
            gram_tr, xty_tr, design_val, y_val, sizes, penalties
        )
        perm = np.arange(ordered.shape[0])
        pick, mse = _pick(scores, y_val)
        penalties = (penalties[int(np.argmin(scores[:, pick]))],)
        # Second ranking, scored at the first one's penalty (the final refit re-tunes it).
        second = _reorder_closed(ordered, np.abs(full), n)
        scores2, _, predicted2 = _score_prefixes(
            gram_tr[np.ix_(second, second)],
            xty_tr[second],
            design_val[:, second],
            y_val,
            sizes,
            penalties,
        )
        pick2, mse2 = _pick(scores2, y_val)
        if mse2 < mse * (1.0 - TOLERANCE) or (mse2 <= mse and pick2 < pick):
            perm, scores, pick, mse, predicted = second, scores2, pick2, mse2, predicted2
        else:
            penalties = all_penalties
    best = int(np.argmin(scores[:, pick]))
    return SupportFit(
        terms=ordered[perm],
        size=int(sizes[pick]),
        val_mse=mse,
        penalty=penalties[best],
        curve=(sizes, scores.min(axis=0)),
        gram=(gram_tr + gram_val)[np.ix_(perm, perm)],
        xty=(xty_tr + xty_val)[perm],
        yty=float(y_train @ y_train + y_val @ y_val),
        val_prediction=predicted[best, :, pick],
        n_samples=m_tr + masks_val.shape[0],
    )


def refit_all(selection: SupportFit) -> tuple[np.ndarray, np.ndarray]:
    """Ridge refit of the selected prefix on all masks, with the penalty that validated best.

    (A cheap Cholesky solve: choosing the penalty again by GCV needs an eigendecomposition,
    about twenty times the cost, and validated no better.)

    Returns:
        ``(terms, coefficients)`` of the selected support.
    """
    return selection.terms[: selection.size], _ridge_all(selection)


def _ridge_all(selection: SupportFit) -> np.ndarray:
    # The penalty is relative to the Gram diagonal, which is the number of masks.
    k = selection.size
    with single_blas_thread():
        return ridge_solve(
            selection.gram[:k, :k],
            selection.xty[:k],
            selection.penalty * selection.n_samples,
        )


def extend_by_residual(
    selection: SupportFit,
    spectrum: np.ndarray,
    scores: np.ndarray,
    masks_train: np.ndarray,
    y_train: np.ndarray,
    n: int,
    limit: int,
    screen: int,
) -> np.ndarray:
    """Candidates for a second selection: the support, then proxy terms the residual needs.

    The proxy's ranking misses terms whose tree coefficients are shrunk or split across
    correlated terms; their correlation with the residual of the current support exposes them.

    Args:
        selection: A first selection.
        spectrum: All proxy terms ``(K, d)``.
        scores: Their proxy magnitudes ``(K,)``.
        masks_train: Training masks ``(m, n)``.
        y_train: Their values ``(m,)``.
        n: Number of players.
        limit: Length of the returned list (at most).
        screen: Number of best-ranked proxy terms screened against the residual.

    Returns:
        Padded terms whose prefixes are closed: the selected support first.
    """
    support = selection.terms[: selection.size]
    coefs = _ridge_all(selection)  # the selection's own fit on all masks
    with single_blas_thread():
        # Single precision suffices: the residual only ranks candidates.
        fitted = coefs.astype(np.float32) @ _design_t(masks_train, support)
    residual = y_train - fitted
    top = spectrum[np.argsort(-scores, kind="stable")[:screen]]
    fresh = new_terms(support, top)
    if fresh.shape[0] == 0:
        return support
    corr = np.abs(fourier_design_dot(masks_train, fresh, residual))
    extra = new_terms(support, hierarchical_order(fresh, corr, n, limit))
    width = max(support.shape[1], extra.shape[1])
    out = np.concatenate([pad_terms(support, width), pad_terms(extra, width)])[:limit]
    used = int((out != PAD).sum(axis=1).max(initial=0))
    return np.ascontiguousarray(out[:, :used])

"""Standard errors of interaction values from the covariance of Fourier coefficients.

Every index this package returns is linear in the game, so an index value is a fixed linear
combination of the Fourier coefficients, and its variance is a quadratic form in their
covariance. The combination is cheap to write down: the indices are symmetric and give nothing
to interactions that hold a player outside a term (a null player of that term), so the value
of the index of one Fourier character ``χ_T`` at an interaction ``R`` is ``w(|T|, |R|)`` for
``R ⊆ T`` and 0 otherwise, independent of ``n``. The weights ``w`` are read once per call
from shapiq's own conversion of the characters ``χ_{0..t-1}`` (so they follow shapiq's index
definitions exactly), and the tests check them against conversions at other ``n``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import scipy.sparse
from shapiq import InteractionValues

from ..spectral.representation import SparseFourier
from ..spectral.terms import PAD
from ..spectral.uncertainty import CovarianceFactor
from ._conversion import to_interaction_values

__all__ = ["index_weights", "interaction_standard_errors"]


def index_weights(index: str, max_order: int, min_order: int, max_degree: int) -> np.ndarray:
    """``w[t, r]``: the index of ``χ_T`` (``|T| = t``) at any ``R ⊆ T`` with ``|R| = r``.

    Args:
        index: The index.
        max_order: Largest reported interaction size.
        min_order: Smallest reported interaction size.
        max_degree: Largest term size needed.

    Returns:
        Array ``(max_degree + 1, max_order + 1)``; entries of unreported sizes are 0.
    """
    weights = np.zeros((max_degree + 1, max_order + 1))
    players = max(max_degree, max_order, 1)
    for t in range(max_degree + 1):
        character = SparseFourier.from_dict({tuple(range(t)): 1.0}, players)
        values = to_interaction_values(
            character.to_moebius(),
            index=index,
            max_order=max_order,
            min_order=min_order,
            estimation_budget=0,
        )
        for r in range(min(t, max_order) + 1):
            position = values.interaction_lookup.get(tuple(range(r)))
            if position is not None:
                weights[t, r] = values.values[position]
    return weights


def _term_map(
    term: tuple[int, ...], lookup: dict[tuple[int, ...], int], weights: np.ndarray
) -> tuple[list[int], list[float]]:
    """Positions of the reported interactions inside ``term`` and the index weights there."""
    t = len(term)
    positions, values = [], []
    for r in range(min(t, weights.shape[1] - 1) + 1):
        if weights[t, r] == 0.0:
            continue
        for subset in combinations(term, r):
            position = lookup.get(subset)
            if position is not None:
                positions.append(position)
                values.append(weights[t, r])
    return positions, values


def _block_variances(
    terms: np.ndarray,
    cov: CovarianceFactor,
    lookup: dict[tuple[int, ...], int],
    weights: np.ndarray,
    size: int,
    cache: dict[tuple[int, ...], tuple[list[int], list[float]]],
) -> np.ndarray:
    """Variance of every reported interaction under one block's covariance.

    ``cache`` maps terms to :func:`_term_map`; averaged fits share most of their terms.
    """
    rows, cols, vals = [], [], []
    for j, row in enumerate(np.asarray(terms).tolist()):
        term = tuple(p for p in row if p != PAD)
        entry = cache.get(term)
        if entry is None:
            entry = cache[term] = _term_map(term, lookup, weights)
        rows += entry[0]
        cols += [j] * len(entry[0])
        vals += entry[1]
    variances = np.zeros(size)
    if not rows:
        return variances
    touched, local = np.unique(np.asarray(rows), return_inverse=True)
    # A maps the block's coefficients to the touched interactions; it is sparse (a term
    # reaches only its own subsets), so diag(A L Lᵀ Aᵀ) costs nnz(A)·q, not touched·K².
    a = scipy.sparse.csr_array(
        (np.asarray(vals), (local, np.asarray(cols))), shape=(touched.size, terms.shape[0])
    )
    projected = np.asarray(a @ cov.factor)
    variances[touched] = np.einsum("ij,ij->i", projected, projected)
    return variances


def interaction_standard_errors(
    result: InteractionValues,
    blocks: list[tuple[np.ndarray, CovarianceFactor, float]],
    index: str,
    max_order: int,
    min_order: int,
) -> InteractionValues:
    """Standard errors of ``result``'s values, as an ``InteractionValues`` on its interactions.

    Args:
        result: The returned interaction values.
        blocks: ``(terms, covariance, scale)`` of each averaged fit (a
            :class:`~shapiq_spex.spectral.uncertainty.CovarianceFactor` in units of
            ``scale²``); the error of the average is the mean of the fits' errors (the fits
            are strongly correlated).
        index: The index of ``result``.
        max_order: Largest reported interaction size.
        min_order: Smallest reported interaction size.

    Returns:
        Non-negative standard errors, same index, orders and ``interaction_lookup``;
        ``baseline_value`` 0.
    """
    lookup = result.interaction_lookup
    size = len(result.values)
    errors = np.zeros(size)
    degree = max((int((t != PAD).sum(axis=1).max(initial=0)) for t, _, _ in blocks), default=0)
    weights = index_weights(index, max_order, min_order, degree)
    cache: dict[tuple[int, ...], tuple[list[int], list[float]]] = {}
    for terms, cov, scale in blocks:
        variance = _block_variances(terms, cov, lookup, weights, size, cache)
        errors += scale * np.sqrt(np.clip(variance, 0.0, None))
    errors /= max(len(blocks), 1)
    return InteractionValues(
        values=errors,
        index=result.index,
        max_order=result.max_order,
        min_order=result.min_order,
        n_players=result.n_players,
        interaction_lookup=dict(lookup),
        estimated=result.estimated,
        estimation_budget=result.estimation_budget,
        baseline_value=0.0,
    )

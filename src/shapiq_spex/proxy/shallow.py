"""The shallow candidate: many small boosted trees, their exact spectrum kept whole.

At tens of queries the tree pipeline's support (a term per four training queries) cannot hold
a function that many players each move a little, and the first-order Lasso has no
interactions. Boosting three-leaf trees with strong shrinkage for a fixed number of rounds
gives a dense, shrunk function of main effects and the pairs along each tree's two splits.
Nothing in it is chosen from the data (no early stopping, no support selection), so a fit on
four fifths of the queries is the same kind of model as one on all of them, and the
cross-fitted score describes the average of the folds' fits that is returned.

Reference: the boosted-stumps-and-pairs proxy is what LightGBM's defaults amount to on tens
of queries (shapiq's ProxySPEX without its grid search); here the leaf count is fixed instead
of following from a minimum leaf size, so the model does not change with the fold's size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..spectral.representation import SparseFourier
from .ensembles import coefficient_table
from .extraction import forest_spectrum
from .fitting import DATASET_PARAMS, booster_params
from .readers import lightgbm_forest

__all__ = [
    "SHALLOW_LEAVES",
    "SHALLOW_MAX_CELLS",
    "SHALLOW_ROUNDS",
    "fit_shallow",
    "jackknife_factor",
]

SHALLOW_LEAVES = 3
"""Leaves per tree: a main effect and one pair per tree."""
SHALLOW_ROUNDS = 200
"""Boosting rounds, each shrunk by :data:`_RATE`."""
SHALLOW_MAX_CELLS = 2_000_000
"""Largest ``queries × players`` for which the shallow candidate is fitted (its five fits'
boosting grows with both; larger budgets per player are the tree pipeline's ground)."""
_RATE = 0.05
_MIN_LEAF = 5  # fewest queries in a leaf: low enough for three leaves on the smallest fold


def fit_shallow(masks: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact Fourier spectrum of boosted three-leaf trees fitted to ``(masks, y)``.

    Args:
        masks: Boolean masks ``(m, n)``.
        y: Their values ``(m,)`` (standardized by the caller: the shrinkage is relative).
        seed: LightGBM's seed.

    Returns:
        ``(terms, coefficients)`` in the format of
        :func:`~shapiq_spex.proxy.extraction.forest_spectrum`.
    """
    import lightgbm

    n = masks.shape[1]
    data = lightgbm.Dataset(masks.astype(np.float32), y, params=DATASET_PARAMS)
    params = booster_params(
        learning_rate=_RATE,
        num_leaves=SHALLOW_LEAVES,
        min_data_in_leaf=_MIN_LEAF,
        seed=seed,
        n_jobs=1,
    )
    booster = lightgbm.train(params, data, num_boost_round=SHALLOW_ROUNDS)
    return forest_spectrum(lightgbm_forest(booster, n, SHALLOW_ROUNDS), n)


def jackknife_factor(functions: Sequence[SparseFourier]) -> tuple[np.ndarray, np.ndarray]:
    """The grouped-jackknife covariance of the folds' average, as ``(terms, factor)``.

    Each of the ``k`` fits left out one of ``k`` equal folds, so ``(k - 1) / k`` times the sum
    of squared deviations of their coefficients from the mean estimates the covariance of a
    fit on all queries (Efron and Stein's grouped jackknife); the factor's columns are the
    scaled deviations, one per fit.
    """
    terms, table = coefficient_table(functions)
    k = table.shape[1]
    deviations = table - table.mean(axis=1, keepdims=True)
    return terms, deviations * np.sqrt((k - 1) / k)

"""The simple answer: a sparse first-order fit (an L1-penalised linear model on the masks).

With tens of queries on a nearly additive model, a Lasso on the players' first-order terms
(what ContextCite fits) beats any interaction model. ProxySPEX fits it beside the trees and
keeps whichever predicts the left-out queries better, so it is never worse than the simple
answer. The penalty is chosen on the same cross-fitting folds as everything else.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import lasso_path

from ..spectral.terms import PAD

__all__ = ["FIRST_ORDER_MAX_CELLS", "alpha_grid", "first_order_terms", "lasso_fits"]

FIRST_ORDER_MAX_CELLS = 40_000_000
"""Largest ``queries × players`` for which the first-order candidate is fitted: beyond it the
dense design costs more than the trees, and with that many queries per player the trees'
support already holds every first-order term that matters."""
_N_ALPHAS = 24
_ALPHA_RATIO = 1e-3  # smallest penalty of the grid, relative to the largest useful one


def first_order_terms(n: int) -> np.ndarray:
    """The constant and the ``n`` first-order Fourier terms, shape ``(n + 1, 1)``."""
    return np.r_[PAD, np.arange(n)].astype(np.int64)[:, None]


def _design(masks: np.ndarray) -> np.ndarray:
    return 1.0 - 2.0 * np.asarray(masks, dtype=float)


def alpha_grid(masks: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Decreasing penalties from the one that zeroes every coefficient down by ``1e-3``."""
    x = _design(masks)
    x -= x.mean(axis=0)
    top = float(np.max(np.abs(x.T @ (y - y.mean())))) / max(masks.shape[0], 1)
    top = top if top > 0 and np.isfinite(top) else 1.0
    return np.geomspace(top, top * _ALPHA_RATIO, _N_ALPHAS)


def lasso_fits(masks: np.ndarray, y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """First-order Fourier coefficients of the Lasso at every penalty.

    Args:
        masks: Training masks ``(m, n)``.
        y: Their values ``(m,)``.
        alphas: Penalties (scikit-learn's scale: ``1/(2m) ||y - Xw||² + α ||w||₁``).

    Returns:
        Coefficients ``(len(alphas), n + 1)`` on :func:`first_order_terms` (constant first).
    """
    x = _design(masks)
    x_mean, y_mean = x.mean(axis=0), float(y.mean())
    x -= x_mean
    with warnings.catch_warnings():
        # Small penalties on few masks stop at the iteration cap; the grid's selection
        # by left-out error decides whether such a fit is used.
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, coefs, _ = lasso_path(x, y - y_mean, alphas=alphas, max_iter=2000, tol=1e-5)
    weights = coefs.T  # (len(alphas), n)
    return np.column_stack([y_mean - weights @ x_mean, weights])

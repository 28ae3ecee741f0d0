"""Least-squares refit of a sparse representation on a fixed support.

The ridge penalty is chosen by generalized cross-validation (GCV). One eigendecomposition of the
Gram matrix serves every candidate penalty, so the search costs no more than a single solve.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg

__all__ = ["RidgeFit", "ridge_gcv_gram", "ridge_solve", "standardization"]

_DEFAULT_SCALES = np.logspace(-10, 1, 23)


def ridge_solve(gram: np.ndarray, xty: np.ndarray, alpha: float) -> np.ndarray:
    """Ridge coefficients for a fixed absolute penalty ``alpha`` (one Cholesky solve).

    Args:
        gram: ``X^T X``, shape ``(K, K)``.
        xty: ``X^T y``, shape ``(K,)``.
        alpha: Penalty added to the diagonal.

    Returns:
        The coefficients, shape ``(K,)``.
    """
    k = xty.shape[0]
    if k == 0:
        return np.zeros(0)
    matrix = np.array(gram, dtype=float)
    matrix.flat[:: k + 1] += alpha
    return scipy.linalg.solve(matrix, xty, assume_a="pos", check_finite=False)


def standardization(values: np.ndarray) -> tuple[float, float]:
    """Centre and spread of ``values`` (spread 1 for a constant), computed without overflow."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return 0.0, 1.0
    centre = float(np.median(values))
    spread = float(np.max(np.abs(values - centre)))
    return centre, (spread if spread > 0 and np.isfinite(spread) else 1.0)


class RidgeFit:
    """Result of :func:`ridge_gcv_gram`.

    Attributes:
        coefficients: Fitted coefficients, shape ``(K,)``.
        alpha: The selected penalty.
        gcv: The GCV score of the selected penalty (mean squared residual inflated by the
            effective degrees of freedom).
        dof: Effective degrees of freedom of the selected fit.
        solve: ``v -> A^{-1} v`` for the regularised normal matrix ``A`` of the fit (leverages,
            cross-validation), or ``None``.
    """

    def __init__(
        self,
        coefficients: np.ndarray,
        alpha: float,
        gcv: float,
        dof: float,
        solve: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.coefficients = coefficients
        self.alpha = alpha
        self.gcv = gcv
        self.dof = dof
        self.solve = solve


def ridge_gcv_gram(
    gram: np.ndarray,
    xty: np.ndarray,
    yty: float,
    n_samples: int,
    *,
    scales: np.ndarray | None = None,
) -> RidgeFit:
    """Ridge regression from sufficient statistics, its penalty chosen by GCV.

    Working from ``X^T X``, ``X^T y`` and ``y^T y`` lets callers assemble them cheaply from
    structured designs (SPEX's aliasing bins) without materialising ``X``.

    Args:
        gram: ``X^T X``, shape ``(K, K)``.
        xty: ``X^T y``, shape ``(K,)``.
        yty: ``y^T y``.
        n_samples: Number of rows ``m`` of ``X``.
        scales: Candidate penalties relative to the mean diagonal of the Gram matrix.

    Returns:
        The fit for the penalty with the lowest GCV score.
    """
    gram = np.asarray(gram, dtype=float)
    xty = np.asarray(xty, dtype=float)
    k = xty.shape[0]
    m = int(n_samples)
    if k == 0:
        return RidgeFit(np.zeros(0), 0.0, float(yty) / max(m, 1), 0.0)
    scale = float(np.trace(gram)) / k
    eigval, eigvec = scipy.linalg.eigh(gram, check_finite=False)
    eigval = np.clip(eigval, 0.0, None)
    proj = eigvec.T @ xty
    scales = _DEFAULT_SCALES if scales is None else np.asarray(scales, dtype=float)
    alphas = scales * max(scale, np.finfo(float).tiny)
    # Closed forms in the eigenbasis, vectorized over all penalties.
    denom = eigval[None, :] + alphas[:, None]
    shrink = proj[None, :] ** 2 / denom
    rss = yty - 2.0 * shrink.sum(axis=1) + (eigval[None, :] * shrink / denom).sum(axis=1)
    rss = np.maximum(rss, 0.0)
    dof = (eigval[None, :] / denom).sum(axis=1)
    resid_dof = np.maximum(m - dof, 1e-12)
    gcv = m * rss / resid_dof**2
    best = int(np.argmin(gcv))
    coef = eigvec @ (proj / denom[best])

    inverse = 1.0 / denom[best]

    def solve(v: np.ndarray) -> np.ndarray:
        return eigvec @ ((eigvec.T @ v) * (inverse[:, None] if v.ndim == 2 else inverse))

    return RidgeFit(coef, float(alphas[best]), float(gcv[best]), float(dof[best]), solve)

"""Least-squares refit of a sparse representation on a fixed support.

The ridge penalty is chosen by generalized cross-validation (GCV). One eigendecomposition of the
Gram matrix serves every candidate penalty, so the search costs no more than a single solve.

Every solver takes optional linear equality constraints ``C b = d``, the exact values of the
function at a few anchor masks (the empty and the full coalition). The constrained minimiser of
``|X b - y|^2 + alpha |b|^2`` is the unconstrained one corrected along ``A^{-1} C^T`` with
``A = X^T X + alpha I`` (the KKT system), so the anchors are met exactly while the rest of the
fit moves as little as the data allow.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg

__all__ = [
    "Constraints",
    "RidgeFit",
    "ridge_gcv_gram",
    "ridge_solve",
    "standardization",
]

_DEFAULT_SCALES = np.logspace(-10, 1, 23)

Constraints = tuple[np.ndarray, np.ndarray]
"""Equality constraints ``(C, d)``: ``C`` of shape ``(r, K)``, ``d`` of shape ``(r,)``."""


def _constrain(
    coefficients: np.ndarray,
    solve: Callable[[np.ndarray], np.ndarray],
    constraints: Constraints | None,
) -> np.ndarray:
    """Correct an unconstrained ridge solution so that ``C b = d`` (KKT system).

    ``solve(v)`` must return ``A^{-1} v`` for the regularised normal matrix ``A``. A rank-deficient
    ``C`` (e.g. two anchors that no support term tells apart) is solved in the least-squares
    sense: the consistent part of the constraints holds exactly.
    """
    if constraints is None:
        return coefficients
    rows, targets = constraints
    rows = np.asarray(rows, dtype=float).reshape(-1, coefficients.size)
    if rows.shape[0] == 0 or coefficients.size == 0:
        return coefficients
    directions = solve(rows.T)  # A^{-1} C^T, shape (K, r)
    schur = rows @ directions
    gap = rows @ coefficients - np.asarray(targets, dtype=float)
    multipliers = np.linalg.lstsq(schur, gap, rcond=1e-12)[0]
    return coefficients - directions @ multipliers


def ridge_solve(
    gram: np.ndarray,
    xty: np.ndarray,
    alpha: float,
    constraints: Constraints | None = None,
) -> np.ndarray:
    """Ridge coefficients for a fixed penalty, optionally under equality constraints.

    Args:
        gram: ``X^T X``, shape ``(K, K)``.
        xty: ``X^T y``, shape ``(K,)``.
        alpha: Absolute ridge penalty added to the diagonal.
        constraints: Optional ``(C, d)`` that the coefficients must satisfy exactly.

    Returns:
        The coefficients, shape ``(K,)``.
    """
    k = xty.shape[0]
    if k == 0:
        return np.zeros(0)
    matrix = np.array(gram, dtype=float)
    matrix.flat[:: k + 1] += alpha
    try:
        factor = scipy.linalg.cho_factor(matrix, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        # A singular Gram matrix without penalty: the smallest penalty that factors it.
        matrix.flat[:: k + 1] += 1e-12 * max(float(np.trace(matrix)) / k, np.finfo(float).tiny)
        factor = scipy.linalg.cho_factor(matrix, lower=True, check_finite=False)

    def solve(v: np.ndarray) -> np.ndarray:
        return scipy.linalg.cho_solve(factor, v, check_finite=False)

    return _constrain(solve(np.asarray(xty, dtype=float)), solve, constraints)


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
    constraints: Constraints | None = None,
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
        constraints: Optional ``(C, d)`` that the returned coefficients satisfy exactly (the
            penalty is chosen on the unconstrained fits; two anchors barely move the score).

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

    coef = _constrain(coef, solve, constraints)
    return RidgeFit(coef, float(alphas[best]), float(gcv[best]), float(dof[best]), solve)

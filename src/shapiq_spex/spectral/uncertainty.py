"""Standard errors of a least-squares fit on a fixed Fourier support.

The covariance of ridge coefficients ``c = H⁻¹ Xᵀ y`` with ``H = XᵀX + αI`` is the sandwich
``H⁻¹ (Xᵀ diag(r²) X) H⁻¹`` (White's heteroskedasticity-robust form): it needs no assumption of
equal noise, and with out-of-fold residuals ``r`` it also carries the model's own error, so
misfit widens the error bars instead of hiding behind a small in-sample residual. Exact
endpoint constraints ``C c = d`` project the coefficients affinely (``c ↦ P c + q``), so the
covariance of the anchored coefficients is ``P Σ Pᵀ``.

A fit's covariance lives on its support plus the few directions of the endpoint correction,
which spreads over many carrier terms: kept as a factor ``L`` with ``Σ = L Lᵀ``
(:class:`CovarianceFactor`), it takes ``K (s + r)`` numbers instead of ``K²``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .terms import fourier_basis

__all__ = [
    "CovarianceFactor",
    "anchored_factor",
    "psd_factor",
    "sandwich_factor",
]


@dataclass(frozen=True)
class CovarianceFactor:
    """A covariance ``L Lᵀ`` kept as its factor ``L`` of shape ``(K, q)``."""

    factor: np.ndarray

    def scaled(self, variance_scale: float) -> CovarianceFactor:
        """The factor of ``variance_scale · L Lᵀ``."""
        return CovarianceFactor(self.factor * np.sqrt(variance_scale))

    def dense(self) -> np.ndarray:
        """``L Lᵀ`` as a ``(K, K)`` matrix."""
        return self.factor @ self.factor.T


_ROW_CHUNK = 4096


def sandwich_factor(
    masks: np.ndarray, terms: np.ndarray, residuals: np.ndarray, penalty: float
) -> np.ndarray:
    """A factor ``L`` of the robust covariance ``L Lᵀ = H⁻¹ (Xᵀ diag(r²) X) H⁻¹`` of ridge fits.

    The coefficients are fitted on a fixed support with ``H = XᵀX + αI``. The meat is factored
    by a pivoted Cholesky decomposition (``K³/3``, rank-revealing), which also saves one of the
    dense sandwich's two ``K³`` products.

    Args:
        masks: Boolean masks ``(m, n)`` the coefficients were fitted on.
        terms: The support ``(K, d)``.
        residuals: One residual per mask ``(m,)`` (out-of-fold residuals for honest bars).
        penalty: The absolute ridge penalty ``α`` of the fit.

    Returns:
        ``L`` of shape ``(K, rank of the meat)``.
    """
    gram, meat = _gram_and_meat(masks, terms, residuals)
    gram.flat[:: terms.shape[0] + 1] += penalty
    # H is positive definite; a pseudo-inverse guards against round-off on tiny penalties.
    return np.linalg.pinv(gram, hermitian=True) @ psd_factor(meat)


def _gram_and_meat(
    masks: np.ndarray, terms: np.ndarray, residuals: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``XᵀX`` and ``Xᵀ diag(r²) X`` of the Fourier design, in row chunks."""
    k = terms.shape[0]
    gram = np.zeros((k, k))
    meat = np.zeros((k, k))
    weights = np.asarray(residuals, dtype=float) ** 2
    for start in range(0, masks.shape[0], _ROW_CHUNK):
        block = fourier_basis(masks[start : start + _ROW_CHUNK], terms)
        gram += block.T @ block
        meat += (block * weights[start : start + _ROW_CHUNK, None]).T @ block
    return gram, meat


def psd_factor(matrix: np.ndarray) -> np.ndarray:
    """``F`` with ``F Fᵀ = matrix`` for a positive semi-definite matrix (pivoted Cholesky)."""
    k = matrix.shape[0]
    if k == 0:
        return np.zeros((0, 0))
    upper, pivots, rank, info = scipy.linalg.lapack.dpstrf(matrix, lower=0)
    if info < 0:  # an illegal argument; info > 0 only reports a rank below k
        msg = f"pivoted Cholesky failed (LAPACK info {info})."
        raise np.linalg.LinAlgError(msg)
    out = np.zeros((k, rank))
    out[pivots - 1] = np.triu(upper)[:rank].T  # Pᵀ M P = Uᵀ U
    return out


def anchored_factor(
    factor: np.ndarray, rows: np.ndarray, anchor_variance: float = 0.0
) -> np.ndarray:
    """The covariance factor after the least-norm projection onto ``rows @ c = d``.

    The anchor values ``d`` are single queries: on a noisy game they carry the noise, and the
    projection passes it to every coefficient (``c ↦ P c + G d`` with ``G = Cᵀ (C Cᵀ)⁺`` and
    ``P = I - G C``).

    Args:
        factor: ``L`` with ``Σ = L Lᵀ`` for the unconstrained coefficients ``(K, q)`` (zero
            rows for terms that only carry the correction).
        rows: The constraint rows ``(r, K)`` (the Fourier basis at the anchor masks).
        anchor_variance: Variance ``σ²`` of each anchor value (independent).

    Returns:
        ``[P L, σ G]`` of shape ``(K, q + r)``: its outer product is ``P Σ Pᵀ + σ² G Gᵀ``.
    """
    rows = np.asarray(rows, dtype=float)
    spread = rows.T @ np.linalg.pinv(rows @ rows.T, rcond=1e-12)  # G, (K, r)
    projected = factor - spread @ (rows @ factor)
    return np.hstack([projected, np.sqrt(max(anchor_variance, 0.0)) * spread])

"""Covariances of `spectral.uncertainty` and their factors, against their definitions and by
simulation."""

import numpy as np
import pytest

from shapiq_spex.spectral.terms import fourier_basis, terms_from_tuples
from shapiq_spex.spectral.uncertainty import (
    CovarianceFactor,
    anchored_factor,
    psd_factor,
    sandwich_factor,
)

pad_terms_of = terms_from_tuples


def _anchored_covariance(cov, rows, anchor_variance=0.0):
    """The covariance that :func:`anchored_factor` factors, from a Cholesky factor of ``cov``."""
    factor = np.linalg.cholesky(cov)
    return CovarianceFactor(anchored_factor(factor, rows, anchor_variance)).dense()


def _case(seed: int, k: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, k))
    return a @ a.T / k, rng.choice([-1.0, 1.0], size=(r, k))


@pytest.mark.parametrize(("k", "r"), [(3, 1), (12, 2), (60, 2), (40, 3)])
def test_the_anchored_covariance_is_that_of_the_projected_coefficients(k, r):
    cov, rows = _case(k, k, r)
    g = rows.T @ np.linalg.inv(rows @ rows.T)
    p = np.eye(k) - g @ rows
    expected = p @ cov @ p.T + 0.7 * g @ g.T
    assert np.allclose(_anchored_covariance(cov, rows, 0.7), expected, atol=1e-12)


def test_the_anchored_covariance_matches_a_simulation_of_noisy_anchors():
    # c_hat ~ N(c, Σ) meets C c = d with d measured once with noise σ²: c_hat ↦ P c_hat + G d.
    cov, rows = _case(1, 6, 2)
    rng = np.random.default_rng(2)
    truth = rng.standard_normal(6)
    draws = 200_000
    c_hat = rng.multivariate_normal(truth, cov, size=draws)
    d = rows @ truth + rng.normal(0.0, np.sqrt(0.5), size=(draws, 2))
    g = rows.T @ np.linalg.inv(rows @ rows.T)
    anchored = c_hat - (c_hat @ rows.T) @ g.T + d @ g.T
    assert np.allclose(anchored @ rows.T, d)  # the constraint holds on every draw
    simulated = np.cov(anchored, rowvar=False)
    assert np.allclose(_anchored_covariance(cov, rows, 0.5), simulated, atol=0.02)


def test_duplicate_constraint_rows_are_handled_by_the_pseudo_inverse():
    cov, rows = _case(3, 8, 1)
    twice = np.vstack([rows, rows])
    assert np.allclose(_anchored_covariance(cov, twice), _anchored_covariance(cov, rows))


def _sandwich_by_definition(masks, terms, residuals, penalty):
    x = fourier_basis(masks, terms)
    h_inv = np.linalg.inv(x.T @ x + penalty * np.eye(terms.shape[0]))
    return h_inv @ (x.T * residuals**2) @ x @ h_inv


@pytest.mark.parametrize("m", [7, 300, 9000])  # fewer masks than terms; one chunk; three
def test_the_sandwich_factor_reproduces_the_robust_covariance(m):
    rng = np.random.default_rng(m)
    masks = rng.random((m, 10)) < 0.5
    terms = pad_terms_of([(), (0,), (1,), (2, 3), (4, 5, 6), (7,), (8, 9), (1, 8), (3,)])
    residuals = rng.standard_normal(m)
    factor = sandwich_factor(masks, terms, residuals, 0.3)
    expected = _sandwich_by_definition(masks, terms, residuals, 0.3)
    assert factor.shape[0] == terms.shape[0] and factor.shape[1] <= min(m, terms.shape[0])
    assert np.allclose(factor @ factor.T, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("k", "q", "r"), [(9, 4, 1), (50, 12, 2)])
def test_the_anchored_factor_is_a_factor_of_the_anchored_covariance(k, q, r):
    rng = np.random.default_rng(k)
    factor = np.zeros((k, q))
    factor[:q] = rng.standard_normal((q, q))  # support first, carriers without own error
    rows = rng.choice([-1.0, 1.0], size=(r, k))
    out = anchored_factor(factor, rows, 0.4)
    assert out.shape == (k, q + r)
    g = rows.T @ np.linalg.pinv(rows @ rows.T)
    p = np.eye(k) - g @ rows
    expected = p @ factor @ factor.T @ p.T + 0.4 * g @ g.T
    assert np.allclose(out @ out.T, expected, atol=1e-12)
    scaled = CovarianceFactor(out).scaled(0.25)
    assert np.allclose(scaled.dense(), 0.25 * expected, atol=1e-12)


@pytest.mark.parametrize(("k", "rank"), [(1, 1), (6, 6), (30, 7)])
def test_the_psd_factor_reproduces_a_possibly_singular_matrix(k, rank):
    rng = np.random.default_rng(k)
    b = rng.standard_normal((rank, k))
    matrix = b.T @ b
    factor = psd_factor(matrix)
    assert factor.shape == (k, rank)  # the numerical rank, not k columns
    assert np.allclose(factor @ factor.T, matrix, atol=1e-10)

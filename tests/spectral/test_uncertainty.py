"""Covariances of `spectral.uncertainty`, against their definitions and by simulation."""

import numpy as np
import pytest

from shapiq_spex.spectral.uncertainty import anchored_covariance


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
    assert np.allclose(anchored_covariance(cov, rows, 0.7), expected, atol=1e-12)


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
    assert np.allclose(anchored_covariance(cov, rows, 0.5), simulated, atol=0.02)


def test_duplicate_constraint_rows_are_handled_by_the_pseudo_inverse():
    cov, rows = _case(3, 8, 1)
    twice = np.vstack([rows, rows])
    assert np.allclose(anchored_covariance(cov, twice), anchored_covariance(cov, rows))

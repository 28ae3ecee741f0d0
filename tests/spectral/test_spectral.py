"""The spectral core checked against brute force over all 2^n masks."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapiq_spex.spectral import (
    SparseFourier,
    SparseMoebius,
    fourier_to_moebius,
    moebius_to_fourier,
)
from shapiq_spex.spectral.regression import ridge_gcv_gram
from shapiq_spex.spectral.terms import PAD, fourier_design_dot
from shapiq_spex.spectral.walsh import fwht


def all_masks(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=bool)


def brute_fourier(coeffs, masks):
    out = np.zeros(len(masks))
    for term, c in coeffs.items():
        out += c * (-1.0) ** masks[:, list(term)].sum(axis=1)
    return out


def brute_moebius(coeffs, masks):
    out = np.zeros(len(masks))
    for term, c in coeffs.items():
        out += c * masks[:, list(term)].all(axis=1)
    return out


@st.composite
def sparse_dicts(draw, max_n=7):
    n = draw(st.integers(1, max_n))
    subsets = st.frozensets(st.integers(0, n - 1), max_size=n)
    terms = draw(st.lists(subsets, max_size=12, unique=True))
    coeffs = {
        tuple(sorted(t)): draw(st.floats(-3, 3, allow_nan=False).filter(lambda x: abs(x) > 1e-3))
        for t in terms
    }
    return n, coeffs


@given(sparse_dicts())
@settings(max_examples=60, deadline=None)
def test_evaluation_matches_definition(case):
    n, coeffs = case
    masks = all_masks(n)
    np.testing.assert_allclose(
        SparseFourier.from_dict(coeffs, n)(masks), brute_fourier(coeffs, masks), atol=1e-12
    )
    np.testing.assert_allclose(
        SparseMoebius.from_dict(coeffs, n)(masks), brute_moebius(coeffs, masks), atol=1e-12
    )


@given(sparse_dicts())
@settings(max_examples=60, deadline=None)
def test_fourier_moebius_round_trip(case):
    n, coeffs = case
    fourier = SparseFourier.from_dict(coeffs, n)
    moebius = fourier_to_moebius(fourier)
    masks = all_masks(n)
    # Same function in both bases, and back again to the same coefficients.
    np.testing.assert_allclose(moebius(masks), fourier(masks), atol=1e-10)
    back = moebius_to_fourier(moebius).pruned(1e-12).to_dict()
    expected = {k: v for k, v in fourier.to_dict().items()}
    assert set(back) == set(expected)
    for key, value in expected.items():
        assert back[key] == pytest.approx(value, abs=1e-10)


def test_unanimity_game_fourier_coefficients():
    # u_S(x) = prod_{i in S} x_i has F(T) = (-1)^{|T|} 2^{-|S|} for every T ⊆ S.
    fourier = moebius_to_fourier(SparseMoebius.from_dict({(1, 3, 4): 1.0}, 6))
    coeffs = fourier.to_dict()
    assert len(coeffs) == 8
    for term, value in coeffs.items():
        assert set(term) <= {1, 3, 4}
        assert value == pytest.approx((-1) ** len(term) / 8)


def test_duplicate_terms_are_summed_and_unsorted_rows_accepted():
    f = SparseFourier(5, np.array([[3, 1], [1, 3], [2, -1]]), np.array([1.0, 2.0, 0.5]))
    assert f.to_dict() == {(2,): 0.5, (1, 3): 3.0}
    assert f[(3, 1)] == 3.0
    assert f[(0,)] == 0.0


def test_a_term_wider_than_every_stored_one_has_coefficient_zero():
    f = SparseFourier.from_dict({(): 1.0, (2,): 0.5}, 4)
    assert f[(1, 2)] == 0.0
    assert f[(0, 1, 3)] == 0.0
    assert SparseFourier.from_dict({(): 2.0}, 3)[(0,)] == 0.0


def test_invalid_terms_raise():
    with pytest.raises(ValueError, match="player indices"):
        SparseFourier(3, np.array([[3]]), np.array([1.0]))
    with pytest.raises(ValueError, match="shape"):
        SparseFourier(3, np.array([[1]]), np.array([1.0, 2.0]))


@pytest.mark.parametrize("b", [0, 1, 3, 6])
def test_fwht_matches_hadamard_matrix(b):
    rng = np.random.default_rng(b)
    x = rng.normal(size=(3, 2**b))
    idx = np.arange(2**b)
    hadamard = (-1.0) ** np.bitwise_count(idx[:, None] & idx[None, :])
    np.testing.assert_allclose(fwht(x), x @ hadamard.T / 2**b, atol=1e-12)
    np.testing.assert_allclose(fwht(fwht(x), normalize=False), x, atol=1e-12)


def test_fwht_rejects_non_power_of_two():
    with pytest.raises(ValueError, match="power-of-two"):
        fwht(np.zeros(6))


def test_dense_transform_recovers_sparse_function():
    # The full WHT of a sparse function's truth table gives back its coefficients.
    n = 6
    coeffs = {(): 0.3, (0, 2): -1.0, (1, 4, 5): 2.0}
    masks = all_masks(n)
    order = (masks * (1 << np.arange(n))).sum(axis=1)
    table = np.empty(2**n)
    table[order] = brute_fourier(coeffs, masks)
    spectrum = fwht(table)
    for term, value in coeffs.items():
        assert spectrum[sum(1 << i for i in term)] == pytest.approx(value)
    assert np.sum(np.abs(spectrum) > 1e-12) == len(coeffs)


def test_ridge_gcv_recovers_noiseless_solution_and_matches_lstsq():
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(200, 10))
    beta = rng.normal(size=10)
    fit = ridge_gcv_gram(x.T @ x, x.T @ (x @ beta), float((x @ beta) @ (x @ beta)), len(x))
    np.testing.assert_allclose(fit.coefficients, beta, atol=1e-6)
    noisy = x @ beta + rng.normal(scale=0.5, size=200)
    fit = ridge_gcv_gram(x.T @ x, x.T @ noisy, float(noisy @ noisy), len(x))
    ls = np.linalg.lstsq(x, noisy, rcond=None)[0]
    # The selected penalty is tiny relative to the Gram diagonal: close to least squares.
    np.testing.assert_allclose(fit.coefficients, ls, atol=0.05)


@given(
    st.integers(1, 40),  # players
    st.integers(1, 70),  # masks: also counts that are not multiples of 8
    st.integers(0, 300),  # terms: spans several blocks of the kernel
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_fourier_design_dot_matches_the_dense_design(n, m, k, seed):
    rng = np.random.default_rng(seed)
    masks = rng.random((m, n)) < 0.5
    weights = rng.standard_normal(m)
    rows = [
        sorted(rng.choice(n, size=rng.integers(0, min(n, 5) + 1), replace=False)) for _ in range(k)
    ]
    width = max((len(r) for r in rows), default=0)
    terms = np.full((k, width), PAD, dtype=np.int64)
    for i, r in enumerate(rows):
        terms[i, : len(r)] = r
    dense = np.array([[(-1.0) ** masks[i, r].sum() for r in rows] for i in range(m)]).reshape(m, k)
    np.testing.assert_allclose(
        fourier_design_dot(masks, terms, weights), dense.T @ weights, atol=1e-12
    )

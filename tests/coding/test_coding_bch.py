import numpy as np
import pytest
from coding_reference import (
    cyclotomic_union,
    field_mul,
    field_pow,
    gf2_mod,
    parity_matrix_ref,
    poly_from_coeffs,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from shapiq_spex.coding.bch import BCHCode, bch_code
from shapiq_spex.coding.galois_field import gf


@pytest.mark.parametrize(
    ("n", "m", "p"), [(64, 7, 35), (256, 9, 45), (1024, 11, 55), (4096, 13, 65), (10000, 14, 70)]
)
def test_expected_parameters_t5(n, m, p):
    code = bch_code(n, 5)
    assert (code.n, code.t, code.m, code.p) == (n, 5, m, p)
    assert code.n_c == 2**m - 1 and code.k_c == code.n_c - p
    assert code.generator.shape == (p + 1,) and code.generator.dtype == np.uint8
    assert code.parity_matrix.shape == (p, n) and code.parity_matrix.dtype == np.uint8


@pytest.mark.parametrize(("n", "t"), [(1, 1), (5, 2), (64, 5), (100, 3), (300, 6), (2000, 8)])
def test_field_degree_is_minimal(n, t):
    code = bch_code(n, t)
    m = code.m
    assert 2**m >= 2 * t + 2
    assert code.p == len(cyclotomic_union(t, 2**m - 1))
    assert code.k_c >= n
    for smaller in range(2, m):
        n_c = 2**smaller - 1
        # Either too short for 2t consecutive roots or too small a dimension.
        assert 2**smaller < 2 * t + 2 or n_c - len(cyclotomic_union(t, n_c)) < n


@pytest.mark.parametrize(("n", "t"), [(1, 1), (3, 1), (7, 2), (40, 3), (64, 5), (500, 4), (90, 8)])
def test_generator_polynomial(n, t):
    code = bch_code(n, t)
    field = gf(code.m)
    g = poly_from_coeffs(code.generator)
    assert set(np.unique(code.generator)) <= {0, 1}
    assert g.bit_length() - 1 == code.p and g & 1
    # g divides x^n_c - 1 = x^n_c + 1 over GF(2).
    assert gf2_mod((1 << code.n_c) | 1, g) == 0
    # alpha^j is a root of g for j = 1..2t (Horner evaluation in the reference field).
    for j in range(1, 2 * t + 1):
        x = field_pow(2, j, field.prim_poly)
        value = 0
        for coeff in reversed(code.generator.tolist()):
            value = field_mul(value, x, field.prim_poly) ^ coeff
        assert value == 0, j


@pytest.mark.parametrize(("n", "t"), [(1, 1), (2, 1), (7, 2), (33, 3), (64, 5), (257, 4), (150, 7)])
def test_parity_matrix_matches_polynomial_division(n, t):
    code = bch_code(n, t)
    np.testing.assert_array_equal(code.parity_matrix, parity_matrix_ref(code.generator, n))


def test_parity_matrix_large_n_consistent():
    code = bch_code(20000, 8)
    g = poly_from_coeffs(code.generator)
    cols = code.parity_matrix
    for i in [0, 1, 9999, 19998, 19999]:
        rem = gf2_mod(1 << (code.p + code.n - 1 - i), g)
        expected = [(rem >> (code.p - 1 - r)) & 1 for r in range(code.p)]
        np.testing.assert_array_equal(cols[:, i], expected)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 300),
    t=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_codewords_are_multiples_of_generator(n, t, seed):
    code = bch_code(n, t)
    rng = np.random.default_rng(seed)
    msg = rng.integers(0, 2, size=(4, n), dtype=np.uint8)
    par = code.parity(msg)
    g = poly_from_coeffs(code.generator)
    for row, prow in zip(msg, par, strict=True):
        # message bit i at degree p + n - 1 - i, parity bit r at degree p - 1 - r
        word = sum(1 << int(code.p + n - 1 - i) for i in np.flatnonzero(row))
        word |= sum(1 << int(code.p - 1 - r) for r in np.flatnonzero(prow))
        assert gf2_mod(word, g) == 0


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    t=st.integers(1, 8),
    width=st.integers(0, 9),
    seed=st.integers(0, 2**32 - 1),
)
def test_parity_of_supports_matches_dense(n, t, width, seed):
    code = bch_code(n, t)
    rng = np.random.default_rng(seed)
    n_words = 7
    supports = np.full((n_words, width), -1, dtype=np.int64)
    dense = np.zeros((n_words, n), dtype=bool)
    for w in range(n_words):
        s = rng.integers(0, min(width, n) + 1)
        pos = rng.choice(n, size=s, replace=False)
        supports[w, rng.choice(width, size=s, replace=False)] = pos  # padding anywhere
        dense[w, pos] = True
    expected = (dense.astype(np.int64) @ code.parity_matrix.T.astype(np.int64)) % 2
    np.testing.assert_array_equal(code.parity_of_supports(supports), expected)
    np.testing.assert_array_equal(code.parity(dense), expected)
    np.testing.assert_array_equal(code.parity(dense.astype(np.uint8)), expected)
    assert code.parity(dense).dtype == np.uint8 and code.parity(dense).shape == (n_words, code.p)


def test_parity_large_n_dense_vs_supports():
    code = bch_code(20000, 5)
    rng = np.random.default_rng(0)
    supports = np.array([rng.choice(code.n, 5, replace=False) for _ in range(300)])
    dense = np.zeros((300, code.n), dtype=np.uint8)
    np.put_along_axis(dense, supports, 1, axis=1)
    np.testing.assert_array_equal(code.parity(dense), code.parity_of_supports(supports))


def test_cache_and_immutability():
    code = bch_code(64, 5)
    assert bch_code(64, 5) is code
    assert bch_code(n=np.int64(64), t=5) is code
    assert isinstance(code, BCHCode)
    assert not code.parity_matrix.flags.writeable and not code.generator.flags.writeable
    with pytest.raises(AttributeError):
        code.n = 3


@pytest.mark.parametrize(
    ("n", "t", "error", "name"),
    [
        (0, 5, ValueError, "n"),
        (-3, 5, ValueError, "n"),
        (2.5, 5, TypeError, "n"),
        (True, 5, TypeError, "n"),
        ("8", 5, TypeError, "n"),
        (10, 0, ValueError, "t"),
        (10, 1.0, TypeError, "t"),
        (10, -1, ValueError, "t"),
    ],
)
def test_bad_arguments(n, t, error, name):
    # A wrong type is a TypeError and a wrong value a ValueError, as everywhere in the package.
    with pytest.raises(error, match=rf"^{name} must"):
        bch_code(n, t)
    with pytest.raises(error, match=rf"^{name} must"):
        BCHCode(n, t)


def test_too_large_code_and_bad_inputs():
    with pytest.raises(ValueError, match="no binary BCH code"):
        bch_code(70000, 8)
    code = bch_code(10, 2)
    with pytest.raises(ValueError, match="messages"):
        code.parity(np.zeros((3, 9)))
    with pytest.raises(ValueError, match="messages"):
        code.parity(np.zeros(10))
    with pytest.raises(ValueError, match="supports"):
        code.parity_of_supports(np.array([[0, 10]]))
    with pytest.raises(ValueError, match="supports"):
        code.parity_of_supports(np.array([[-2, 1]]))
    with pytest.raises(ValueError, match="supports"):
        code.parity_of_supports(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="supports"):
        code.parity_of_supports(np.array([1, 2]))

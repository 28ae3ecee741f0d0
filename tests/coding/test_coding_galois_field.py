import numpy as np
import pytest
from coding_reference import field_mul, field_pow

from shapiq_spex.coding.galois_field import GaloisField, gf

ALL_M = list(range(2, 17))
SMALL_M = [2, 3, 4, 5, 6, 8]


@pytest.mark.parametrize("m", ALL_M)
def test_defining_polynomial_is_primitive(m):
    field = gf(m)
    poly = field.prim_poly
    assert poly.bit_length() == m + 1
    # x generates the whole multiplicative group: x^(2^m - 1) = 1 and x^((2^m - 1)/q) != 1 for
    # every prime q dividing 2^m - 1.
    order = (1 << m) - 1
    assert field_pow(2, order, poly) == 1
    primes = [q for q in range(2, order + 1) if order % q == 0 and all(q % d for d in range(2, q))]
    for q in primes:
        assert field_pow(2, order // q, poly) != 1


@pytest.mark.parametrize("m", ALL_M)
def test_exp_log_tables_are_inverse(m):
    field = gf(m)
    order = field.order
    assert field.size == 1 << m and order == field.size - 1
    elements = np.arange(field.size)
    np.testing.assert_array_equal(field.exp[field.log[elements]], elements)
    np.testing.assert_array_equal(field.log[field.exp[:order]], np.arange(order))
    np.testing.assert_array_equal(field.exp[order : 2 * order], field.exp[:order])
    assert np.all(field.exp[2 * order :] == 0)
    assert field.exp[0] == 1 and field.exp[1] == 2  # alpha = x
    assert np.unique(field.exp[:order]).size == order


@pytest.mark.parametrize("m", SMALL_M)
def test_multiplication_table_matches_reference(m):
    field = gf(m)
    a, b = np.meshgrid(np.arange(field.size), np.arange(field.size), indexing="ij")
    table = field.multiply(a, b)
    expected = np.array(
        [[field_mul(x, y, field.prim_poly) for y in range(field.size)] for x in range(field.size)]
    )
    np.testing.assert_array_equal(table, expected)


@pytest.mark.parametrize("m", ALL_M)
def test_field_axioms_on_random_samples(m):
    field = gf(m)
    rng = np.random.default_rng(m)
    a, b, c = rng.integers(0, field.size, size=(3, 2000))
    mul, add = field.multiply, field.add
    np.testing.assert_array_equal(mul(a, b), mul(b, a))
    np.testing.assert_array_equal(mul(mul(a, b), c), mul(a, mul(b, c)))
    np.testing.assert_array_equal(mul(a, add(b, c)), add(mul(a, b), mul(a, c)))
    np.testing.assert_array_equal(mul(a, 1), a)
    np.testing.assert_array_equal(mul(a, 0), np.zeros_like(a))
    pairs = zip(a[:200], b[:200], strict=True)
    ref = [field_mul(int(x), int(y), field.prim_poly) for x, y in pairs]
    np.testing.assert_array_equal(mul(a[:200], b[:200]), ref)
    nonzero = a[a != 0]
    np.testing.assert_array_equal(mul(nonzero, field.inverse(nonzero)), np.ones_like(nonzero))
    np.testing.assert_array_equal(field.divide(mul(nonzero, b[a != 0]), nonzero), b[a != 0])


@pytest.mark.parametrize("m", [3, 7, 12, 16])
def test_power(m):
    field = gf(m)
    rng = np.random.default_rng(100 + m)
    a = rng.integers(1, field.size, size=300)
    e = rng.integers(-50, 50, size=300)
    poly = field.prim_poly
    # a^(-k) = (a^(2^m - 2))^k since a^(2^m - 2) is the inverse of a (Lagrange).
    bases = [
        int(x) if y >= 0 else field_pow(int(x), field.order - 1, poly)
        for x, y in zip(a, e, strict=True)
    ]
    expected = [field_pow(x, abs(int(y)), poly) for x, y in zip(bases, e, strict=True)]
    np.testing.assert_array_equal(field.power(a, e), expected)
    np.testing.assert_array_equal(field.power(a, field.order), np.ones_like(a))  # Lagrange
    np.testing.assert_array_equal(field.power(0, [0, 1, 5]), [1, 0, 0])
    np.testing.assert_array_equal(field.alpha_power([0, 1, -1]), [1, 2, field.inverse(2)])


def test_errors_and_cache():
    field = gf(4)
    assert gf(4) is field
    with pytest.raises(ZeroDivisionError):
        field.inverse([1, 0])
    with pytest.raises(ZeroDivisionError):
        field.power(0, -1)
    with pytest.raises(ValueError, match="elements"):
        field.multiply(16, 1)
    with pytest.raises(ValueError, match="elements"):
        field.multiply(-1, 1)
    with pytest.raises(ValueError, match="integers"):
        field.multiply(1.5, 1)
    for bad in (1, 17):
        with pytest.raises(ValueError, match="m must"):
            GaloisField(bad)
    for bad in (2.0, True, "3"):  # a wrong type is a TypeError
        with pytest.raises(TypeError, match="m must"):
            GaloisField(bad)
    with pytest.raises(ValueError):
        gf(0)
    assert not field.exp.flags.writeable and not field.log.flags.writeable

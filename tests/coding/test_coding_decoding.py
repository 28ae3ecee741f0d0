import numpy as np
import pytest
from coding_reference import bits_to_ints, parity_matrix_ref, small_supports
from hypothesis import given, settings
from hypothesis import strategies as st

from shapiq_spex.coding import decoding as decoding_module
from shapiq_spex.coding.bch import bch_code
from shapiq_spex.coding.decoding import DecodeResult, decode_hard


def _padded(supports, t):
    out = np.full((len(supports), t), -1, dtype=np.int64)
    for w, s in enumerate(supports):
        out[w, : len(s)] = sorted(s)
    return out


def _noisy_words(code, rng, n_words, max_total=None):
    """Random messages of weight s and e parity flips with s + e <= max_total (default t)."""
    t, n, p = code.t, code.n, code.p
    max_total = t if max_total is None else max_total
    supports, flips = [], []
    bits = np.zeros((n_words, p), dtype=np.uint8)
    ref = parity_matrix_ref(code.generator, n) if n <= 400 else code.parity_matrix
    for w in range(n_words):
        s = int(rng.integers(0, min(max_total, n) + 1))
        e = int(rng.integers(0, min(max_total - s, p) + 1))
        support = rng.choice(n, size=s, replace=False)
        flip = rng.choice(p, size=e, replace=False)
        bits[w] = ref[:, support].sum(axis=1) % 2
        bits[w, flip] ^= 1
        supports.append(support.tolist())
        flips.append(e)
    return bits, supports, np.array([len(s) for s in supports]) + np.array(flips, dtype=int)


@settings(max_examples=120, deadline=None)
@given(n=st.integers(1, 300), t=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_round_trip(n, t, seed):
    code = bch_code(n, t)
    rng = np.random.default_rng(seed)
    bits, supports, total = _noisy_words(code, rng, n_words=6)
    result = decode_hard(code, bits)
    assert isinstance(result, DecodeResult)
    np.testing.assert_array_equal(result.support, _padded(supports, t))
    np.testing.assert_array_equal(result.n_errors, total)
    assert result.success.all()
    assert result.support.dtype == np.int64 and result.n_errors.dtype == np.int64


@pytest.mark.parametrize(
    ("n", "t"),
    [
        (1, 1),
        (2, 1),
        (5, 1),
        (1, 2),
        (2, 2),
        (4, 2),
        (7, 2),
        (8, 2),
        (10, 2),
        (4, 3),
        (6, 3),
        (1, 4),
    ],
)
def test_brute_force_bounded_distance(n, t):
    code = bch_code(n, t)
    p = code.p
    assert p <= 15
    ref = parity_matrix_ref(code.generator, n)
    supports = small_supports(n, t)
    dense = np.zeros((len(supports), n), dtype=np.int64)
    for j, s in enumerate(supports):
        dense[j, list(s)] = 1
    parity_ints = bits_to_ints(dense @ ref.T % 2)  # bit r of the int = parity bit r
    weights = dense.sum(axis=1)

    received = np.arange(2**p)
    received_bits = ((received[:, None] >> np.arange(p)) & 1).astype(np.uint8)
    dist = weights[None, :] + np.bitwise_count(received[:, None] ^ parity_ints[None, :])
    within = dist <= t
    # Designed distance 2t + 1: at most one message within distance t of any received word.
    assert within.sum(axis=1).max() <= 1
    exists = within.any(axis=1)
    best = np.argmin(dist, axis=1)

    result = decode_hard(code, received_bits)
    np.testing.assert_array_equal(result.success, exists)
    decoded = [supports[j] if ok else () for j, ok in zip(best, exists, strict=True)]
    expected_support = _padded(decoded, t)
    np.testing.assert_array_equal(result.support, expected_support)
    np.testing.assert_array_equal(result.n_errors, np.where(exists, dist[received, best], -1))
    # The reference (Chien for every degree) path agrees too.
    slow = decoding_module._decode_bits(code, received_bits.astype(bool), fast=False)
    np.testing.assert_array_equal(slow.support, result.support)
    np.testing.assert_array_equal(slow.n_errors, result.n_errors)


@pytest.mark.parametrize(("n", "t"), [(50, 3), (256, 5), (700, 6), (300, 8), (2000, 4)])
def test_fast_paths_match_plain_chien(n, t):
    code = bch_code(n, t)
    rng = np.random.default_rng(n + t)
    noisy, _, _ = _noisy_words(code, rng, 300, max_total=t + 2)
    random = rng.integers(0, 2, size=(300, code.p))
    bits = np.concatenate([noisy, random]).astype(bool)
    fast = decoding_module._decode_bits(code, bits, fast=True)
    slow = decoding_module._decode_bits(code, bits, fast=False)
    np.testing.assert_array_equal(fast.support, slow.support)
    np.testing.assert_array_equal(fast.n_errors, slow.n_errors)


def test_large_n_with_small_chien_chunks(monkeypatch):
    code = bch_code(20000, 8)
    rng = np.random.default_rng(7)
    bits, supports, total = _noisy_words(code, rng, 40)
    # Extreme positions: first/last message bits together with first/last parity bits.
    edge = code.parity_of_supports(np.array([[0, 19999, 1, 19998, -1, -1, -1, -1]]))
    edge[0, [0, code.p - 1]] ^= 1
    bits = np.concatenate([bits, edge])
    supports.append([0, 1, 19998, 19999])
    total = np.append(total, 6)
    monkeypatch.setattr(decoding_module, "_CHIEN_CHUNK_ELEMENTS", 3 * (code.n + code.p))
    for result in (
        decode_hard(code, bits),
        decoding_module._decode_bits(code, bits.astype(bool), fast=False),
    ):
        np.testing.assert_array_equal(result.support, _padded(supports, 8))
        np.testing.assert_array_equal(result.n_errors, total)


def test_chunked_algebraic_steps(monkeypatch):
    code = bch_code(120, 4)
    rng = np.random.default_rng(11)
    noisy, supports, total = _noisy_words(code, rng, 50)
    bits = np.concatenate([noisy, rng.integers(0, 2, size=(50, code.p))]).astype(bool)
    whole = decode_hard(code, bits)
    monkeypatch.setattr(decoding_module, "_LOCATE_CHUNK_WORDS", 7)
    chunked = decode_hard(code, bits)
    np.testing.assert_array_equal(chunked.support, whole.support)
    np.testing.assert_array_equal(chunked.n_errors, whole.n_errors)
    np.testing.assert_array_equal(chunked.support[:50], _padded(supports, 4))
    np.testing.assert_array_equal(chunked.n_errors[:50], total)


def test_trivial_cases_and_shapes():
    code = bch_code(100, 4)
    zero = decode_hard(code, np.zeros((3, code.p), dtype=bool))
    np.testing.assert_array_equal(zero.support, -np.ones((3, 4)))
    np.testing.assert_array_equal(zero.n_errors, [0, 0, 0])
    empty = decode_hard(code, np.zeros((0, code.p)))
    assert empty.support.shape == (0, 4) and empty.n_errors.shape == (0,)
    # Integer input with values other than 0/1 counts nonzero as 1.
    clean = code.parity_of_supports(np.array([[3, 50, -1]])).astype(np.int64) * 5
    result = decode_hard(code, clean)
    np.testing.assert_array_equal(result.support, [[3, 50, -1, -1]])
    np.testing.assert_array_equal(result.n_errors, [2])


def test_failure_returns_zero_message():
    code = bch_code(64, 2)
    # t + 1 = 3 errors in the parity bits cannot be within distance 2 of a codeword with k = 0,
    # and any other codeword is at distance >= 2t + 1 - 3 = 2; keep only the true failures.
    rng = np.random.default_rng(3)
    bits = np.zeros((200, code.p), dtype=np.uint8)
    for w in range(200):
        bits[w, rng.choice(code.p, 3, replace=False)] = 1
    result = decode_hard(code, bits)
    failed = ~result.success
    assert failed.any()
    assert np.all(result.support[failed] == -1) and np.all(result.n_errors[failed] == -1)
    # Successes here are other codewords exactly 2 away: check them directly.
    ok = result.success
    sup = result.support[ok]
    dist = result.n_errors[ok]
    recon = code.parity_of_supports(sup)
    np.testing.assert_array_equal((sup >= 0).sum(axis=1) + (recon != bits[ok]).sum(axis=1), dist)
    assert np.all(dist <= 2)


def test_bad_arguments():
    code = bch_code(30, 3)
    with pytest.raises(ValueError, match="bits"):
        decode_hard(code, np.zeros((2, code.p + 1)))
    with pytest.raises(ValueError, match="bits"):
        decode_hard(code, np.zeros(code.p))
    with pytest.raises(TypeError, match="BCHCode"):
        decode_hard("code", np.zeros((2, code.p)))

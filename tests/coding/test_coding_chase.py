import itertools

import numpy as np
import pytest
from coding_reference import bits_to_ints, parity_matrix_ref, small_supports

from shapiq_spex.coding.bch import bch_code
from shapiq_spex.coding.decoding import decode_chase, decode_hard


class _BruteForce:
    """Nearest message within distance t by enumerating every support of weight <= t."""

    def __init__(self, code):
        self.t = code.t
        ref = parity_matrix_ref(code.generator, code.n)
        self.supports = small_supports(code.n, code.t)
        dense = np.zeros((len(self.supports), code.n), dtype=np.int64)
        for j, s in enumerate(self.supports):
            dense[j, list(s)] = 1
        self.parity = bits_to_ints(dense @ ref.T % 2)
        self.weight = dense.sum(axis=1)

    def decode(self, bits):
        """Return (support or None, distance) for one received word."""
        received = int(bits_to_ints(np.asarray(bits)[None])[0])
        dist = self.weight + np.bitwise_count(received ^ self.parity)
        j = int(np.argmin(dist))
        return (self.supports[j], int(dist[j])) if dist[j] <= self.t else (None, -1)


def _reference_chase(brute, z, depth):
    """Chase-II exactly as specified, one word at a time."""
    bits = z < 0
    support, dist = brute.decode(bits)
    if support is not None:
        return support, dist
    rel = np.abs(z)
    least = np.argsort(rel)[:depth]
    patterns = [c for r in range(1, depth + 1) for c in itertools.combinations(range(depth), r)]
    patterns.sort(key=lambda c: sum(rel[least[j]] for j in c))
    best = (None, -1, None)
    for rank, pattern in enumerate(patterns[: depth * (depth + 1) // 2]):
        variant = bits.copy()
        variant[least[list(pattern)]] ^= True
        support, dist = brute.decode(variant)
        if support is not None and (best[0] is None or (dist, rank) < (best[1], best[2])):
            best = (support, dist, rank)
    return best[0], best[1]


def _soft_words(code, rng, n_words, extra_errors, small_errors=True):
    """Soft words of random messages with up to t + extra_errors hard errors in total."""
    t, n, p = code.t, code.n, code.p
    z = np.empty((n_words, p))
    truth = []
    for w in range(n_words):
        s = int(rng.integers(0, min(t, n) + 1))
        support = np.sort(rng.choice(n, size=s, replace=False))
        par = code.parity_of_supports(support[None])[0]
        z[w] = (1.0 - 2.0 * par) * rng.uniform(0.5, 2.0, size=p)
        e = min(p, t - s + int(rng.integers(0, extra_errors + 1)))
        flip = rng.choice(p, size=e, replace=False)
        scale = rng.uniform(0.01, 0.4, size=e) if small_errors else 1.0
        z[w, flip] *= -scale
        truth.append(support.tolist())
    return z, truth


@pytest.mark.parametrize(("n", "t", "depth"), [(8, 2, None), (12, 3, None), (12, 3, 4), (5, 2, 1)])
def test_matches_reference_chase(n, t, depth):
    code = bch_code(n, t)
    brute = _BruteForce(code)
    rng = np.random.default_rng(10 * n + t)
    z, _ = _soft_words(code, rng, 150, extra_errors=3, small_errors=False)
    result = decode_chase(code, z, depth=depth)
    hard = decode_hard(code, z < 0)
    assert (result.success & ~hard.success).sum() >= 10  # Chase really did something
    d = t if depth is None else depth
    for w in range(z.shape[0]):
        support, dist = _reference_chase(brute, z[w], d)
        expected = sorted(support) + [-1] * (t - len(support)) if support is not None else [-1] * t
        assert result.support[w].tolist() == expected, w
        assert result.n_errors[w] == dist, w


def _naive_chase(code, z, depth):
    """Chase-II as specified, one word at a time, on top of decode_hard."""
    hard = decode_hard(code, z < 0)
    support, n_errors = hard.support.copy(), hard.n_errors.copy()
    for w in np.flatnonzero(~hard.success):
        rel = np.abs(z[w])
        least = np.argsort(rel)[:depth]
        patterns = [c for r in range(1, depth + 1) for c in itertools.combinations(range(depth), r)]
        patterns.sort(key=lambda c: sum(rel[least[j]] for j in c))
        patterns = patterns[: depth * (depth + 1) // 2]
        variants = np.repeat((z[w] < 0)[None], len(patterns), axis=0)
        for rank, pattern in enumerate(patterns):
            variants[rank, least[list(pattern)]] ^= True
        retry = decode_hard(code, variants)
        if retry.success.any():
            rank = min(np.flatnonzero(retry.success), key=lambda k: (retry.n_errors[k], k))
            support[w], n_errors[w] = retry.support[rank], retry.n_errors[rank]
    return support, n_errors


@pytest.mark.parametrize(("n", "t", "small"), [(256, 5, True), (256, 5, False), (3000, 4, False)])
def test_matches_naive_chase(n, t, small):
    code = bch_code(n, t)
    rng = np.random.default_rng(n + t + small)
    z, _ = _soft_words(code, rng, 150, extra_errors=3, small_errors=small)
    result = decode_chase(code, z)
    support, n_errors = _naive_chase(code, z, t)
    np.testing.assert_array_equal(result.support, support)
    np.testing.assert_array_equal(result.n_errors, n_errors)


def test_recovers_extra_errors_on_least_reliable_bits():
    code = bch_code(256, 5)
    rng = np.random.default_rng(0)
    z, truth = _soft_words(code, rng, 400, extra_errors=2)
    hard = decode_hard(code, z < 0)
    chase = decode_chase(code, z)
    expected = np.full((len(truth), code.t), -1)
    for w, s in enumerate(truth):
        expected[w, : len(s)] = s
    hard_ok = (hard.support == expected).all(axis=1) & hard.success
    chase_ok = (chase.support == expected).all(axis=1) & chase.success
    beyond_t = ~hard.success
    assert beyond_t.sum() > 100  # many words really have more than t hard errors
    assert chase_ok[beyond_t].mean() > 0.95
    assert np.all(chase_ok[hard_ok])


def test_depth_one_always_fixes_single_extra_error():
    code = bch_code(100, 4)
    rng = np.random.default_rng(1)
    n_words = 200
    supports = np.array([rng.choice(code.n, 2, replace=False) for _ in range(n_words)])
    par = code.parity_of_supports(supports)
    z = (1.0 - 2.0 * par) * rng.uniform(1.0, 2.0, size=par.shape)
    for w in range(n_words):
        flips = rng.choice(code.p, 3, replace=False)  # 2 + 3 = t + 1 errors
        z[w, flips] *= -rng.uniform(0.1, 0.9, size=3)
        z[w, flips[0]] = np.sign(z[w, flips[0]]) * 0.05  # still wrong, now the least reliable
    errors = ((z < 0) != par.astype(bool)).sum(axis=1)
    np.testing.assert_array_equal(errors, 3)
    hard = decode_hard(code, z < 0)
    chase = decode_chase(code, z, depth=1)
    # After flipping the least reliable bit only t errors remain: unique decoding succeeds.
    np.testing.assert_array_equal(chase.support[:, :2], np.sort(supports, axis=1))
    np.testing.assert_array_equal(chase.support[:, 2:], -1)
    np.testing.assert_array_equal(chase.n_errors, 4)
    assert (~hard.success).sum() > n_words // 2


def test_clean_words_unchanged():
    code = bch_code(300, 6)
    rng = np.random.default_rng(5)
    z, _ = _soft_words(code, rng, 200, extra_errors=0)
    hard = decode_hard(code, z < 0)
    assert hard.success.all()
    chase = decode_chase(code, z)
    np.testing.assert_array_equal(chase.support, hard.support)
    np.testing.assert_array_equal(chase.n_errors, hard.n_errors)
    empty = decode_chase(code, np.zeros((0, code.p)))
    assert empty.support.shape == (0, 6) and empty.n_errors.shape == (0,)


def test_bad_arguments():
    code = bch_code(30, 3)
    z = np.ones((2, code.p))
    for depth in (0, -1, code.p + 1, 17):
        with pytest.raises(ValueError, match="depth"):
            decode_chase(code, z, depth=depth)
    for depth in (2.5, True):  # a wrong type is a TypeError
        with pytest.raises(TypeError, match="depth"):
            decode_chase(code, z, depth=depth)
    with pytest.raises(ValueError, match="soft"):
        decode_chase(code, np.ones((2, code.p - 1)))
    for value in (np.nan, np.inf, -np.inf):
        bad = z.copy()
        bad[0, 0] = value
        with pytest.raises(ValueError, match="finite"):
            decode_chase(code, bad)
    with pytest.raises(TypeError, match="BCHCode"):
        decode_chase(None, z)

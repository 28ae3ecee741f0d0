"""The evaluator keeps what was asked and what the game answered, and rejects what is not real."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapiq_spex import GameEvaluationError
from shapiq_spex.evaluation import QueryCache
from shapiq_spex.evaluation.evaluator import QueryEvaluator


def value_of(masks):
    """A value that identifies its mask: the mask read as a binary number, plus a half."""
    return masks @ (2.0 ** np.arange(masks.shape[1])) + 0.5


MUTATIONS = {
    "all False": lambda x, rng: x.fill(False),
    "all True": lambda x, rng: x.fill(True),
    "negated": lambda x, rng: np.logical_not(x, out=x),
    "rows reversed": lambda x, rng: x.__setitem__(slice(None), x[::-1].copy()),
    "random bits": lambda x, rng: x.__setitem__(slice(None), rng.random(x.shape) < 0.5),
}


class Vandal:
    """Answers correctly, then writes into its argument; raises on batch ``fail_at``."""

    def __init__(self, mutation, seed, fail_at=None):
        self.mutate = MUTATIONS[mutation]
        self.rng = np.random.default_rng(seed)
        self.fail_at = fail_at
        self.calls = 0

    def __call__(self, masks):
        values = value_of(masks)
        self.mutate(masks, self.rng)
        self.calls += 1
        if self.calls - 1 == self.fail_at:
            raise RuntimeError("vandal failed")
        return values


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 12),
    m=st.integers(1, 40),
    batch_size=st.integers(1, 16),
    mutation=st.sampled_from(sorted(MUTATIONS)),
    fail_at=st.none() | st.integers(0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_game_writing_into_its_argument_changes_nothing_that_is_kept(
    n, m, batch_size, mutation, fail_at, seed
):
    masks = np.random.default_rng(seed).random((m, n)) < 0.5
    requested = masks.copy()
    cache = QueryCache(":memory:", "vandal", n)
    game = Vandal(mutation, seed, fail_at)
    evaluate = QueryEvaluator(game, n, batch_size=batch_size, cache=cache)
    n_batches = -(-m // batch_size)
    if fail_at is None or fail_at >= n_batches:
        np.testing.assert_array_equal(evaluate(masks), value_of(requested))
        kept = m
    else:
        with pytest.raises(GameEvaluationError, match="vandal failed") as info:
            evaluate(masks)
        kept = fail_at * batch_size  # the serial backend runs the batches in order
        np.testing.assert_array_equal(info.value.masks, requested[:kept])
        np.testing.assert_array_equal(info.value.values, value_of(requested[:kept]))
    np.testing.assert_array_equal(masks, requested)  # the caller's array is untouched too
    history_masks, history_values = evaluate.history()
    np.testing.assert_array_equal(history_masks, requested[:kept])
    np.testing.assert_array_equal(history_values, value_of(requested[:kept]))
    values, found = cache.lookup(requested)
    # Every cached value is the value of the mask it is stored under.
    assert found[:kept].all()
    np.testing.assert_array_equal(values[found], value_of(requested[found]))


def ok_prefix_then(bad):
    """A game whose first batch is fine and whose second returns ``bad(m)``."""

    def game(masks):
        game.calls += 1
        return value_of(masks) if game.calls == 1 else bad(len(masks))

    game.calls = 0
    return game


NOT_REAL = {
    "complex": (lambda m: np.arange(m) + 1j, "complex128"),
    "complex, imaginary part 0": (lambda m: np.arange(m) + 0j, "complex128"),
    "datetime64": (lambda m: np.arange(m).astype("datetime64[D]"), "datetime64[D]"),
    "timedelta64": (lambda m: np.arange(m).astype("timedelta64[s]"), "timedelta64[s]"),
    "object": (lambda m: np.array([1.5] * (m - 1) + [None], dtype=object), "object"),
    "str": (lambda m: ["1.0"] * m, "<U3"),
    "bytes": (lambda m: np.array([b"1"] * m), "|S1"),
}


@pytest.mark.parametrize("case", sorted(NOT_REAL))
def test_values_that_are_not_real_numbers_are_refused_with_their_dtype(case):
    bad, dtype = NOT_REAL[case]
    masks = np.random.default_rng(0).random((8, 5)) < 0.5
    evaluate = QueryEvaluator(ok_prefix_then(bad), 5, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. no ComplexWarning on the way
        with pytest.raises(GameEvaluationError, match="dtype") as info:
            evaluate(masks)
    assert dtype in str(info.value)
    assert "real numbers" in str(info.value)
    np.testing.assert_array_equal(info.value.masks, masks[:4])
    np.testing.assert_array_equal(info.value.values, value_of(masks[:4]))


@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint64, np.int64, np.float16, np.float32])
def test_real_dtypes_are_read_as_float64(dtype):
    masks = np.random.default_rng(1).random((6, 4)) < 0.5
    values = QueryEvaluator(lambda x: x.sum(axis=1).astype(dtype), 4)(masks)
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, masks.sum(axis=1).astype(dtype).astype(float))


def test_batch_size_types_and_values():
    assert QueryEvaluator(value_of, 3, batch_size=np.int64(2)).batch_size == 2
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        QueryEvaluator(value_of, 3, batch_size=2.0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        QueryEvaluator(value_of, 3, batch_size=0)


def test_a_batch_failing_the_check_is_kept_and_cached_then_the_call_stops(tmp_path):
    masks = np.zeros((50, 4), dtype=bool)
    masks[np.arange(50), 1 + np.arange(50) % 3] = True
    masks[25:, 0] = True  # from the third batch of 10 on, every mask holds player 0
    cache = QueryCache(tmp_path / "c.sqlite", "check", 4)

    def game(m):
        return m[:, 0] * 2.0 + m[:, 1]  # 2 or more exactly when player 0 is in

    def below_two(values):
        return None if np.all(values < 2) else "values must stay below 2"

    evaluate = QueryEvaluator(game, 4, batch_size=10, cache=cache, check=below_two)
    with pytest.raises(GameEvaluationError, match=r"values must stay below 2.*kept and cached"):
        evaluate(masks)
    kept_masks, kept_values = evaluate.history()
    np.testing.assert_array_equal(kept_masks, masks[:30])
    assert len(kept_values) == 10 * 3  # the first batch with such a value is kept, no later one
    np.testing.assert_array_equal(kept_values, game(masks[:30]))
    stored, found = cache.lookup(masks[:30])
    cache.close()
    assert found.all()
    np.testing.assert_array_equal(stored, kept_values)


def test_the_finite_values_of_a_batch_with_nan_are_kept_and_cached(tmp_path):
    # Paid queries are not lost: one NaN in a batch of 20 keeps the other 19 in the error and
    # the cache, so a resumed run with a mended game asks again for that one mask of the batch
    # (and for the batches never handed out).
    rng = np.random.default_rng(0)
    masks = np.unique(rng.random((80, 12)) < 0.5, axis=0)[:60]
    cache = QueryCache(tmp_path / "c.sqlite", "nan", 12)

    def broken(m):
        values = m.sum(axis=1).astype(float)
        values[(m == masks[7]).all(axis=1)] = np.nan
        return values

    evaluate = QueryEvaluator(broken, 12, batch_size=20, cache=cache)
    with pytest.raises(
        GameEvaluationError, match=r"1 non-finite .* 19 finite value\(s\) are kept and cached"
    ) as info:
        evaluate(masks)
    good = [j for j in range(20) if j != 7]
    np.testing.assert_array_equal(info.value.masks, masks[good])
    np.testing.assert_array_equal(info.value.values, masks[good].sum(axis=1))
    asked = []

    def mended(m):
        asked.append(len(m))
        return m.sum(axis=1).astype(float)

    again = QueryEvaluator(mended, 12, batch_size=20, cache=cache)
    np.testing.assert_array_equal(again(masks), masks.sum(axis=1))
    cache.close()
    assert sum(asked) == 60 - len(good)  # the NaN's mask and the batches never answered

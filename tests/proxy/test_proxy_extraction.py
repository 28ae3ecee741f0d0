"""The Fourier spectrum read from LightGBM models is exact on binary inputs."""

import time

import lightgbm
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from proxy_models import full_model_text, random_booster

from shapiq_spex.proxy.extraction import booster_fourier, booster_spectrum
from shapiq_spex.spectral.terms import PAD, pack_terms, terms_to_tuples, unpack_terms
from shapiq_spex.spectral.walsh import fwht


def all_masks(n):
    # Row j is the binary expansion of j (player i present iff bit i is set).
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)


def dense_spectrum(booster, n):
    """F(k) = 2^-n sum_x f(x) (-1)^{<x,k>}, by the Walsh-Hadamard transform of predictions."""
    return fwht(booster.predict(all_masks(n).astype(float)))


def assert_exact(booster, n, atol=1e-9):
    masks = all_masks(n)
    predicted = booster.predict(masks.astype(float))
    fourier = booster_fourier(booster, n)
    np.testing.assert_allclose(fourier(masks), predicted, rtol=0, atol=atol)
    # Coefficient by coefficient: index j of the dense spectrum is the set of bits of j.
    dense = dense_spectrum(booster, n)
    sparse = np.zeros(2**n)
    for term, value in fourier.to_dict().items():
        sparse[sum(1 << i for i in term)] = value
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=atol)


def repeats_a_feature(booster):
    """Whether some root-to-leaf path splits twice on one feature (from LightGBM's own dump)."""

    def walk(node, seen):
        if "leaf_value" in node:
            return False
        f = node["split_feature"]
        if f in seen:
            return True
        return walk(node["left_child"], seen | {f}) or walk(node["right_child"], seen | {f})

    return any(walk(t["tree_structure"], frozenset()) for t in booster.dump_model()["tree_info"])


@pytest.mark.parametrize("seed", range(12))
def test_trained_models_are_exact_on_all_masks(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 13))
    if seed % 2:
        # Continuous training data: thresholds fall anywhere, features repeat on paths, some
        # splits send 0 and 1 the same way and some leaves are unreachable from binary inputs.
        x = rng.uniform(-0.5, 1.5, size=(600, n))
    else:
        x = rng.integers(0, 2, size=(600, n)).astype(float)
    zero_as_missing = seed % 3 == 2
    if seed % 3 == 1:
        x[rng.random(x.shape) < 0.2] = np.nan  # NaN missing type
    clean = np.nan_to_num(x)
    y = clean[:, 0] * clean[:, 1 % n] - np.sin(3 * clean[:, -1]) + rng.normal(0, 0.1, 600)
    params = {
        "objective": "regression",
        "verbose": -1,
        "max_depth": int(rng.integers(1, 9)),
        "num_leaves": int(rng.integers(2, 64)),
        "min_data_in_leaf": 3,
        "zero_as_missing": zero_as_missing,
        "seed": seed,
        "num_threads": 1,  # OpenMP threads spin on a loaded machine
    }
    booster = lightgbm.train(
        params, lightgbm.Dataset(x, y), num_boost_round=int(rng.integers(1, 40))
    )
    assert_exact(booster, n)


def test_continuous_training_data_yields_repeated_features_and_stays_exact():
    rng = np.random.default_rng(0)
    n = 6
    x = rng.uniform(-0.5, 1.5, size=(2000, n))
    y = np.sin(4 * x[:, 0]) + x[:, 1] * x[:, 2]
    params = {
        "objective": "regression",
        "verbose": -1,
        "num_leaves": 32,
        "min_data_in_leaf": 5,
        "num_threads": 1,
    }
    booster = lightgbm.train(params, lightgbm.Dataset(x, y), num_boost_round=10)
    assert repeats_a_feature(booster)
    assert_exact(booster, n)


@pytest.mark.parametrize("seed", range(8))
def test_random_trees_with_every_decision_type_are_exact(seed):
    # Random shapes, features drawn per node (frequent repeats on a path), thresholds below,
    # between and above {0, 1}, every default-direction and missing-type combination.
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 11))
    booster = random_booster(rng, n, int(rng.integers(1, 25)), int(rng.integers(1, 9)))
    assert_exact(booster, n)


def test_sklearn_wrapper_and_num_iteration():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, size=(400, 5)).astype(float)
    y = x[:, 0] * x[:, 1] + x[:, 2]
    model = lightgbm.LGBMRegressor(n_estimators=20, max_depth=3, verbose=-1, n_jobs=1).fit(x, y)
    masks = all_masks(5)
    np.testing.assert_allclose(
        booster_fourier(model, 5)(masks), model.predict(masks.astype(float)), atol=1e-9
    )
    first = booster_fourier(model, 5, num_iteration=4)
    np.testing.assert_allclose(
        first(masks), model.booster_.predict(masks.astype(float), num_iteration=4), atol=1e-9
    )


def test_tree_of_depth_d_has_terms_of_degree_at_most_d():
    rng = np.random.default_rng(3)
    booster = random_booster(rng, 12, 30, 3, split_prob=1.0, thresholds=(0.5,))
    terms, _ = booster_spectrum(booster, 12)
    assert terms.shape[1] <= 3


def test_single_leaf_trees_are_constants():
    x = np.zeros((50, 3))
    y = np.full(50, 2.5)
    booster = lightgbm.train(
        {"objective": "regression", "verbose": -1, "num_threads": 1}, lightgbm.Dataset(x, y), 3
    )
    fourier = booster_fourier(booster, 3)
    assert fourier.to_dict() == pytest.approx({(): 2.5})


def test_large_forest_is_fast_and_exact():
    # 1000 complete trees of depth 6 on n = 1000: 4 million leaf-subset contributions.
    rng = np.random.default_rng(0)
    n = 1000
    booster = lightgbm.Booster(model_str=full_model_text(rng, n, 1000, 6))
    start = time.perf_counter()
    terms, coefs = booster_spectrum(booster, n)
    elapsed = time.perf_counter() - start
    masks = rng.integers(0, 2, size=(20, n)).astype(bool)
    # x_ext[-1] is False, so padding slots (-1) never flip a parity.
    values = [
        coefs @ (1.0 - 2.0 * np.bitwise_xor.reduce(np.r_[x, False][terms], axis=1)) for x in masks
    ]
    np.testing.assert_allclose(values, booster.predict(masks.astype(float)), atol=1e-9)
    assert elapsed < 5.0, elapsed


@pytest.mark.parametrize(("n", "width"), [(1, 1), (7, 3), (1000, 6), (10_000, 8), (2**20, 5)])
def test_pack_unpack_roundtrip_and_uniqueness(n, width):
    rng = np.random.default_rng(n)
    rows = []
    for _ in range(300):
        size = int(rng.integers(0, min(width, n) + 1))
        row = np.sort(rng.choice(n, size=size, replace=False))
        rows.append(np.r_[row, np.full(width - size, PAD)])
    terms = np.array(rows, dtype=np.int64)
    keys = pack_terms(terms, n)
    np.testing.assert_array_equal(unpack_terms(keys, n, width), terms)
    distinct_terms = len(set(terms_to_tuples(terms)))
    assert len({k.tobytes() for k in keys}) == distinct_terms


@settings(max_examples=50, deadline=None)
@given(st.sets(st.frozensets(st.integers(0, 9999), max_size=8), min_size=1, max_size=40))
def test_pack_is_injective(subsets):
    from shapiq_spex.spectral.terms import terms_from_tuples

    terms = terms_from_tuples(subsets, width=8)
    keys = pack_terms(terms, 10_000)
    assert len({k.tobytes() for k in keys}) == len(subsets)
    assert set(terms_to_tuples(unpack_terms(keys, 10_000, 8))) == {
        tuple(sorted(s)) for s in subsets
    }


def test_rejects_unsupported_models():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(300, 3)).astype(float)
    y = x[:, 0]
    cat = lightgbm.train(
        {"objective": "regression", "verbose": -1, "min_data_per_group": 5, "num_threads": 1},
        lightgbm.Dataset(x, y, categorical_feature=[0]),
        5,
    )
    with pytest.raises(ValueError, match=r"categorical|num_cat"):
        booster_spectrum(cat, 3)
    multi = lightgbm.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "num_threads": 1},
        lightgbm.Dataset(x, x[:, 0].astype(int)),
        2,
    )
    with pytest.raises(ValueError, match="single-output"):
        booster_spectrum(multi, 3)
    last = lightgbm.train(
        {"objective": "regression", "verbose": -1, "num_threads": 1},
        lightgbm.Dataset(x, x[:, 2]),
        2,
    )
    with pytest.raises(ValueError, match="feature 2"):
        booster_spectrum(last, 2)
    with pytest.raises(TypeError, match="booster"):
        booster_spectrum(object(), 3)

"""Support ordering, validated selection and refit; mask designs; the LightGBM proxy fit."""

from itertools import combinations

import numpy as np
import pytest

from shapiq_spex.games import SparseFourierGame
from shapiq_spex.proxy.fitting import ProxyTrainer
from shapiq_spex.proxy.refit import (
    _reorder_closed,
    extend_by_residual,
    fit_support,
    hierarchical_order,
    refit_all,
    standardization,
    standardized,
)
from shapiq_spex.proxy.sampling import sample_masks
from shapiq_spex.spectral.terms import terms_from_tuples, terms_to_tuples


def random_terms(rng, n, k, max_size):
    found = set()
    while len(found) < k:
        size = int(rng.integers(1, max_size + 1))
        found.add(tuple(sorted(rng.choice(n, size, replace=False).tolist())))
    return sorted(found)


def subsets(term):
    return {c for r in range(len(term) + 1) for c in combinations(term, r)}


def assert_prefixes_closed(ordered):
    seen = set()
    for term in ordered:
        # Every proper subset of a term comes before it.
        assert subsets(term) - {term} <= seen, term
        seen.add(term)


@pytest.mark.parametrize("seed", range(5))
def test_hierarchical_order_has_closed_prefixes_and_follows_the_ranking(seed):
    rng = np.random.default_rng(seed)
    terms = random_terms(rng, 30, 40, 4)
    scores = rng.random(len(terms))
    ordered = terms_to_tuples(hierarchical_order(terms_from_tuples(terms), scores, 30, 10_000))
    assert len(ordered) == len(set(ordered))
    assert_prefixes_closed(ordered)
    assert set(ordered) == set().union(*(subsets(t) for t in terms))
    # At every rank boundary the prefix is exactly the closure of the best-ranked terms.
    ranked = [terms[i] for i in np.argsort(-scores, kind="stable")]
    for r in range(1, len(ranked) + 1):
        closure = set().union(*(subsets(t) for t in ranked[:r]))
        assert set(ordered[: len(closure)]) == closure


def test_hierarchical_order_respects_the_limit_and_keeps_the_best_terms():
    rng = np.random.default_rng(7)
    terms = random_terms(rng, 20, 30, 3)
    scores = rng.random(len(terms))
    ordered = terms_to_tuples(hierarchical_order(terms_from_tuples(terms), scores, 20, 12))
    assert len(ordered) <= 12
    assert_prefixes_closed(ordered)
    best = terms[int(np.argmax(scores))]
    assert ordered[: len(subsets(best))][-1] == best


def test_reorder_closed_is_a_permutation_with_closed_prefixes():
    rng = np.random.default_rng(3)
    closed = terms_to_tuples(
        hierarchical_order(terms_from_tuples(random_terms(rng, 25, 30, 4)), np.ones(30), 25, 10**6)
    )
    matrix = terms_from_tuples(closed)
    scores = rng.random(len(closed))
    perm = _reorder_closed(matrix, scores, 25)
    assert sorted(perm.tolist()) == list(range(len(closed)))
    reordered = [closed[i] for i in perm]
    assert_prefixes_closed(reordered)
    # Same order as closing the list ranked by these scores from scratch.
    again = terms_to_tuples(hierarchical_order(matrix, scores, 25, 10**6))
    assert reordered == again


def test_selection_recovers_an_exactly_sparse_function_among_decoys():
    rng = np.random.default_rng(0)
    n = 40
    game = SparseFourierGame.random(n, 12, 3, constant=0.5, random_state=1)
    truth = game.fourier.to_dict()
    decoys = random_terms(rng, n, 60, 3)
    candidates = list(truth) + [d for d in decoys if d not in truth]
    # Proxy-like scores: decoys ranked in between the true terms.
    scores = np.r_[
        np.abs(list(truth.values())), rng.uniform(0.5, 2.0, len(candidates) - len(truth))
    ]
    ordered = hierarchical_order(terms_from_tuples(candidates), scores, n, 10_000)
    masks = sample_masks(n, 1200, rng)
    y = game(masks)
    selection = fit_support(ordered, masks[:1000], y[:1000], masks[1000:], y[1000:], n)
    terms, coefs = refit_all(selection)
    found = dict(zip(terms_to_tuples(terms), coefs, strict=True))
    for key, value in truth.items():
        assert found[key] == pytest.approx(value, abs=1e-6)
    assert max(abs(v) for k, v in found.items() if k not in truth) < 1e-6
    assert selection.val_mse < 1e-10


def test_sample_masks_designs():
    rng = np.random.default_rng(0)
    uniform = sample_masks(50, 2000, rng)
    assert uniform.shape == (2000, 50) and uniform.dtype == bool
    assert abs(uniform.mean() - 0.5) < 0.01
    paired = sample_masks(50, 2001, rng, "paired")
    assert paired.shape == (2001, 50)
    # Each mask is followed by its complement; the odd last mask has none.
    np.testing.assert_array_equal(paired[1:2000:2], ~paired[0:2000:2])
    # A larger m only appends: every earlier query (and its cache entry) is reused.
    for design in ("uniform", "paired"):
        small = sample_masks(50, 300, np.random.default_rng(7), design)
        large = sample_masks(50, 1000, np.random.default_rng(7), design)
        np.testing.assert_array_equal(large[:300], small)
    with pytest.raises(ValueError, match="design"):
        sample_masks(5, 10, rng, "sobol")


def test_fit_proxy_is_deterministic_and_silent(capfd):
    rng = np.random.default_rng(0)
    game = SparseFourierGame.random(20, 10, 3, random_state=0)
    masks = sample_masks(20, 600, rng)
    y = game(masks)
    fits = [
        ProxyTrainer(masks[:500], y[:500], masks[500:], y[500:]).fit(
            max_depth=3, seed=5, max_trees=200
        )
        for _ in range(2)
    ]
    assert fits[0].booster.model_to_string() == fits[1].booster.model_to_string()
    assert 1 <= fits[0].n_trees <= 200

    def depth(node):
        if "leaf_value" in node:
            return 0
        return 1 + max(depth(node["left_child"]), depth(node["right_child"]))

    trees = fits[0].booster.dump_model()["tree_info"]
    assert all(t["num_leaves"] <= 8 and depth(t["tree_structure"]) <= 3 for t in trees)
    deep = ProxyTrainer(masks[:500], y[:500], masks[500:], y[500:]).fit(
        max_depth=7, seed=0, max_trees=5
    )
    assert all(t["num_leaves"] <= 32 for t in deep.booster.dump_model()["tree_info"])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_residual_screening_finds_terms_the_proxy_ranked_too_low():
    rng = np.random.default_rng(1)
    n = 30
    game = SparseFourierGame.random(n, 10, 3, constant=0.3, random_state=4)
    truth = game.fourier.to_dict()
    hidden = next(k for k in truth if len(k) == 3)
    decoys = [d for d in random_terms(rng, n, 300, 3) if d not in truth]
    spectrum = list(truth) + decoys
    # The proxy ranks one true term below every decoy, beyond the first candidate list.
    scores = np.r_[[0.0 if k == hidden else 5.0 for k in truth], rng.uniform(1, 2, len(decoys))]
    matrix = terms_from_tuples(spectrum)
    masks = sample_masks(n, 1500, rng)
    y = game(masks)
    data = (masks[:1200], y[:1200], masks[1200:], y[1200:])
    first = fit_support(hierarchical_order(matrix, scores, n, 40), *data, n)
    assert hidden not in terms_to_tuples(first.terms[: first.size])
    ordered = extend_by_residual(first, matrix, scores, masks[:1200], y[:1200], n, 60, screen=400)
    listed = terms_to_tuples(ordered)
    assert listed[: first.size] == terms_to_tuples(first.terms[: first.size])
    assert_prefixes_closed(listed)
    second = fit_support(ordered, *data, n, anchor=first.size)
    terms, coefs = refit_all(second)
    found = dict(zip(terms_to_tuples(terms), coefs, strict=True))
    for key, value in truth.items():
        assert found[key] == pytest.approx(value, abs=1e-6)


def test_trainer_reuse_gives_the_models_of_fresh_fits_and_their_validation_error():
    rng = np.random.default_rng(2)
    game = SparseFourierGame.random(16, 12, 3, random_state=1)
    masks = sample_masks(16, 800, rng)
    y = game(masks)
    split = (masks[:600], y[:600], masks[600:], y[600:])
    trainer = ProxyTrainer(*split)
    reused = [trainer.fit(max_depth=d, seed=3, max_trees=150) for d in (3, 5)]
    for proxy in reused:
        fresh = ProxyTrainer(*split).fit(max_depth=proxy.max_depth, seed=3, max_trees=150)
        assert fresh.n_trees == proxy.n_trees
        assert fresh.booster.model_to_string(num_iteration=fresh.n_trees) == (
            proxy.booster.model_to_string(num_iteration=proxy.n_trees)
        )
        # The reported error is the MSE of the kept trees on the validation masks (LightGBM
        # holds labels in single precision).
        pred = proxy.booster.predict(masks[600:].astype(np.float32), num_iteration=proxy.n_trees)
        assert proxy.val_mse == pytest.approx(np.mean((y[600:] - pred) ** 2), rel=1e-6)


def test_standardization_of_values_near_the_float_maximum():
    values = np.array([1.7e308, -1e308, 0.0, 1e308])  # sum and differences overflow
    offset, spread = standardization(values, np.arange(4))
    y = standardized(values, offset, spread)
    assert np.isfinite(offset) and np.isfinite(spread)
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) <= 1.0 + 1e-15
    # the mean of the reference values, and the largest distance from it
    assert offset == pytest.approx(0.425e308, rel=1e-12)
    assert spread == pytest.approx(1.425e308, rel=1e-12)
    np.testing.assert_allclose(y * spread + offset, values, rtol=1e-12, atol=1e-15 * spread)
    # ordinary values: the plain mean and maximal deviation; a constant has spread 1
    small = np.array([1.0, 2.0, 6.0])
    assert standardization(small, np.array([0, 1])) == (1.5, 4.5)
    assert standardization(np.full(3, 7.0), np.arange(3)) == (7.0, 1.0)

"""The shallow candidate of `proxy.shallow`, and its place in the cross-fitting."""

import numpy as np
import pytest

from shapiq_spex.metrics import r2_score
from shapiq_spex.proxy.crossfit import N_FOLDS, _shallow_candidate
from shapiq_spex.proxy.shallow import fit_shallow, jackknife_factor
from shapiq_spex.spectral.representation import SparseFourier


def _masks(m, n, seed):
    return np.random.default_rng(seed).integers(0, 2, size=(m, n)).astype(bool)


def test_three_leaf_trees_have_terms_of_at_most_two_players_and_fit_a_pair():
    n = 8

    def truth(masks):  # main effects and an AND of two players (greedy splits find it)
        x = masks.astype(float)
        return 0.3 + x[:, 0] - 0.6 * x[:, 1] + 1.5 * x[:, 2] * x[:, 3]

    masks = _masks(400, n, 0)
    y = truth(masks)
    terms, coefs = fit_shallow(masks, (y - y.mean()) / y.std(), seed=0)
    fitted = SparseFourier(n, terms, coefs).affine(y.std(), y.mean())
    # A root split and one split below it: every leaf's path names at most two players.
    assert fitted.degree <= 2
    fresh = _masks(2000, n, 1)
    assert r2_score(truth(fresh), fitted(fresh)) > 0.95


def test_the_jackknife_factor_is_the_grouped_jackknife_covariance():
    n = 5
    fits = [
        SparseFourier.from_dict({(): 1.0, (0,): 0.5, (1, 2): -0.2}, n),
        SparseFourier.from_dict({(): 1.2, (0,): 0.1}, n),
        SparseFourier.from_dict({(): 0.7, (1, 2): 0.4, (4,): 1.0}, n),
    ]
    terms, factor = jackknife_factor(fits)
    keys = [(), (0,), (1, 2), (4,)]
    table = np.array([[f[key] for f in fits] for key in keys])
    deviations = table - table.mean(axis=1, keepdims=True)
    expected = (2 / 3) * deviations @ deviations.T
    order = [keys.index(tuple(int(i) for i in row if i >= 0)) for row in np.asarray(terms).tolist()]
    np.testing.assert_allclose((factor @ factor.T), expected[np.ix_(order, order)], atol=1e-12)


def test_the_grouped_jackknife_estimates_the_variance_of_a_mean():
    # Fits that each leave out one of five folds of m values and return the mean of the rest:
    # the grouped jackknife's variance of the full mean is unbiased, 1/m for unit noise.
    rng = np.random.default_rng(0)
    m, k = 100, N_FOLDS
    estimates = []
    for _ in range(4000):
        y = rng.standard_normal(m)
        fold = np.arange(m) % k
        fits = [SparseFourier.from_dict({(): y[fold != j].mean()}, 1) for j in range(k)]
        _, factor = jackknife_factor(fits)
        estimates.append(float(factor[0] @ factor[0]))
    assert np.mean(estimates) == pytest.approx(1 / m, rel=0.05)


def test_every_anchored_fold_meets_the_anchors_and_the_average_is_returned():
    n, m = 12, 120
    masks = _masks(m, n, 2)
    truth = SparseFourier.from_dict({(0,): 1.0, (1, 2): 0.5, (3,): -0.4}, n)
    values = truth(masks) + 0.1 * np.random.default_rng(3).standard_normal(m)
    ends = np.array([np.zeros(n, bool), np.ones(n, bool)])
    anchors = (ends, np.array([-2.0, 3.0]))
    fold_of = np.arange(m) % N_FOLDS
    shallow = _shallow_candidate(masks, values, fold_of, np.arange(N_FOLDS), 2, anchors)
    assert len(shallow.folds) == N_FOLDS
    for anchored, free in shallow.folds:
        np.testing.assert_allclose(anchored(ends), anchors[1], atol=1e-9)
        assert not np.allclose(free(ends), anchors[1], atol=1e-3)
    spread = float(np.std(values))
    y_test = np.concatenate([values[fold_of == k] for k in range(2)])
    candidate = shallow.candidate(y_test, r2_score)
    for anchor in (True, False):
        left_out = candidate.predictions if anchor else candidate.free_predictions
        function, blocks = shallow.returned(anchor, spread, y_test, left_out)
        fits = [fold[0] if anchor else fold[1] for fold in shallow.folds]
        fresh = _masks(50, n, 4)
        np.testing.assert_allclose(
            function(fresh), np.mean([f(fresh) for f in fits], axis=0), atol=1e-9
        )
        ((terms, covariance, scale),) = blocks
        assert scale == spread and covariance.factor.shape == (terms.shape[0], N_FOLDS)
    # The candidate's left-out predictions are those of the fits that did not see them.
    by_fold = [shallow.folds[j][1](masks[fold_of == j]) for j in range(2)]
    np.testing.assert_allclose(candidate.free_predictions, np.concatenate(by_fold))

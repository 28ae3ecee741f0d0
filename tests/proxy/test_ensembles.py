"""The blend and the bagging correction of `proxy.ensembles`, from first principles."""

import numpy as np
import pytest

from shapiq_spex.metrics import r2_score
from shapiq_spex.proxy.ensembles import (
    ambiguity,
    blend_weight,
    corrected_score,
    cross_validated_blend,
    fourier_ambiguity,
)
from shapiq_spex.spectral.representation import SparseFourier


def _grid_weight(y, a, b):
    grid = np.linspace(0.0, 1.0, 100_001)
    errors = [np.sum((y - (w * a + (1 - w) * b)) ** 2) for w in grid]
    return grid[int(np.argmin(errors))]


@pytest.mark.parametrize("seed", range(5))
def test_the_blend_weight_minimises_the_squared_error_over_the_unit_interval(seed):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(40)
    a = y + rng.normal(0, rng.uniform(0.1, 2.0), 40)
    b = y + rng.normal(0, rng.uniform(0.1, 2.0), 40)
    assert blend_weight(y, a, b) == pytest.approx(_grid_weight(y, a, b), abs=1e-5)


def test_the_blend_weight_is_clipped_and_safe_for_equal_predictions():
    y = np.arange(5.0)
    assert blend_weight(y, y, y + 1.0) == 1.0  # a is exact
    assert blend_weight(y, y + 1.0, y) == 0.0  # b is exact
    assert blend_weight(y, -y, -y) == 0.0  # nothing to blend


def test_each_fold_is_blended_with_the_weight_of_the_other_folds():
    # Fold 0 alone prefers a, folds 1 and 2 prefer b: fold 0's blend must use b's weight.
    y = np.zeros(30)
    a = np.r_[np.zeros(10), np.ones(20)]
    b = np.r_[np.ones(10), np.zeros(20)]
    w, blended = cross_validated_blend(y, a, b, [10, 10, 10])
    assert w == pytest.approx(blend_weight(y, a, b))
    assert np.allclose(blended[:10], b[:10])  # weight 0 from folds 1-2
    w_rest = blend_weight(y[np.r_[0:10, 20:30]], a[np.r_[0:10, 20:30]], b[np.r_[0:10, 20:30]])
    assert np.allclose(blended[10:20], w_rest * a[10:20] + (1 - w_rest) * b[10:20])


def test_one_fold_uses_its_own_weight():
    rng = np.random.default_rng(0)
    y, a, b = rng.standard_normal((3, 25))
    w, blended = cross_validated_blend(y, a, b, [25])
    assert np.allclose(blended, w * a + (1 - w) * b)


def test_the_corrected_score_is_the_r2_of_the_average_of_the_fits():
    # Ambiguity decomposition: fits' mean error minus their spread is the average's error.
    rng = np.random.default_rng(1)
    y = rng.standard_normal(5000)
    fits = y + rng.normal(0, 0.8, (4, 5000))  # independent errors
    single = fits[np.arange(5000) % 4, np.arange(5000)]  # each point seen by one fit
    spread = ambiguity(fits)
    truth = r2_score(y, fits.mean(axis=0))
    assert corrected_score(r2_score, y, single, spread) == pytest.approx(truth, abs=0.02)
    assert corrected_score(r2_score, y, single, 0.0) == pytest.approx(r2_score(y, single))


def test_one_fit_has_no_ambiguity():
    assert ambiguity(np.ones((1, 7))) == 0.0


def test_the_fourier_ambiguity_is_the_spread_over_every_mask():
    # Parseval: the mean over all 2^n masks equals the sum of the coefficients' variances.
    n = 7
    rng = np.random.default_rng(3)
    every = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    fits = []
    for _ in range(4):
        terms = {}
        for _ in range(9):
            size = int(rng.integers(0, 4))
            subset = tuple(sorted(rng.choice(n, size, replace=False).tolist()))
            terms[subset] = terms.get(subset, 0.0) + rng.standard_normal()
        # affine() repeats the constant term: duplicates must be summed, not double-counted.
        fits.append(SparseFourier.from_dict(terms, n).affine(1.5, rng.standard_normal()))
    outputs = np.stack([f(every) for f in fits])
    assert fourier_ambiguity(fits) == pytest.approx(ambiguity(outputs), rel=1e-12)
    assert fourier_ambiguity(fits[:1]) == 0.0
    assert fourier_ambiguity([fits[0], fits[0]]) == pytest.approx(0.0, abs=1e-24)

"""The blend and the bagging correction of `proxy.ensembles`, from first principles."""

import numpy as np
import pytest

from shapiq_spex.metrics import r2_score
from shapiq_spex.proxy.ensembles import (
    ambiguity,
    ambiguity_matrix,
    blend_weights,
    corrected_score,
    cross_validated_blend,
    cross_validated_selection,
    fourier_ambiguity,
)
from shapiq_spex.spectral.representation import SparseFourier


def _simplex_grid(f, steps):
    if f == 1:
        return np.ones((1, 1))
    rows = []
    for first in range(steps + 1):
        for rest in _simplex_grid(f - 1, steps - first) if steps - first else [np.zeros(f - 1)]:
            rows.append(np.r_[first, np.asarray(rest) * (steps - first)] / steps)
    return np.array(rows)


def _loss(y, p, w):
    return np.mean((y[:, None] - p @ w.T) ** 2, axis=0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("f", [2, 3])
def test_the_blend_weights_minimise_the_squared_error_over_the_simplex(seed, f):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(40)
    p = y[:, None] + rng.normal(0, rng.uniform(0.1, 2.0, f), (40, f))
    w = blend_weights(y, p)
    assert np.all(w >= 0.0) and w.sum() == pytest.approx(1.0)
    grid = _simplex_grid(f, 200)
    assert _loss(y, p, w[None])[0] <= _loss(y, p, grid).min() + 1e-12


def test_the_blend_weights_are_safe_for_exact_and_equal_predictions():
    y = np.arange(5.0)
    assert np.allclose(blend_weights(y, np.c_[y, y + 1.0]), [1.0, 0.0])  # first exact
    assert np.allclose(blend_weights(y, np.c_[y + 1.0, y]), [0.0, 1.0])  # second exact
    assert np.allclose(blend_weights(y, np.c_[-y, -y]), [1.0, 0.0])  # nothing to blend


def test_each_fold_is_blended_with_the_weights_of_the_other_folds():
    # Fold 0 alone prefers a, folds 1 and 2 prefer b: fold 0's blend must use b's weights.
    y = np.zeros(30)
    a = np.r_[np.zeros(10), np.ones(20)]
    b = np.r_[np.ones(10), np.zeros(20)]
    p = np.c_[a, b]
    w, blended = cross_validated_blend(y, p, [10, 10, 10])
    assert np.allclose(w, blend_weights(y, p))
    assert np.allclose(blended[:10], b[:10])  # all weight on b from folds 1-2
    rest = np.r_[0:10, 20:30]
    w_rest = blend_weights(y[rest], p[rest])
    assert np.allclose(blended[10:20], p[10:20] @ w_rest)


def test_one_fold_uses_its_own_weights():
    rng = np.random.default_rng(0)
    y, a, b = rng.standard_normal((3, 25))
    w, blended = cross_validated_blend(y, np.c_[a, b], [25])
    assert np.allclose(blended, np.c_[a, b] @ w)


def _all_masks(n: int) -> np.ndarray:
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)


def _random_fits(n: int, rng: np.random.Generator, count: int, terms: int) -> list:
    """``count`` random Fourier functions, each of ``terms`` draws of a term of size 0-3."""
    fits = []
    for _ in range(count):
        table: dict = {}
        for _ in range(terms):
            size = int(rng.integers(0, 4))
            subset = tuple(sorted(rng.choice(n, size, replace=False).tolist()))
            table[subset] = table.get(subset, 0.0) + rng.standard_normal()
        fits.append(SparseFourier.from_dict(table, n))
    return fits


def test_the_ambiguity_matrix_is_the_spread_of_blended_folds_over_every_mask():
    # Parseval: wᵀ A w is the mean over all 2^n masks of the blended folds' spread.
    n = 6
    rng = np.random.default_rng(5)
    every = _all_masks(n)
    families = [_random_fits(n, rng, 4, 5) for _ in range(2)]
    families.append([families[0][0]])  # a refit: no spread
    a = ambiguity_matrix(families)
    assert np.allclose(a[2], 0.0) and np.allclose(a[:, 2], 0.0)
    w = np.array([0.3, 0.5, 0.2])
    blended = np.array(
        [w[0] * f(every) + w[1] * g(every) for f, g in zip(*families[:2], strict=True)]
    )
    assert w @ a @ w == pytest.approx(ambiguity(blended), rel=1e-10)
    assert a[0, 0] == pytest.approx(fourier_ambiguity(families[0]), rel=1e-10)


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
    every = _all_masks(n)
    # affine() repeats the constant term: duplicates must be summed, not double-counted.
    fits = [f.affine(1.5, rng.standard_normal()) for f in _random_fits(n, rng, 4, 9)]
    outputs = np.stack([f(every) for f in fits])
    assert fourier_ambiguity(fits) == pytest.approx(ambiguity(outputs), rel=1e-12)
    assert fourier_ambiguity(fits[:1]) == 0.0
    assert fourier_ambiguity([fits[0], fits[0]]) == pytest.approx(0.0, abs=1e-24)


def test_the_selection_is_scored_on_folds_that_did_not_choose_it():
    # a is exact on folds 0-1 and off by 2 on fold 2; b is off by 1 on folds 0-1, exact on 2.
    # Folds 0 and 1 see b win elsewhere (mean error 0.5 against 2) and pay 1; fold 2 sees a
    # win (0 against 1) and pays 4: the procedure's loss is (10 + 10 + 40) / 30 = 2.
    y = np.zeros(30)
    a = np.r_[np.zeros(20), np.full(10, 2.0)]
    b = np.r_[np.ones(20), np.zeros(10)]
    p = np.c_[a, b]
    losses = cross_validated_selection(y, p, np.zeros(2), [10, 10, 10])
    np.testing.assert_allclose(losses, np.r_[np.ones(20), np.full(10, 4.0)])
    assert losses.mean() == pytest.approx(2.0)
    # b's average is credited 0.6: same choices, and the loss takes the chosen credits.
    credited = cross_validated_selection(y, p, np.array([0.0, 0.6]), [10, 10, 10])
    assert credited.mean() == pytest.approx(2.0 - (10 * 0.6 + 10 * 0.6) / 30)

"""The one mask generator, the held-out masks and the faithfulness score."""

import numpy as np
import pytest

from shapiq_spex.metrics import (
    HOLDOUT_SEED,
    HOLDOUT_SIZE,
    faithfulness,
    holdout_masks,
    holdout_r2,
    r2_score,
    r2_standard_error,
    uniform_masks,
)


def test_uniform_masks_from_a_seed_are_reproducible_boolean_and_balanced():
    masks = uniform_masks(64, 2000, 3)
    assert masks.shape == (2000, 64) and masks.dtype == bool
    np.testing.assert_array_equal(masks, uniform_masks(64, 2000, 3))
    assert not np.array_equal(masks, uniform_masks(64, 2000, 4))
    assert 0.48 < masks.mean() < 0.52  # 128,000 fair bits: 7 standard deviations of slack
    assert uniform_masks(5, 0, 0).shape == (0, 5)


def test_a_generator_is_drawn_from_and_advances():
    rng = np.random.default_rng(11)
    first, second = uniform_masks(20, 50, rng), uniform_masks(20, 50, rng)
    assert not np.array_equal(first, second)
    # the same stream as one draw of 100 masks from a fresh generator of the same seed
    np.testing.assert_array_equal(np.vstack([first, second]), uniform_masks(20, 100, 11))
    # the approximators' own hold-out draws the same way from their generator
    legacy = np.random.default_rng(5).integers(0, 2, size=(30, 7), dtype=np.uint8).astype(bool)
    np.testing.assert_array_equal(uniform_masks(7, 30, seed=np.random.default_rng(5)), legacy)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 10, 0), ValueError, "n must be >= 1"),
        ((2.0, 10, 0), TypeError, "n must be an integer"),
        ((3, -1, 0), ValueError, "m must be >= 0"),
        ((3, 10, -1), ValueError, "seed must be >= 0"),
        ((3, 10, 1.5), TypeError, "seed must be an integer or a numpy.random.Generator"),
        ((3, 10, None), TypeError, "seed must be an integer or a numpy.random.Generator"),
        ((3, 10, True), TypeError, "seed must be an integer or a numpy.random.Generator"),
    ],
)
def test_bad_arguments_name_the_argument(args, error, match):
    with pytest.raises(error, match=match):
        uniform_masks(*args)


def test_holdout_masks_use_the_documented_seed_per_n():
    masks = holdout_masks(64)
    assert masks.shape == (HOLDOUT_SIZE, 64)
    np.testing.assert_array_equal(masks, uniform_masks(64, HOLDOUT_SIZE, HOLDOUT_SEED + 64))
    np.testing.assert_array_equal(holdout_masks(64, 10, seed=5), uniform_masks(64, 10, 5))
    # never the seeds a method is usually given
    for seed in range(5):
        assert not np.array_equal(masks, uniform_masks(64, HOLDOUT_SIZE, seed))


def test_holdout_r2_by_hand():
    masks = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)
    target = np.array([0.0, 1.0, 2.0, 3.0])  # mean 1.5, total sum of squares 5
    assert holdout_r2(lambda m: m @ np.array([1.0, 2.0]), masks, target) == 1.0
    assert holdout_r2(lambda m: np.full(len(m), 1.5), masks, target) == 0.0
    # residuals (0, 0, 0, 1): R² = 1 - 1/5
    assert holdout_r2(
        lambda m: m @ np.array([1.0, 2.0]) - m.all(1), masks, target
    ) == pytest.approx(0.8, abs=1e-12)


def test_faithfulness_queries_the_game_on_the_holdout_masks():
    seen = []

    def game(masks):
        seen.append(masks.copy())
        return masks.sum(axis=1).astype(float)

    assert faithfulness(lambda m: m.sum(axis=1) * 1.0, game, 12) == 1.0
    np.testing.assert_array_equal(seen[0], holdout_masks(12))
    # a predictor missing player 0 loses exactly its share of the variance: 1/12
    r2 = faithfulness(lambda m: m[:, 1:].sum(axis=1) + 0.5, game, 12, m=200, seed=1)
    masks = uniform_masks(12, 200, 1)
    residual = masks[:, 0] - 0.5
    total = masks.sum(1) - masks.sum(1).mean()
    assert r2 == pytest.approx(1 - residual @ residual / (total @ total))


def test_r2_is_computed_on_centred_values():
    # Noise riding on a huge constant has variance to explain, however small relative to the
    # constant; predicting the constant or the mean explains none of it.
    noise = np.random.default_rng(0).standard_normal(1000)
    target = 1e12 + noise
    assert abs(r2_score(target, np.full(1000, 1e12))) < 0.01
    assert abs(r2_score(target, np.full(1000, target.mean()))) < 1e-6
    assert r2_score(target, target) == 1.0
    # the R² of the noise itself, up to the rounding of storing it on top of 1e12
    half = 1e12 + 0.5 * noise
    assert r2_score(target, half) == pytest.approx(r2_score(noise, 0.5 * noise), abs=1e-4)


def test_r2_of_a_constant_target():
    constant = np.full(500, 1e12)
    rounded = constant * (1 + 1e-14 * np.random.default_rng(1).standard_normal(500))
    assert r2_score(constant, rounded) == 1.0  # recovered up to the fit's round-off
    assert r2_score(constant, constant + 1e3) == 0.0  # off by far more than round-off
    assert r2_score(np.zeros(10), np.zeros(10)) == 1.0
    assert r2_score(np.zeros(10), np.ones(10)) == 0.0


def test_r2_of_huge_values_does_not_overflow():
    noise = np.random.default_rng(2).standard_normal(300)
    target = 1e307 * (1.0 + 0.1 * noise)
    assert r2_score(target, target) == 1.0
    assert r2_score(target, 1e307 * (1.0 + 0.05 * noise)) == pytest.approx(
        r2_score(noise, 0.5 * noise), abs=1e-9
    )


@pytest.mark.parametrize("m", [60, 400])
def test_r2_standard_error_matches_the_spread_of_r2_over_fresh_samples(m):
    # y = x + noise predicted by x: the score varies from sample to sample by a known spread.
    rng = np.random.default_rng(0)
    scores, errors = [], []
    for _ in range(2000):
        x = rng.standard_normal(m)
        y = x + 0.8 * rng.standard_normal(m)
        scores.append(r2_score(y, x))
        errors.append(r2_standard_error(y, x))
    spread = float(np.std(scores))
    assert float(np.median(errors)) == pytest.approx(spread, rel=0.15)


def test_r2_standard_error_edge_cases():
    y = np.array([1.0, 2.0, 3.0, 5.0])
    assert r2_standard_error(y, y) == 0.0
    assert r2_standard_error(np.full(5, 2.0), np.arange(5.0)) == 0.0
    assert r2_standard_error(y[:2], y[:2]) == np.inf
    # Offsets and scales leave it unchanged.
    p = y + np.array([0.3, -0.2, 0.1, 0.4])
    assert r2_standard_error(1e12 + 1e3 * y, 1e12 + 1e3 * p) == pytest.approx(
        r2_standard_error(y, p), rel=1e-3
    )
    with pytest.raises(ValueError, match="y_true and y_pred"):
        r2_standard_error(y, y[:3])

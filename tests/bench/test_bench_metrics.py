"""Benchmark metrics against hand-computed cases."""

import math

import numpy as np
import pytest
from shapiq import InteractionValues

from shapiq_spex.bench.metrics import (
    coefficient_error,
    exact_index_values,
    index_values,
    moebius_predictor,
    removal_changes,
    shapley_like_importance,
    summarize,
    top_k_precision,
)
from shapiq_spex.metrics import holdout_r2

MASKS = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1, 1]], dtype=bool)


def interaction_values(values, index="Moebius", baseline=0.0, max_order=2):
    """Built from an array and a lookup, as shapiq's approximators do (a dict input would
    overwrite the empty-set value with the baseline)."""
    keys = list(values)
    return InteractionValues(
        np.array([values[k] for k in keys], dtype=float),
        index=index,
        n_players=3,
        min_order=0,
        max_order=max_order,
        baseline_value=baseline,
        interaction_lookup={k: i for i, k in enumerate(keys)},
    )


def test_perfect_prediction_gives_r2_one_and_constant_gives_zero_on_centred_data():
    target = np.array([1.0, -1.0, 2.0, -2.0, 0.0])  # mean 0
    assert holdout_r2(lambda m: target.copy(), MASKS, target) == 1.0
    assert holdout_r2(lambda m: np.zeros(len(m)), MASKS, target) == 0.0
    # a constant at the mean of uncentred data is 0 as well; any other constant is below 0
    shifted = target + 5.0
    assert holdout_r2(lambda m: np.full(len(m), 5.0), MASKS, shifted) == pytest.approx(0.0)
    assert holdout_r2(lambda m: np.full(len(m), 6.0), MASKS, shifted) < 0.0


def test_moebius_predictor_sums_the_subsets_of_each_mask():
    values = interaction_values(
        {(): 1.0, (0,): 2.0, (1,): -1.0, (0, 1): 0.5, (2,): 4.0}, "FSII", baseline=1.0
    )
    predicted = moebius_predictor(values)(MASKS)
    # {}: 1 | {0}: 1+2 | {1}: 1-1 | {0,1}: 1+2-1+0.5 | {0,1,2}: 2.5+4
    np.testing.assert_allclose(predicted, [1.0, 3.0, 0.0, 2.5, 6.5])


def test_moebius_predictor_uses_the_reported_empty_term_over_the_baseline():
    # FBII's empty term is the regression intercept, not v(empty) = baseline_value
    fbii = interaction_values({(): 0.25, (0,): 1.0}, "FBII", baseline=-3.0)
    np.testing.assert_allclose(moebius_predictor(fbii)(MASKS[:2]), [0.25, 1.25])
    # SV has no empty term of its own: the baseline value stands in
    sv = interaction_values({(0,): 1.0, (1,): 2.0, (2,): 0.0}, "SV", baseline=-3.0, max_order=1)
    np.testing.assert_allclose(moebius_predictor(sv)(MASKS[[0, 3]]), [-3.0, 0.0])


def test_index_values_drops_the_empty_set():
    values = interaction_values({(): 7.0, (0,): 1.0, (0, 2): -2.0})
    assert index_values(values) == {(0,): 1.0, (0, 2): -2.0}


def test_exact_index_values_of_a_unanimity_game():
    # v(S) = 2 if {0, 1} in S: SV splits it, Banzhaf halves it, FBII-2 keeps it at order 2
    moebius = {(0, 1): 2.0}
    sv = exact_index_values(moebius, 3, "SV", 1)
    assert sv[(0,)] == pytest.approx(1.0) and sv[(1,)] == pytest.approx(1.0)
    assert sv.get((2,), 0.0) == pytest.approx(0.0)
    bv = exact_index_values(moebius, 3, "BV", 1)
    assert bv[(0,)] == pytest.approx(1.0)
    fbii = exact_index_values(moebius, 3, "FBII", 2)
    assert fbii[(0, 1)] == pytest.approx(2.0)
    assert fbii.get((0,), 0.0) == pytest.approx(0.0)


def test_precision_at_k_on_constructed_rankings():
    true = {(0,): 5.0, (1,): -4.0, (2,): 3.0, (3,): 0.1, (): 100.0}
    assert top_k_precision(true, {(0,): 1.0, (1,): 1.0, (3,): 0.5}, 2) == 1.0
    assert top_k_precision(true, {(0,): 1.0, (3,): -0.9, (1,): 0.1}, 2) == 0.5
    assert top_k_precision(true, {(3,): 1.0, (4,): 1.0}, 2) == 0.0
    # the empty set counts on neither side
    assert top_k_precision(true, {(): 9.0, (0,): 1.0, (1,): 0.5}, 2) == 1.0
    # k shrinks to the non-zero truth: 2 terms, k = 10
    assert top_k_precision({(0,): 1.0, (1,): 1.0, (2,): 0.0}, {(0,): 3.0, (1,): 2.0}, 10) == 1.0
    assert top_k_precision(true, {}, 3) == 0.0
    assert math.isnan(top_k_precision({(): 1.0}, {(0,): 1.0}, 3))


def test_coefficient_error_is_relative_and_ignores_the_empty_set():
    true = {(): 50.0, (0,): 3.0, (1,): 4.0}
    assert coefficient_error(true, {(0,): 3.0, (1,): 4.0}) == 0.0
    assert coefficient_error(true, {(0,): 3.0}) == pytest.approx(4.0 / 5.0)
    assert coefficient_error(true, {(0,): 3.0, (1,): 4.0, (2,): 5.0}) == pytest.approx(1.0)


def test_summarize_ignores_missing_values():
    summary = summarize([0.5, None, float("nan"), 0.1, 0.9])
    assert (summary.median, summary.low, summary.high, summary.count) == (0.5, 0.1, 0.9, 3)
    assert summarize([None]).count == 0 and math.isnan(summarize([]).median)


def additive(weights, constant=0.0):
    weights = np.asarray(weights, dtype=float)
    return lambda masks: constant + np.asarray(masks, dtype=float) @ weights


def best_removal(weights, sign, k):
    """The largest change over every set of k players, by brute force."""
    from itertools import combinations

    return max(
        sign * sum(weights[i] for i in group) for group in combinations(range(len(weights)), k)
    )


def test_shapley_like_importance_shares_each_interaction_equally():
    values = interaction_values({(): 5.0, (0,): 1.0, (0, 1): 2.0, (0, 1, 2): 3.0}, max_order=3)
    # player 0: 1 + 2/2 + 3/3; player 1: 2/2 + 3/3; player 2: 3/3; the empty set is no player's
    np.testing.assert_allclose(shapley_like_importance(values), [3.0, 2.0, 1.0])


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_removal_of_the_exact_top_k_of_an_additive_game_is_the_best_possible(sign):
    weights = sign * np.array([3.0, -1.0, 0.5, 2.0, -4.0, 1.0, 2.5])  # sum has the sign `sign`
    game = additive(weights, constant=7.0)
    changes = removal_changes(game, weights, (1, 2, 3, 99))
    assert set(changes) == {"1", "2", "3"}  # k above n is left out
    for k in (1, 2, 3):
        assert changes[str(k)] == pytest.approx(best_removal(weights, sign, k))
    assert changes["1"] == pytest.approx(3.0)  # the largest weight in the output's direction


def test_removal_of_a_wrong_ranking_changes_the_output_less_or_the_other_way():
    weights = np.array([3.0, -1.0, 0.5, 2.0, -4.0, 1.0, 2.5])
    wrong = removal_changes(additive(weights), -weights, (1, 3))
    assert wrong["1"] == pytest.approx(-4.0)  # removed the player that pulled down
    assert wrong["3"] == pytest.approx(-4.0 - 1.0 + 0.5)
    assert wrong["3"] < best_removal(weights, 1.0, 3)

"""Exact recovery of sparse Fourier functions by the SPEX transform."""

import numpy as np
import pytest

from shapiq_spex.coding.bch import bch_code
from shapiq_spex.games import SparseFourierGame
from shapiq_spex.spex.design import minimum_budget, plan_design
from shapiq_spex.spex.transform import sparse_fourier_transform


def recover(game, budget, seed=0, **kwargs):
    return sparse_fourier_transform(
        game, game.n_players, budget, rng=np.random.default_rng(seed), **kwargs
    )


def assert_same_spectrum(found, truth, atol=1e-7):
    found = found.pruned(atol).to_dict()
    truth = truth.to_dict()
    assert set(found) == set(truth)
    for key, value in truth.items():
        assert found[key] == pytest.approx(value, abs=atol)


@pytest.mark.parametrize(
    ("n", "n_terms", "degree", "budget"),
    [(16, 10, 3, 3000), (64, 30, 5, 8000), (256, 60, 5, 16000), (1024, 100, 5, 32000)],
)
@pytest.mark.parametrize("decoder", ["soft", "hard"])
def test_exact_recovery_of_random_sparse_functions(n, n_terms, degree, budget, decoder):
    game = SparseFourierGame.random(n, n_terms, degree, constant=0.7, random_state=n)
    result = recover(game, budget, decoder=decoder)
    assert result.n_queries <= budget
    assert_same_spectrum(result.fourier, game.fourier)


def test_recovery_without_refinement_or_hierarchy_still_exact_when_sparse():
    game = SparseFourierGame.random(128, 12, 4, constant=-1.0, random_state=3)
    result = recover(game, 6000, refine_rounds=0, hierarchy=False)
    assert_same_spectrum(result.fourier, game.fourier)


def test_exhaustive_plan_for_small_n_is_exact():
    game = SparseFourierGame.random(6, 20, 6, constant=0.2, random_state=1)
    result = recover(game, 64)
    assert result.plan.exhaustive and result.n_queries == 64
    assert_same_spectrum(result.fourier, game.fourier, atol=1e-10)
    masks = np.random.default_rng(0).integers(0, 2, (50, 6)).astype(bool)
    np.testing.assert_allclose(result.moebius(masks), game(masks), atol=1e-10)


def test_plan_spends_the_whole_budget_and_never_more():
    code = bch_code(256, 5)
    for budget in [800, 2000, 8000, 8001, 32000, 100000]:
        plan = plan_design(256, code, budget)
        assert plan.n_queries == budget
        assert plan.n_structured == plan.n_groups * (code.p + 1) * 2**plan.b


def test_budget_below_minimum_names_the_minimum():
    code = bch_code(256, 5)
    minimum = minimum_budget(256, code)
    assert minimum == 2 * (code.p + 1) * 4
    plan_design(256, code, minimum)
    with pytest.raises(ValueError, match=f"at least {minimum} queries"):
        plan_design(256, code, minimum - 1)

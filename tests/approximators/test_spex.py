"""The SPEX approximator against exact computations."""

import re

import numpy as np
import pytest
import shapiq
from _coverage import count_coverage
from shapiq.game_theory.moebius_converter import MoebiusConverter
from shapiq_games.synthetic import SOUM

from shapiq_spex import SPEX, GameEvaluationError, ProxySPEX
from shapiq_spex.approximators import INDICES
from shapiq_spex.games import SparseFourierGame


def assert_values_match(ours, exact, atol=1e-7):
    # ExactComputer's "Moebius" lists every order; ours stops at max_order by design.
    keys = {k for k, v in exact.interactions.items() if abs(v) > atol and len(k) <= ours.max_order}
    keys |= {k for k, v in ours.interactions.items() if abs(v) > atol}
    for key in keys:
        assert ours[key] == pytest.approx(exact[key], abs=atol), key


def order_for(index):
    return 1 if INDICES[index].order_one else 2


@pytest.mark.parametrize("index", INDICES)
def test_indices_match_exact_computer_structured_design(index):
    # n=12 with a budget below 2^12: the aliasing design runs, recovery is exact (degree <= 3).
    n = 12
    game = SOUM(n, n_basis_games=6, min_interaction_size=1, max_interaction_size=3, random_state=1)
    order = order_for(index)
    spex = SPEX(n, max_order=order, index=index, random_state=0, degree=3)
    ours = spex.approximate(budget=3000, game=game)
    assert not spex.transform_.plan.exhaustive
    assert spex.budget_used_ <= 3000
    exact = shapiq.ExactComputer(game, n_players=n)(index, order)
    assert_values_match(ours, exact)


@pytest.mark.parametrize("index", INDICES)
@pytest.mark.parametrize("order", [2, 3])
def test_indices_match_exact_computer_exhaustive(index, order):
    n = 8
    if INDICES[index].order_one:
        order = 1
    game = SOUM(n, n_basis_games=15, min_interaction_size=1, max_interaction_size=5, random_state=4)
    ours = SPEX(n, max_order=order, index=index, random_state=0).approximate(300, game)
    exact = shapiq.ExactComputer(game, n_players=n)(index, order)
    assert_values_match(ours, exact)


def test_k_sii_is_aggregated_once():
    # For a single pair unanimity game, 2-SII equals the Möbius coefficient on the pair, and the
    # singletons get nothing beyond their own SII mass (a double aggregation would add more).
    n = 10
    game = SOUM(n, n_basis_games=4, min_interaction_size=2, max_interaction_size=3, random_state=0)
    ours = SPEX(n, max_order=2, index="k-SII", random_state=0, degree=3).approximate(900, game)
    exact = shapiq.ExactComputer(game, n_players=n)("k-SII", 2)
    assert_values_match(ours, exact)
    first = sum(ours[(i,)] for i in range(n)) + sum(
        v for k, v in ours.interactions.items() if len(k) == 2
    )
    # Efficiency of k-SII: everything sums to v(N) - v(∅).
    full = game(np.ones((1, n), bool))[0] - game(np.zeros((1, n), bool))[0]
    assert first == pytest.approx(full, abs=1e-7)


@pytest.mark.parametrize("n", [64, 256])
def test_soum_moebius_coefficients_recovered(n):
    game = SOUM(n, n_basis_games=10, min_interaction_size=1, max_interaction_size=3, random_state=2)
    spex = SPEX(n, max_order=3, index="Moebius", random_state=1)
    spex.approximate(budget=12000, game=game)
    truth = game.moebius_coefficients
    found = spex.moebius_.pruned(1e-7).to_dict()
    expected = {k: v for k, v in truth.interactions.items() if abs(v) > 1e-12}
    assert set(found) == set(expected)
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, abs=1e-7)


def test_shapley_values_are_efficient_and_match_moebius_converter_large_n():
    n = 1024
    game = SOUM(n, n_basis_games=20, min_interaction_size=1, max_interaction_size=3, random_state=5)
    ours = SPEX(n, max_order=1, index="SV", random_state=3).approximate(20000, game)
    exact = MoebiusConverter(game.moebius_coefficients)("SV", 1)
    assert_values_match(ours, exact)
    total = sum(ours[(i,)] for i in range(n))
    full = game(np.ones((1, n), bool))[0] - game(np.zeros((1, n), bool))[0]
    assert total == pytest.approx(full, abs=1e-6)


def test_same_seed_identical_and_other_seed_still_correct():
    game = SparseFourierGame.random(200, 25, 4, random_state=8)
    a = SPEX(200, index="FBII", random_state=11).approximate(6000, game)
    b = SPEX(200, index="FBII", random_state=11).approximate(6000, game)
    assert a.interaction_lookup == b.interaction_lookup
    np.testing.assert_array_equal(a.values, b.values)
    spex = SPEX(200, index="FBII", random_state=12)
    c = spex.approximate(6000, game)
    assert spex.fourier_.pruned(1e-7).to_dict().keys() == game.fourier.to_dict().keys()
    assert_values_match(c, a)


def test_repeated_calls_do_not_carry_state():
    game = SparseFourierGame.random(100, 10, 3, random_state=2)
    spex = SPEX(100, random_state=4)
    first = spex.approximate(3000, game)
    spex.approximate(700, game)  # a different, smaller call in between
    third = spex.approximate(3000, game)
    np.testing.assert_array_equal(first.values, third.values)
    assert spex.degree == 5


def test_budget_is_never_exceeded_and_counted_by_the_game():
    calls = []

    def game(masks):
        calls.append(len(masks))
        return masks.sum(axis=1).astype(float)

    spex = SPEX(300, random_state=0)
    values = spex.approximate(5000, game)
    assert sum(calls) == spex.budget_used_ == values.estimation_budget
    assert 0.95 * 5000 <= sum(calls) <= 5000


def test_agnostic_explainer_drop_in():
    n = 20
    game = SOUM(n, n_basis_games=8, min_interaction_size=1, max_interaction_size=2, random_state=0)
    approximator = SPEX(n, max_order=2, index="FSII", random_state=0, degree=2)
    explainer = shapiq.AgnosticExplainer(game, index="FSII", max_order=2, approximator=approximator)
    values = explainer.explain(budget=2000)
    exact = shapiq.game_theory.moebius_converter.MoebiusConverter(game.moebius_coefficients)(
        "FSII", 2
    )
    assert_values_match(values, exact)


def test_tabular_explainer_drop_in():
    from sklearn.datasets import load_diabetes
    from sklearn.tree import DecisionTreeRegressor

    x, y = load_diabetes(return_X_y=True)
    model = DecisionTreeRegressor(max_depth=3, random_state=0).fit(x, y)
    approximator = SPEX(x.shape[1], max_order=2, index="k-SII", random_state=0)
    explainer = shapiq.TabularExplainer(
        model, x[:50], index="k-SII", max_order=2, approximator=approximator
    )
    values = explainer.explain(x[0], budget=2 ** x.shape[1])
    # A depth-3 tree is exactly representable: k-SII is efficient w.r.t. the imputed game.
    imputer = explainer.imputer
    full = imputer(np.ones((1, x.shape[1]), bool))[0] - imputer(np.zeros((1, x.shape[1]), bool))[0]
    total = sum(v for k, v in values.interactions.items() if len(k) > 0)
    assert total == pytest.approx(full, rel=1e-6, abs=1e-6)
    assert approximator.budget_used_ == 2 ** x.shape[1]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0}, ValueError, "n must be >= 1"),
        ({"n": 2.5}, TypeError, "n must be an integer"),
        ({"n": 10, "index": "XYZ"}, ValueError, "index must be one of"),
        ({"n": 10, "max_order": 11}, ValueError, "max_order must be <= 10"),
        ({"n": 10, "max_order": 0}, ValueError, "max_order must be >= 1"),
        ({"n": 10, "decoder": "fuzzy"}, ValueError, "decoder must be"),
        ({"n": 10, "random_state": -1}, ValueError, "random_state must be >= 0"),
        ({"n": 10, "degree": 0}, ValueError, "degree must be >= 1"),
        ({"n": 10, "hierarchy": "no"}, TypeError, "hierarchy must be"),
        ({"n": 10, "hierarchy": 0}, TypeError, "hierarchy must be"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        SPEX(**kwargs)


@pytest.mark.parametrize("method", [SPEX, ProxySPEX])
def test_one_player_with_the_default_order_says_what_to_pass(method):
    with pytest.raises(ValueError, match=r"max_order must be <= 1 .* Pass max_order=1"):
        method(1)
    assert method(1, max_order=1).max_order == 1
    assert method(1, max_order=None).max_order == 1


def test_budget_too_small_names_minimum():
    game = SparseFourierGame.random(500, 5, 2, random_state=0)
    with pytest.raises(ValueError, match=r"budget=100 is too small .* at least \d+ queries"):
        SPEX(500).approximate(100, game)
    with pytest.raises(ValueError, match="budget must be >= 1"):
        SPEX(500).approximate(0, game)


@pytest.mark.filterwarnings("ignore:faithfulness_")
def test_budget_too_small_points_to_a_method_that_runs_there():
    # The advice must hold: the budget SPEX names for ProxySPEX is one ProxySPEX accepts,
    # and one query fewer is refused.
    game = SparseFourierGame.random(100, 5, 2, random_state=0)
    with pytest.raises(ValueError, match=r"or use ProxySPEX, which needs (\d+) queries") as info:
        SPEX(100).approximate(128, game)
    needed = int(re.search(r"ProxySPEX, which needs (\d+) queries", str(info.value)).group(1))
    values = ProxySPEX(100, random_state=0).approximate(needed, game)
    assert values.estimation_budget <= needed
    with pytest.raises(ValueError, match="too small for ProxySPEX"):
        ProxySPEX(100, random_state=0).approximate(needed - 1, game)


def test_game_returning_wrong_shape_or_nan_raises_and_keeps_queries():
    def wrong_shape(masks):
        return np.zeros((len(masks), 2))

    with pytest.raises(GameEvaluationError, match=r"shape \(\d+, 2\)"):
        SPEX(50, batch_size=100).approximate(3000, wrong_shape)

    state = {"calls": 0}

    def nan_later(masks):
        state["calls"] += 1
        values = masks.sum(axis=1).astype(float)
        if state["calls"] == 4:  # after the endpoints and two good batches
            values[5] = np.nan
        return values

    with pytest.raises(GameEvaluationError, match="non-finite") as info:
        SPEX(50, batch_size=100).approximate(3000, nan_later)
    # The endpoints, the two good batches and the failing batch's 99 finite values are kept,
    # with the values the game gave.
    assert info.value.masks.shape == (301, 50)
    np.testing.assert_array_equal(info.value.values, info.value.masks.sum(axis=1))


def test_game_that_raises_keeps_queries():
    state = {"calls": 0}

    def flaky(masks):
        state["calls"] += 1
        if state["calls"] == 3:
            raise RuntimeError("model server down")
        return masks.sum(axis=1).astype(float)

    with pytest.raises(GameEvaluationError, match="model server down") as info:
        SPEX(40, batch_size=64).approximate(3000, flaky)
    assert len(info.value.values) == 2 + 64  # the endpoints and the first batch


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_n_is_exact_with_every_coalition(n):
    game = SOUM(n, n_basis_games=3, min_interaction_size=0, max_interaction_size=n, random_state=n)
    spex = SPEX(n, max_order=1, index="SV", random_state=0)
    ours = spex.approximate(2**n, game)
    assert spex.budget_used_ == 2**n
    assert_values_match(ours, shapiq.ExactComputer(game, n_players=n)("SV", 1))
    with pytest.raises(ValueError, match=rf"at least {2**n} queries \(every one of the 2\^{n}"):
        SPEX(n, max_order=1, index="SV").approximate(2**n - 1, game)


def test_ten_thousand_players():
    n = 10_000
    game = SparseFourierGame.random(n, 60, 3, constant=0.5, random_state=0)
    spex = SPEX(n, max_order=2, index="FBII", random_state=0)
    spex.approximate(20_000, game)
    found = spex.fourier_.pruned(1e-7).to_dict()
    truth = game.fourier.to_dict()
    assert set(found) == set(truth)
    for key, value in truth.items():
        assert found[key] == pytest.approx(value, abs=1e-7)


def test_faithfulness_self_check_matches_an_independent_r2():
    from shapiq_spex.metrics import faithfulness

    game = SOUM(128, 30, min_interaction_size=1, max_interaction_size=4, random_state=3)
    spex = SPEX(128, random_state=0, holdout_fraction=0.1)
    spex.approximate(3000, game)
    assert spex.budget_used_ == 3000
    independent = faithfulness(spex.fourier_, game, 128, m=2000, seed=99)
    # 300 held-out masks estimate the R² on fresh masks.
    assert abs(spex.faithfulness_ - independent) < 0.1
    assert SPEX(128, random_state=0).faithfulness_ is None
    with pytest.raises(ValueError, match="holdout_fraction"):
        SPEX(10, holdout_fraction=0.7)


def test_standard_errors_cover_the_exact_values_of_a_noisy_sparse_game():
    """Nominal 90 % intervals of SPEX's values cover the noiseless game's non-zero values
    80-98 % of the time; the carriers of the endpoint correction (true value 0) are
    conservative."""
    import warnings

    from shapiq_spex.approximators._conversion import to_interaction_values
    from shapiq_spex.spectral import SparseFourier

    n = 16
    function = SparseFourier.from_dict(
        {(0,): 0.8, (1,): -0.5, (2, 3): 0.6, (4, 5): -0.4, (6,): 0.3, (7, 8, 9): 0.5, (10,): 0.4},
        n,
    )
    exact = to_interaction_values(
        function.to_moebius(), index="k-SII", max_order=2, min_order=0, estimation_budget=0
    )
    hits, total = {True: 0, False: 0}, {True: 0, False: 0}
    for seed in range(10):
        noise = np.random.default_rng(100 + seed)

        def game(masks, noise=noise):
            clean = function(np.asarray(masks, dtype=bool))
            return clean + 0.5 * noise.standard_normal(clean.shape)

        spex = SPEX(n, max_order=2, index="k-SII", random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = spex.approximate(1500, game)
        count_coverage(values, spex.uncertainty_, exact, hits, total)
    # 85-95 % nominal; the bounds allow for the binomial noise of about 100 values.
    assert 0.8 <= hits[True] / total[True] <= 0.98, hits[True] / total[True]
    assert hits[False] >= 0.9 * total[False], hits[False] / total[False]


def test_an_in_sample_score_without_masks_to_check_it_on_warns_that_it_is_uncertain():
    import warnings

    game = SOUM(40, n_basis_games=10, max_interaction_size=3, random_state=0)
    spex = SPEX(40, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        spex.approximate(300, game)
    # 300 queries leave fewer than 30 uniform masks: the score is SPEX's in-sample estimate.
    assert spex.transform_.plan.n_uniform < 30 and spex.faithfulness_se_ is None
    assert any("is uncertain" in str(w.message) for w in record)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        spex.approximate(400, game)
    assert spex.faithfulness_se_ is not None
    assert not any("in-sample" in str(w.message) for w in record)

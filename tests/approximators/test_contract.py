"""The explanation contract: exact endpoints, efficiency, quality report, drop-in for shapiq."""

import math
import warnings

import lightgbm
import numpy as np
import pytest
import shapiq
from hypothesis import given, settings
from hypothesis import strategies as st
from shapiq_games.synthetic import SOUM
from sklearn.datasets import load_breast_cancer

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.approximators import INDICES
from shapiq_spex.games import BaselineMaskedModel, MaskedTextGame, SparseFourierGame, VaderScorer
from shapiq_spex.metrics import r2_score, uniform_masks

EFFICIENT = [name for name, spec in INDICES.items() if spec.efficient]
METHODS = (SPEX, ProxySPEX)


def _exact(method: type) -> dict:
    """Arguments that make ``method`` meet both endpoints whatever they cost.

    ProxySPEX's default (``exact_efficiency="auto"``) drops them where they cost fit (tested
    in ``test_crossfit`` and below); SPEX always meets them.
    """
    return {"exact_efficiency": True} if method is ProxySPEX else {}


REVIEW = (
    "The food was not good, but the service was wonderful and the staff were kind. I would "
    "not say it was cheap, yet I still loved it and would come back again."
)


@pytest.fixture(scope="module")
def tabular():
    x, y = load_breast_cancer(return_X_y=True)
    model = lightgbm.LGBMClassifier(n_estimators=60, verbose=-1, random_state=0).fit(x, y)
    return x, model


def _tabular_game(tabular, row=0):
    x, model = tabular
    return BaselineMaskedModel(
        lambda z: model.predict_proba(z)[:, 1], x[row], x.mean(axis=0), normalize=False
    )


def _game(name, tabular):
    if name == "tabular":
        return _tabular_game(tabular)
    if name == "text":
        return MaskedTextGame(REVIEW, VaderScorer(), normalize=False)
    # A sparse game far from zero: the anchors, not a centred fit, must give the endpoints.
    soum = SOUM(40, n_basis_games=12, max_interaction_size=3, random_state=3)
    return lambda masks: soum(masks) + 7.5


def _ends(n):
    return np.array([[False] * n, [True] * n])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["synthetic", "tabular", "text"])
def test_efficient_values_add_up_to_the_prediction(method, name, tabular):
    game = _game(name, tabular)
    n = game.n_players if hasattr(game, "n_players") else 40
    empty, full = np.asarray(game(_ends(n)), dtype=float)
    for budget, holdout in ((300, 0.0), (1200, 0.1)):
        for index in EFFICIENT:
            order = 1 if index == "SV" else 2
            approx = method(n, index=index, max_order=order, random_state=1, **_exact(method))
            approx.holdout_fraction = holdout
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # small budgets may fit poorly
                values = approx.approximate(budget, game)
            assert approx.budget_used_ <= budget
            assert values.baseline_value == empty  # exactly the queried v(∅)
            assert values[()] == empty
            assert values.values.sum() == pytest.approx(full, rel=1e-9, abs=1e-12)
            # The recovered function itself passes through both endpoints.
            np.testing.assert_allclose(
                approx.fourier_(_ends(n)), [empty, full], rtol=1e-9, atol=1e-12
            )
            assert approx.moebius_.coefficients.sum() == pytest.approx(full, rel=1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("index", EFFICIENT)
def test_endpoints_match_exact_computer(method, index):
    # Below 2^n queries the values are approximate, but both endpoints come out exact.
    game = SOUM(
        10, n_basis_games=25, min_interaction_size=1, max_interaction_size=6, random_state=4
    )
    exact = shapiq.ExactComputer(game, n_players=10)("SV", 1)
    order = 1 if index == "SV" else 3
    approx = method(10, index=index, max_order=order, random_state=0, **_exact(method))
    values = approx.approximate(200, game)
    assert values.baseline_value == pytest.approx(exact.baseline_value, abs=1e-12)
    assert values.values.sum() == pytest.approx(exact.values.sum(), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_moebius_coefficients_sum_to_the_full_value(method, tabular):
    game = _tabular_game(tabular, row=7)
    full = float(game(np.ones((1, 30), dtype=bool))[0])
    approx = method(30, index="Moebius", max_order=30, random_state=2, **_exact(method))
    values = approx.approximate(800, game)
    assert values.values.sum() == pytest.approx(full, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("index", EFFICIENT)
def test_by_default_values_add_up_to_the_returned_function_and_misses_are_reported(index):
    """ProxySPEX's default: exact endpoints, or a warning and the misses in endpoint_errors_."""
    game = SOUM(
        10, n_basis_games=25, min_interaction_size=1, max_interaction_size=6, random_state=4
    )
    exact = shapiq.ExactComputer(game, n_players=10)("SV", 1)
    order = 1 if index == "SV" else 3
    approx = ProxySPEX(10, index=index, max_order=order, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = approx.approximate(200, game)
    ends = approx.fourier_(_ends(10))
    truth = np.array([exact.baseline_value, exact.values.sum()])
    assert values.baseline_value == pytest.approx(ends[0], abs=1e-12)
    assert values.values.sum() == pytest.approx(ends[1], rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(approx.endpoint_errors_, ends - truth, atol=1e-9)
    dropped = any("do not add up exactly" in str(w.message) for w in caught)
    assert dropped == (not approx.transform_.anchored)
    if approx.transform_.anchored:
        assert approx.endpoint_errors_ == (0.0, 0.0)


@pytest.mark.parametrize("n", [4, 6, 8])
def test_proxyspex_is_exact_when_every_coalition_fits(n):
    game = SOUM(n, n_basis_games=8, min_interaction_size=1, max_interaction_size=n, random_state=n)
    exact = shapiq.ExactComputer(game, n_players=n)("k-SII", 2)
    proxy = ProxySPEX(n, index="k-SII", max_order=2, random_state=0)
    ours = proxy.approximate(2**n, game)  # 16 queries at n=4: below any proxy's minimum
    assert proxy.budget_used_ == 2**n
    assert proxy.faithfulness_ == 1.0 and proxy.faithfulness_method_ == "exact"
    for key in exact.interaction_lookup:
        assert ours[key] == pytest.approx(exact[key], abs=1e-9), key


def test_proxyspex_names_its_minimum_budget():
    game = SOUM(20, n_basis_games=5, max_interaction_size=2, random_state=0)
    with pytest.raises(ValueError, match="at least 64 queries"):
        ProxySPEX(20, random_state=0).approximate(45, game)


@pytest.mark.parametrize("method", METHODS)
def test_faithfulness_is_reported_by_default_and_honest(method, tabular):
    game = _tabular_game(tabular, row=3)
    approx = method(30, random_state=0)
    approx.approximate(2000, game)
    expected = {SPEX: "cross-validation", ProxySPEX: "cross-fitting"}[method]
    assert approx.faithfulness_method_ == expected
    masks = uniform_masks(30, 1000, seed=5)
    held_out = r2_score(game(masks), approx.fourier_(masks))
    assert abs(approx.faithfulness_ - held_out) < 0.05


@pytest.mark.parametrize("method", METHODS)
def test_a_poor_fit_warns(method):
    # Pseudo-random values of every coalition: no sparse spectrum explains them.
    weights = np.random.default_rng(0).normal(size=40)

    def noise(masks):
        return np.sin(1e3 * (masks @ weights) ** 2)

    with pytest.warns(UserWarning, match="fits the game poorly"):
        method(40, random_state=0).approximate(600, noise)


@pytest.mark.parametrize("method", METHODS)
def test_a_good_fit_does_not_warn(method):
    game = SOUM(30, n_basis_games=6, max_interaction_size=2, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        method(30, random_state=0).approximate(1500, game)


@pytest.mark.parametrize("method", METHODS)
def test_constant_game_is_fully_faithful(method):
    approx = method(30, random_state=0)
    values = approx.approximate(1000, lambda masks: np.full(len(masks), 5.0))
    assert approx.faithfulness_ == 1.0
    assert values.baseline_value == 5.0


def test_shapiq_argument_names_are_accepted():
    game = SOUM(24, n_basis_games=6, max_interaction_size=2, random_state=2)
    ours = SPEX(n=24, max_order=2, index="k-SII", random_state=0, decoder="hard", degree=3)
    alias = SPEX(n=24, max_order=2, index="k-SII", random_state=0, decoder_type="Hard")
    alias.degree = 3  # the alias of degree is checked below
    np.testing.assert_array_equal(
        ours.approximate(2000, game).values, alias.approximate(2000, game).values
    )
    assert SPEX(n=24, degree_parameter=3).degree == 3
    assert SPEX(n=24, decoder="SOFT").decoder == "soft"
    with pytest.raises(TypeError, match="degree or its alias degree_parameter"):
        SPEX(n=24, degree=4, degree_parameter=3)
    assert ProxySPEX(n=24, pairing_trick=True).sampling == "paired"
    with pytest.raises(ValueError, match="sampling_weights"):
        ProxySPEX(n=24, sampling_weights=np.ones(25) / 25)
    with pytest.raises(ValueError, match="proxy_model must be one of 'lightgbm', 'xgboost'"):
        ProxySPEX(n=24, proxy_model="catboost")
    fast = ProxySPEX(n=24, hpo=False, random_state=0)
    fast.approximate(800, game)
    assert len(fast.transform_.info.depths) == 1


@pytest.mark.parametrize("method", METHODS)
def test_order_rules_follow_shapiq(method):
    assert method(n=7, max_order=None).max_order == 7
    sv = method(n=12, index="SV", max_order=2, random_state=0)
    game = SOUM(12, n_basis_games=5, max_interaction_size=2, random_state=0)
    values = sv.approximate(300, game)
    assert values.index == "SV" and values.max_order == 1
    assert max(len(k) for k in values.interaction_lookup) == 1


@pytest.mark.parametrize("method", METHODS)
def test_whole_tables_list_every_interaction(method):
    game = SOUM(30, n_basis_games=4, max_interaction_size=2, random_state=6)
    values = method(30, max_order=2, index="FSII", random_state=0).approximate(700, game)
    assert len(values.values) == 1 + 30 + 435
    assert set(values.interaction_lookup) == set(shapiq.powerset(range(30), 0, 2))
    big = method(600, max_order=2, index="FSII", random_state=0)
    sparse = big.approximate(900, SOUM(600, 4, max_interaction_size=2, random_state=1))
    assert len(sparse.values) < 1 + 600 + 600 * 599 // 2  # 180,301 > 100,000: sparse


def test_beeswarm_stacks_explanations(tabular):
    import matplotlib

    matplotlib.use("Agg")
    x, _ = tabular
    explanations = [
        ProxySPEX(30, index="SV", max_order=1, random_state=0).approximate(
            200, _tabular_game(tabular, row=row)
        )
        for row in range(20)
    ]
    lookups = {tuple(e.interaction_lookup) for e in explanations}
    assert len(lookups) == 1  # one table layout, so shapiq can stack them
    ax = shapiq.plot.beeswarm_plot(explanations, x[:20], max_display=8, show=False)
    assert len(ax.get_yticklabels()) >= 8


@settings(max_examples=6, deadline=None)
@given(exponent=st.sampled_from([0, 2, 4, 6, 8, 10, 12]))
def test_spex_is_invariant_to_a_constant_offset(exponent):
    soum = SOUM(64, n_basis_games=20, max_interaction_size=4, random_state=0)
    offset = 10.0**exponent if exponent else 0.0
    base = SPEX(64, index="SV", random_state=0).approximate(4000, soum)
    spex = SPEX(64, index="SV", random_state=0)
    shifted = spex.approximate(4000, lambda masks: soum(masks) + offset)
    masks = uniform_masks(64, 500, seed=1)
    assert r2_score(soum(masks) + offset, spex.fourier_(masks)) > 0.999
    # The values move by the game's own rounding (an ulp of the offset) at most.
    tol = 1e-9 + 1e-13 * offset
    np.testing.assert_allclose(shifted.values[1:], base.values[1:], atol=tol * 64)


@pytest.mark.parametrize("method", METHODS)
def test_huge_values_are_scaled_internally(method):
    soum = SOUM(24, n_basis_games=6, max_interaction_size=2, random_state=5)
    base = method(24, index="SV", random_state=0).approximate(1000, soum)
    huge = method(24, index="SV", random_state=0).approximate(
        1000, lambda masks: 1e200 * soum(masks)
    )
    np.testing.assert_allclose(huge.values / 1e200, base.values, rtol=1e-6, atol=1e-9)


def test_budget_messages_name_the_callers_budget():
    from shapiq_spex.coding.bch import bch_code
    from shapiq_spex.spex.design import minimum_budget

    game = SOUM(64, n_basis_games=4, max_interaction_size=2, random_state=0)
    # Six forced groups need more than the default design; the message counts them, the
    # endpoints and the held-out masks, and names the caller's budget.
    needed = minimum_budget(64, bch_code(64, 5), 6) + 2 + 30
    assert needed > minimum_budget(64, bch_code(64, 5)) + 32
    with pytest.raises(ValueError, match=rf"budget=300 .* at least {needed} queries"):
        SPEX(64, n_groups=6, holdout_fraction=0.1, random_state=0).approximate(300, game)
    with pytest.raises(ValueError, match="held-out masks"):
        SPEX(64, holdout_fraction=1e-9).approximate(4000, game)


def test_spex_checks_n_against_the_code_at_construction():
    with pytest.raises(ValueError, match="n=70000 is too large for SPEX"):
        SPEX(70_000)


@pytest.mark.parametrize("method", METHODS)
def test_a_saturated_game_warns(method):
    # A squashed score that sits at 0.99 for almost every coalition of a long input.
    def saturated(masks):
        return np.tanh(0.5 * masks.sum(axis=1))

    with pytest.warns(UserWarning, match="barely varies"):
        method(200, random_state=0).approximate(2000, saturated)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("index", ["BV", "SII", "BII", "FBII", "Moebius"])
def test_every_index_reports_the_queried_baseline(method, index, tabular):
    game = _tabular_game(tabular, row=11)
    empty = float(game(np.zeros((1, 30), dtype=bool))[0])
    values = method(30, index=index, max_order=2, random_state=0).approximate(600, game)
    assert values.baseline_value == empty


@pytest.mark.parametrize("method", METHODS)
def test_values_near_the_float_maximum_are_scaled_without_overflow(method):
    # |v| <= 12 + 6 * 2 = 24, so 5e306 * v stays below the float maximum (1.8e308), while
    # sums over the queries (and v - mean(v) for mixed signs) would overflow.
    game = SparseFourierGame.random(24, 6, 2, constant=12.0, random_state=3)
    base = method(24, index="SV", random_state=0).approximate(1000, game)
    huge = method(24, index="SV", random_state=0).approximate(
        1000, lambda masks: 5e306 * game(masks)
    )
    assert np.all(np.isfinite(huge.values))
    np.testing.assert_allclose(huge.values / 5e306, base.values, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("method", METHODS)
# ExactComputer lists the Möbius transform at every order, whatever the order asked for.
@pytest.mark.parametrize("index", [name for name in INDICES if name != "Moebius"])
@pytest.mark.parametrize("order", [2, 3])
def test_values_are_laid_out_as_exact_computer_lays_them_out(method, index, order):
    # A game whose every interaction up to order 3 has a non-zero value, so that shapiq's
    # tables list them all and positions can be compared one to one.
    n = 6
    order = 1 if INDICES[index].order_one else order
    game = SOUM(n, n_basis_games=40, max_interaction_size=5, random_state=1)
    exact = shapiq.ExactComputer(game, n_players=n)(index, order)
    assert len(exact.values) == sum(math.comb(n, k) for k in range(order + 1))
    ours = method(n, max_order=order, index=index, random_state=0).approximate(2**n, game)
    assert list(ours.interaction_lookup) == list(exact.interaction_lookup)
    np.testing.assert_allclose(ours.values, exact.values, atol=1e-9)


def _explain_in_child(approx, budget, game):
    return approx.approximate(budget, game).values


@pytest.mark.parametrize("method", METHODS)
def test_approximators_pickle_before_and_after_a_call(method, tmp_path):
    import concurrent.futures
    import multiprocessing
    import pickle

    import joblib

    game = SparseFourierGame.random(20, 6, 2, constant=1.0, random_state=0)
    masks = uniform_masks(20, 200, seed=3)
    approx = method(20, random_state=0, link="identity")
    copy = pickle.loads(pickle.dumps(approx))
    first = approx.approximate(1000, game)
    np.testing.assert_array_equal(copy.approximate(1000, game).values, first.values)
    # A fitted approximator keeps its fitted function and attributes.
    joblib.dump(approx, tmp_path / "approx.joblib")
    fitted = joblib.load(tmp_path / "approx.joblib")
    np.testing.assert_array_equal(fitted.predict(masks), approx.predict(masks))
    assert fitted.faithfulness_ == approx.faithfulness_
    assert fitted.budget_used_ == approx.budget_used_
    np.testing.assert_array_equal(fitted.approximate(1000, game).values, first.values)
    # Spawned worker processes receive the approximator by pickle.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        remote = pool.submit(_explain_in_child, method(20, random_state=0), 1000, game)
        np.testing.assert_array_equal(remote.result(timeout=600), first.values)


def _non_default_arguments(method, tmp_path):
    """A value other than the default for every constructor argument that has one."""
    from sklearn.tree import DecisionTreeRegressor

    from shapiq_spex.evaluation import QueryCache, SerialBackend

    common = {
        "n": 24,
        "max_order": 3,
        "index": "FSII",
        "top_order": True,
        "random_state": 7,
        "batch_size": 100,
        "verbose": True,
        "cache": QueryCache(tmp_path / f"{method.__name__}.sqlite", "params", 24),
        "backend": SerialBackend(),
        "holdout_fraction": 0.1,
        "link": (np.arctanh, np.tanh),
        "explain": "output",
    }
    if method is SPEX:
        own = {"degree": 3, "decoder": "hard", "n_groups": 4, "refine_rounds": 2}
        own |= {"hierarchy": False, "decoder_type": "hard", "degree_parameter": 3}
    else:
        own = {"max_depth": 5, "sampling": "paired", "learning_rate": 0.2, "max_trees": 50}
        own |= {"validation_fraction": 0.3, "max_terms": 100, "n_bags": 2, "n_jobs": 2}
        own |= {"time_limit": 10.0, "hpo": False, "pairing_trick": True}
        own |= {"sampling_weights": None, "proxy_model": DecisionTreeRegressor(max_depth=3)}
        own |= {"exact_efficiency": False, "target_faithfulness": 0.8}
    return common | own


@pytest.mark.parametrize("method", METHODS)
def test_every_constructor_argument_is_readable_under_its_name(method, tmp_path):
    import inspect

    names = [p for p in inspect.signature(method.__init__).parameters if p != "self"]
    arguments = _non_default_arguments(method, tmp_path)
    assert sorted(arguments) == sorted(names)  # a new argument must be added here
    approx = method(**arguments)
    for name in names:
        assert getattr(approx, name) == arguments[name], name
    # Read back, the arguments build an equal approximator (scikit-learn's clone).
    again = method(**{name: getattr(approx, name) for name in names})
    for name in names:
        assert getattr(again, name) == getattr(approx, name), name
    # Validated normal forms: None for max_order is n, names of links and decoders.
    assert method(10, max_order=None).max_order == 10
    assert method(10).link == "identity" and method(10, link="logit").link == "logit"
    arguments["cache"].close()


@pytest.mark.parametrize(("method", "budget"), [(SPEX, 1500), (ProxySPEX, 300)])
def test_a_setting_changed_after_construction_is_validated_at_the_next_call(method, budget):
    game = SparseFourierGame.random(10, 6, 2, random_state=1)

    def never(masks):
        raise AssertionError("a query was made")

    for name, value, match in [
        ("max_order", 50, "max_order"),
        ("index", "foo", "index"),
        ("batch_size", 0, "batch_size"),
        ("holdout_fraction", 0.9, "holdout_fraction"),
    ]:
        approx = method(10, random_state=0)
        setattr(approx, name, value)
        with pytest.raises((ValueError, TypeError), match=match):
            approx.approximate(budget, never)
    # An order-one index set later reports order one, as it does from the constructor.
    changed = method(10, random_state=0)
    changed.index = "SV"
    got = changed.approximate(budget, game)
    want = method(10, index="SV", random_state=0).approximate(budget, game)
    assert (got.index, got.max_order, changed.max_order) == ("SV", 1, 1)
    assert got.interaction_lookup == want.interaction_lookup
    np.testing.assert_allclose(got.values, want.values)
    assert math.isclose(sum(got.values), game(np.ones((1, 10), bool))[0], abs_tol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_a_users_subclass_with_other_arguments_is_validated_too(method):
    class Mine(method):
        def __init__(self, n, *, extra="kept", **kwargs):
            super().__init__(n, **kwargs)
            self.extra = extra

    game = SparseFourierGame.random(6, 4, 2, random_state=0)
    approx = Mine(6, extra="mine", random_state=0)
    approx.index = "SV"
    values = approx.approximate(64, game)  # 2^6 coalitions: exact
    assert (values.max_order, approx.extra, type(approx)) == (1, "mine", Mine)
    approx.index, approx.max_order = "k-SII", 50
    with pytest.raises(ValueError, match="max_order must be <= 6"):
        approx.approximate(64, game)


@pytest.mark.parametrize("method", METHODS)
def test_results_are_marked_estimated_unless_every_coalition_was_queried(method):
    game = SparseFourierGame.random(8, 6, 2, random_state=2)
    exact = method(8, random_state=0).approximate(256, game)
    want = shapiq.ExactComputer(game, n_players=8)("k-SII", 2)
    assert exact.estimated is False
    assert all(math.isclose(exact[s], want[s], abs_tol=1e-9) for s in want.interaction_lookup)
    approx = method(8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampled = approx.approximate(250 if method is ProxySPEX else 255, game)
    assert approx.faithfulness_method_ != "exact" and sampled.estimated is True
    assert approx.uncertainty_ is None or approx.uncertainty_.estimated is True


def test_spex_exposes_shapiqs_settings_attributes():
    spex = SPEX(24, degree_parameter=3, decoder_type="Hard", n_groups=4, hierarchy=False)
    assert (spex.degree, spex.decoder) == (3, "hard")
    assert spex.transform_type == "fourier"
    assert spex.query_args["t"] == 3 and spex.query_args["num_subsample"] == 4
    assert spex.decoder_args["decoder_type"] == "hard"
    assert spex.decoder_args["reconstruct_method_channel"] == "identity"
    assert SPEX(24).decoder_args["reconstruct_method_channel"] == "identity-siso"
    assert spex.decoder_args["hierarchy"] is False

"""The ProxySPEX approximator against exact computations and its public contract."""

import numpy as np
import pytest
import shapiq
from shapiq_games.synthetic import SOUM

from shapiq_spex import GameEvaluationError
from shapiq_spex.approximators import INDICES
from shapiq_spex.approximators.proxyspex import ProxySPEX
from shapiq_spex.metrics import precision_at_k, r2_score, uniform_masks


class Counted:
    def __init__(self, game):
        self.game = game
        self.calls = 0
        self.queries = 0

    def __call__(self, masks):
        self.calls += 1
        self.queries += len(masks)
        return self.game(masks)


def assert_values_match(ours, exact, atol=1e-7):
    keys = {k for k, v in exact.interactions.items() if abs(v) > atol and len(k) <= ours.max_order}
    keys |= {k for k, v in ours.interactions.items() if abs(v) > atol}
    for key in keys:
        assert ours[key] == pytest.approx(exact[key], abs=atol), key


@pytest.fixture(scope="module")
def small_soum():
    # 600 random queries of 2^10 coalitions: the sparse proxy path, not an exhaustive one.
    return SOUM(10, n_basis_games=6, min_interaction_size=1, max_interaction_size=3, random_state=1)


@pytest.mark.parametrize("index", INDICES)
def test_indices_match_exact_computer(small_soum, index):
    order = 1 if INDICES[index].order_one else 2
    proxy = ProxySPEX(10, max_order=order, index=index, random_state=0)
    ours = proxy.approximate(600, small_soum)
    assert proxy.budget_used_ == 600
    exact = shapiq.ExactComputer(small_soum, n_players=10)(index, order)
    assert_values_match(ours, exact)


def test_moebius_matches_the_games_moebius_transform_at_n12():
    game = SOUM(12, n_basis_games=8, min_interaction_size=1, max_interaction_size=4, random_state=5)
    proxy = ProxySPEX(12, max_order=4, index="Moebius", random_state=3)
    proxy.approximate(1500, game)
    truth = {k: v for k, v in game.moebius_coefficients.interactions.items() if abs(v) > 1e-12}
    found = proxy.moebius_.pruned(1e-7).to_dict()
    assert set(found) == set(truth)
    for key, value in truth.items():
        assert found[key] == pytest.approx(value, abs=1e-7)


@pytest.mark.parametrize(
    ("n", "n_terms", "size", "budget"), [(64, 20, 4, 3000), (256, 20, 3, 4000)]
)
def test_recovers_hierarchical_sparse_games(n, n_terms, size, budget):
    game = SOUM(n, n_terms, min_interaction_size=1, max_interaction_size=size, random_state=2)
    proxy = ProxySPEX(n, max_order=2, index="FBII", random_state=0)
    proxy.approximate(budget, game)
    masks = uniform_masks(n, 1000, seed=4321)  # never queried by the method
    assert r2_score(game(masks), proxy.fourier_(masks)) > 0.999
    truth = {k: v for k, v in game.moebius_coefficients.interactions.items() if abs(v) > 1e-12}
    estimated = proxy.moebius_.to_dict()
    assert precision_at_k(truth, estimated, len(truth)) == 1.0


def test_same_seed_is_bit_identical_and_other_seeds_stay_valid():
    game = SOUM(40, 12, min_interaction_size=1, max_interaction_size=3, random_state=0)
    runs = [ProxySPEX(40, index="k-SII", random_state=s) for s in (7, 7, 8)]
    values = [r.approximate(1500, game) for r in runs]
    np.testing.assert_array_equal(values[0].values, values[1].values)
    assert values[0].interaction_lookup == values[1].interaction_lookup
    np.testing.assert_array_equal(runs[0].fourier_.terms, runs[1].fourier_.terms)
    np.testing.assert_array_equal(runs[0].fourier_.coefficients, runs[1].fourier_.coefficients)
    masks = uniform_masks(40, 500, seed=11)
    for run in runs:
        assert r2_score(game(masks), run.fourier_(masks)) > 0.99


def test_no_state_is_carried_between_calls():
    first = SOUM(30, 8, min_interaction_size=1, max_interaction_size=3, random_state=0)
    second = SOUM(30, 8, min_interaction_size=1, max_interaction_size=3, random_state=1)
    reused = ProxySPEX(30, index="SII", random_state=2)
    reused.approximate(800, first)
    again = reused.approximate(800, second)
    fresh = ProxySPEX(30, index="SII", random_state=2).approximate(800, second)
    np.testing.assert_array_equal(again.values, fresh.values)


def test_budget_is_spent_exactly_in_batches():
    game = Counted(SOUM(20, 6, min_interaction_size=1, max_interaction_size=2, random_state=0))
    proxy = ProxySPEX(20, random_state=0, batch_size=128)
    result = proxy.approximate(500, game)
    assert game.queries == 500 == proxy.budget_used_ == result.estimation_budget
    assert game.calls == 1 + 4  # the two endpoints, then ceil(498 / 128) batches


def test_a_default_call_prints_nothing(capfd):
    game = SOUM(16, 6, min_interaction_size=1, max_interaction_size=3, random_state=0)
    ProxySPEX(16).approximate(400, game)
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def test_paired_sampling_queries_complements_and_recovers():
    game = Counted(SOUM(24, 8, min_interaction_size=1, max_interaction_size=3, random_state=3))
    seen = []
    inner = game.game
    game.game = lambda masks: (seen.append(masks.copy()), inner(masks))[1]
    proxy = ProxySPEX(24, sampling="paired", random_state=0, batch_size=None)
    proxy.approximate(1000, game)
    assert seen[0].sum(axis=1).tolist() == [0, 24]  # the empty and full coalitions first
    masks = seen[1]  # then 998 masks in complementary pairs
    np.testing.assert_array_equal(masks[499:], ~masks[:499])
    test = uniform_masks(24, 500, seed=1)
    assert r2_score(inner(test), proxy.fourier_(test)) > 0.999


def test_top_order_and_time_limit():
    game = SOUM(20, 8, min_interaction_size=1, max_interaction_size=3, random_state=4)
    proxy = ProxySPEX(20, max_order=2, index="FSII", top_order=True, time_limit=1e-9)
    result = proxy.approximate(600, game)
    assert all(len(k) == 2 for k in result.interaction_lookup)
    # The deadline passed at once: one boosting run, stopped after its first tree.
    assert len(proxy.transform_.info.depths) == 1
    assert proxy.transform_.info.depths[0].trees == 1
    assert proxy.budget_used_ == 600


def test_game_errors_keep_the_paid_queries():
    def failing(masks):
        if failing.calls == 2:  # the endpoints, one batch of 50, then the crash
            raise RuntimeError("model crashed")
        failing.calls += 1
        return masks.sum(axis=1).astype(float)

    failing.calls = 0
    proxy = ProxySPEX(8, random_state=0, batch_size=50)
    with pytest.raises(GameEvaluationError, match="model crashed") as info:
        proxy.approximate(200, failing)
    assert info.value.masks.shape == (52, 8)
    np.testing.assert_array_equal(info.value.values, info.value.masks.sum(axis=1))


def test_cache_resumes_a_failed_call_and_backends_agree(tmp_path):
    from shapiq_spex.evaluation import JoblibBackend, QueryCache

    game = SOUM(40, n_basis_games=8, min_interaction_size=1, max_interaction_size=3, random_state=4)
    reference = ProxySPEX(40, random_state=5, batch_size=100)
    expected = reference.approximate(600, game)

    def failing(masks):
        if failing.queries + len(masks) > 300:
            raise RuntimeError("power cut")
        failing.queries += len(masks)
        return game(masks)

    failing.queries = 0
    path = tmp_path / "proxy.sqlite"
    first = ProxySPEX(40, random_state=5, batch_size=100, cache=QueryCache(path, "soum", 40))
    with pytest.raises(GameEvaluationError, match="power cut"):
        first.approximate(600, failing)
    counted = Counted(game)
    second = ProxySPEX(40, random_state=5, batch_size=100, cache=QueryCache(path, "soum", 40))
    resumed = second.approximate(600, counted)
    # Exactly the masks the failed call did not pay for: it kept the 2 endpoints and 2 full
    # batches (the third would have passed 300).
    assert counted.queries == 600 - 202
    np.testing.assert_array_equal(resumed.values, expected.values)

    threads = ProxySPEX(40, random_state=5, batch_size=100, backend=JoblibBackend(2, "threads"))
    np.testing.assert_array_equal(threads.approximate(600, game).values, expected.values)


def test_holdout_fraction_reports_faithfulness():
    game = SOUM(30, n_basis_games=6, min_interaction_size=1, max_interaction_size=3, random_state=2)
    proxy = ProxySPEX(30, random_state=0, holdout_fraction=0.1)
    proxy.approximate(1000, game)
    assert proxy.budget_used_ == 1000
    masks = uniform_masks(30, 2000, seed=9)
    # The self-check estimates the true held-out R² (a SOUM with 6 terms is recovered well).
    assert proxy.faithfulness_ == pytest.approx(
        r2_score(game(masks), proxy.fourier_(masks)), abs=0.05
    )
    assert proxy.faithfulness_ > 0.9


def _dense_noisy_game(n: int = 40, seed: int = 5):
    """A dense function: every pair and triple of 40 players with a small random weight."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(n, n)) / n

    def game(masks: np.ndarray) -> np.ndarray:
        x = 1.0 - 2.0 * np.asarray(masks, dtype=float)
        return np.einsum("mi,ij,mj->m", x, weights, x) + np.sin(3 * x[:, :5].sum(axis=1))

    return game


def test_bags_average_fits_on_distinct_splits_and_keep_the_endpoints():
    game = _dense_noisy_game()
    single = ProxySPEX(40, index="Moebius", random_state=3, n_bags=1)
    bagged = ProxySPEX(40, index="Moebius", random_state=3, n_bags=3)
    single.approximate(1500, game)
    bagged.approximate(1500, game)
    result = bagged.transform_
    assert len(result.bags) == 3
    # The middle member boosted its trees on the residual of a first-order fit.
    assert [member.additive for member in result.bags] == [False, True, False]
    # The first member is the single fit (same seed, same first split and boosting seeds).
    first, alone = result.bags[0], single.transform_.info
    assert [d.proxy_val_mse for d in first.depths] == [d.proxy_val_mse for d in alone.depths]
    assert (first.support, first.val_mse) == (alone.support, alone.val_mse)
    # Each member's validation masks were predicted by a fit that never saw them, pooled.
    n_val = single.transform_.check[0].size
    assert result.check[0].size == 3 * n_val
    y, prediction = result.check
    assert bagged.faithfulness_ == pytest.approx(r2_score(y, prediction))
    # The average is a function of the same form that still matches both endpoints.
    ends = np.array([np.zeros(40, bool), np.ones(40, bool)])
    np.testing.assert_allclose(bagged.fourier_(ends), game(ends), atol=1e-9)


def test_an_exact_first_fit_ends_the_bagging():
    game = SOUM(30, n_basis_games=6, min_interaction_size=1, max_interaction_size=3, random_state=2)
    proxy = ProxySPEX(30, random_state=0, n_bags=5)
    proxy.approximate(1500, game)
    assert len(proxy.transform_.bags) == 1
    masks = uniform_masks(30, 500, seed=4)
    assert r2_score(game(masks), proxy.fourier_(masks)) > 1 - 1e-9


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"n": 0}, ValueError, "n"),
        ({"n": 2.5}, TypeError, "n"),
        ({"max_order": 0}, ValueError, "max_order"),
        ({"index": "XYZ"}, ValueError, "index"),
        ({"top_order": "yes"}, TypeError, "top_order"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"max_depth": 0}, ValueError, "max_depth"),
        ({"max_depth": 3.0}, TypeError, "max_depth"),
        ({"sampling": "sobol"}, ValueError, "sampling"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": "fast"}, TypeError, "learning_rate"),
        ({"max_trees": 0}, ValueError, "max_trees"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"max_terms": 0}, ValueError, "max_terms"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"n_bags": 0}, ValueError, "n_bags"),
        ({"n_bags": 2.0}, TypeError, "n_bags"),
        ({"time_limit": -1.0}, ValueError, "time_limit"),
        ({"batch_size": 0}, ValueError, "batch_size"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, name):
    args = {"n": 10} | kwargs
    with pytest.raises(error, match=name):
        ProxySPEX(args.pop("n"), **args)


def test_bad_budget_and_game():
    game = SOUM(10, 4, random_state=0)
    proxy = ProxySPEX(10)
    with pytest.raises(ValueError, match="budget"):
        proxy.approximate(10, game)
    with pytest.raises(TypeError, match="budget"):
        proxy.approximate(100.5, game)
    with pytest.raises(TypeError, match="game"):
        proxy.approximate(100, "not a game")


def test_constant_and_additive_games():
    constant = ProxySPEX(12, index="Moebius", random_state=0)
    constant.approximate(300, lambda masks: np.full(len(masks), 2.5))
    assert constant.moebius_.pruned(1e-9).to_dict() == pytest.approx({(): 2.5})
    weights = np.linspace(-1, 1, 12)
    additive = ProxySPEX(12, max_order=1, index="SV", random_state=0)
    values = additive.approximate(400, lambda masks: masks @ weights)
    for i in range(12):
        assert values[(i,)] == pytest.approx(weights[i], abs=1e-7)

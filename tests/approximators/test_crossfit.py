"""Cross-fitting in ProxySPEX: model choice, the honest score, error bars, stopping at a target.

Ground truth comes from functions with known Fourier coefficients: their exact index values
come from the coefficients (shapiq's conversion of the true function), their R² from fresh
uniform masks that no method queried.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _coverage import count_coverage
from shapiq_games.synthetic import SOUM

from shapiq_spex import ProxySPEX
from shapiq_spex.approximators._conversion import to_interaction_values
from shapiq_spex.approximators._uncertainty import index_weights
from shapiq_spex.evaluation import QueryCache
from shapiq_spex.spectral import SparseFourier


def _fresh_r2(approx: ProxySPEX, game, n: int, m: int = 2000, seed: int = 99) -> float:
    masks = np.random.default_rng(seed).integers(0, 2, size=(m, n)).astype(bool)
    y = np.asarray(game(masks), dtype=float)
    prediction = approx.predict(masks)
    return 1.0 - float(np.sum((y - prediction) ** 2) / np.sum((y - y.mean()) ** 2))


class _Sparse:
    """A known sparse Fourier function plus independent Gaussian noise per query."""

    def __init__(self, function: SparseFourier, noise: float, seed: int) -> None:
        self.function = function
        self.noise = noise
        self.rng = np.random.default_rng(seed)

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        clean = self.function(np.asarray(masks, dtype=bool))
        return clean + self.noise * self.rng.standard_normal(clean.shape)


def _additive(n: int, seed: int) -> SparseFourier:
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal(n) * (rng.random(n) < 0.3)
    return SparseFourier.from_dict({(i,): float(w) for i, w in enumerate(weights) if w}, n)


def test_a_sparse_additive_model_at_64_queries_gets_the_first_order_fit():
    n = 60
    truth = _additive(n, 0)
    game = _Sparse(truth, 0.05, 1)
    approx = ProxySPEX(n, max_order=2, random_state=0)
    approx.approximate(64, game)
    assert approx.transform_.chosen == "first-order"
    # 62 random queries of 60 players: only a sparse first-order fit gets close.
    assert _fresh_r2(approx, truth, n) > 0.7


def test_interactions_choose_the_trees():
    n = 20
    game = SOUM(n, n_basis_games=12, min_interaction_size=2, max_interaction_size=3, random_state=2)
    approx = ProxySPEX(n, max_order=2, random_state=0)
    approx.approximate(600, game)
    scores = approx.transform_.candidates
    assert approx.transform_.chosen == "trees"
    assert scores["trees"].score > scores["first-order"].score + 0.1
    assert _fresh_r2(approx, game, n) > 0.95


@pytest.mark.parametrize("seed", range(3))
def test_the_blend_is_a_convex_combination_of_the_families_on_every_left_out_query(seed):
    n = 30
    additive = _additive(n, seed)
    pairs = SparseFourier.from_dict({(0, 1): 0.4, (2, 3): -0.3, (4, 5, 6): 0.3}, n)
    game = _Sparse(SparseFourier(n, *_union(additive, pairs)), 0.1, seed)
    approx = ProxySPEX(n, max_order=2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        approx.approximate(300, game)
    c = approx.transform_.candidates
    blend = c["blend"]
    assert set(blend.weights) == set(c) - {"blend"}
    assert min(blend.weights.values()) >= 0.0
    assert sum(blend.weights.values()) == pytest.approx(1.0)
    families = np.array([c[name].predictions for name in blend.weights])
    low, high = families.min(axis=0), families.max(axis=0)
    assert np.all(blend.predictions >= low - 1e-9)
    assert np.all(blend.predictions <= high + 1e-9)
    best = max(c.values(), key=lambda cand: cand.score)
    assert approx.transform_.chosen in {best.name, "blend"}


def _union(a: SparseFourier, b: SparseFourier) -> tuple[np.ndarray, np.ndarray]:
    width = max(a.terms.shape[1], b.terms.shape[1])
    pad = lambda t: np.pad(t, ((0, 0), (0, width - t.shape[1])), constant_values=-1)  # noqa: E731
    return np.concatenate([pad(a.terms), pad(b.terms)]), np.r_[a.coefficients, b.coefficients]


@pytest.mark.parametrize("budget", [128, 400])
def test_the_score_is_close_to_the_truth_on_a_noisy_game(budget):
    n = 16
    rng = np.random.default_rng(3)
    function = SparseFourier.from_dict(
        {(0,): 1.0, (1,): -0.7, (2, 3): 0.8, (4,): 0.5, (5, 6, 7): 0.6, (8, 9): -0.4}, n
    )
    gaps = []
    for seed in range(3):
        game = _Sparse(function, 0.6, int(rng.integers(1000)))
        approx = ProxySPEX(n, max_order=2, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            approx.approximate(budget, game)
        true = _fresh_r2(approx, _Sparse(function, 0.6, 7), n)
        gaps.append(approx.faithfulness_ - true)
    assert approx.faithfulness_method_ == "cross-fitting"
    assert abs(float(np.mean(gaps))) < 0.08


@pytest.mark.parametrize("budget", [128, 1000])
def test_the_score_is_within_005_of_the_truth_or_a_warning_says_it_is_not(budget):
    n = 16
    function = SparseFourier.from_dict(
        {(0,): 1.0, (1,): -0.7, (2, 3): 0.8, (4,): 0.5, (5, 6, 7): 0.6, (8, 9): -0.4}, n
    )
    for seed in range(3):
        approx = ProxySPEX(n, max_order=2, random_state=seed)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            approx.approximate(budget, _Sparse(function, 0.6, 100 + seed))
        gap = abs(approx.faithfulness_ - _fresh_r2(approx, _Sparse(function, 0.6, 7), n))
        warned = any("uncertain" in str(w.message) for w in record)
        assert warned == (2 * approx.faithfulness_se_ > 0.05)
        assert gap <= 0.05 or warned, (seed, gap, approx.faithfulness_se_)


def test_the_scores_standard_error_is_zero_when_exact_and_measured_on_holdout():
    game = SOUM(8, n_basis_games=5, max_interaction_size=3, random_state=0)
    exact = ProxySPEX(8, random_state=0)
    exact.approximate(256, game)
    assert exact.faithfulness_se_ == 0.0
    held = ProxySPEX(20, random_state=0, holdout_fraction=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        held.approximate(500, _Sparse(_additive(20, 1), 0.3, 5))
    assert held.faithfulness_method_ == "holdout"
    assert 0.0 < held.faithfulness_se_ < 0.2


def _saturated(n: int):
    """An OR of its players: 0 at the empty coalition, close to 1 almost everywhere else."""

    def game(masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, dtype=bool)
        return 1.0 - 0.5 ** masks.sum(axis=1)

    return game


def test_a_saturated_game_is_scored_honestly_and_warns():
    n = 20
    game = _saturated(n)
    approx = ProxySPEX(n, max_order=2, random_state=0, exact_efficiency=True)
    with pytest.warns(UserWarning) as record:
        approx.approximate(1000, game)
    true = _fresh_r2(approx, game, n)
    # The endpoint v(∅) = 0 bends the anchored function: the score must see it.
    assert abs(approx.faithfulness_ - true) < 0.1 or approx.faithfulness_ < 0.5
    messages = " ".join(str(w.message) for w in record)
    if approx.transform_.free_score - approx.transform_.anchored_score > 0.02:
        assert "exact efficiency costs fit" in messages


def test_without_exact_efficiency_the_gap_is_reported():
    n = 20
    game = _saturated(n)
    approx = ProxySPEX(n, max_order=1, index="SV", random_state=0, exact_efficiency=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = approx.approximate(1000, game)
    ends = approx.fourier_(np.array([np.zeros(n, bool), np.ones(n, bool)]))
    np.testing.assert_allclose(values.baseline_value, ends[0], atol=1e-9)
    np.testing.assert_allclose(np.sum(values.values), ends[1], atol=1e-9)
    np.testing.assert_allclose(
        approx.endpoint_errors_, ends - np.array([0.0, game(np.ones((1, n)))[0]])
    )
    assert _fresh_r2(approx, game, n) >= approx.transform_.anchored_score - 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_by_default_the_endpoints_are_dropped_only_where_they_cost_fit(seed):
    """``exact_efficiency="auto"``: a jump at the empty coalition is not forced into the fit.

    On the OR game (0 at the empty coalition, near 1 elsewhere) meeting ``v(∅)`` bends the
    function on every other coalition: the default returns the unanchored fit, says so, and
    reports how far it misses the endpoints. On an additive game the endpoints cost nothing and
    the values add up exactly.
    """
    n = 20
    game = _saturated(n)
    forced = ProxySPEX(n, max_order=2, random_state=seed, exact_efficiency=True)
    auto = ProxySPEX(n, max_order=2, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forced.approximate(300, game)
    with pytest.warns(UserWarning, match="do not add up exactly") as record:
        values = auto.approximate(300, game)
    assert forced.transform_.anchored and not auto.transform_.anchored
    assert _fresh_r2(auto, game, n) > _fresh_r2(forced, game, n) + 0.05
    ends = auto.fourier_(np.array([np.zeros(n, bool), np.ones(n, bool)]))
    truth = np.array([0.0, game(np.ones((1, n)))[0]])
    np.testing.assert_allclose(auto.endpoint_errors_, ends - truth, atol=1e-9)
    assert abs(auto.endpoint_errors_[0]) > 0.05
    np.testing.assert_allclose(values.baseline_value, ends[0], atol=1e-9)
    assert "exact efficiency costs fit" not in " ".join(str(w.message) for w in record)

    additive = _Sparse(_additive(n, seed), 0.0, seed)
    exact = ProxySPEX(n, max_order=1, index="SV", random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shapley = exact.approximate(300, additive)
    assert exact.transform_.anchored and exact.endpoint_errors_ == (0.0, 0.0)
    full = additive(np.ones((1, n), bool))[0] - additive(np.zeros((1, n), bool))[0]
    np.testing.assert_allclose(np.sum(shapley.values) - shapley.baseline_value, full, atol=1e-8)


@pytest.mark.parametrize("n_bags", [1, "auto"])
def test_standard_errors_cover_the_exact_values(n_bags):
    """Nominal 90 % intervals cover the noiseless game's non-zero values 80-97 % of the time.

    The terms that only carry the endpoint correction (true value 0) take the folds' misses
    at the endpoints as their error: their intervals are conservative.
    """
    nonzero, zero, _ = _coverage(600, 6, n_bags=n_bags)
    assert 0.8 <= nonzero <= 0.97, nonzero
    assert zero >= 0.9, zero


def _coverage(budget: int, seeds: int, **options) -> tuple[float, float, set[str]]:
    """Shares of the non-zero and zero k-SII values of a noisy sparse game that nominal 90 %
    intervals cover over ``seeds`` ProxySPEX calls, and the families those calls chose."""
    n = 12
    hits = {True: 0, False: 0}
    total = {True: 0, False: 0}
    function = SparseFourier.from_dict(
        {(0,): 0.8, (1,): -0.5, (2, 3): 0.6, (4, 5): -0.4, (6,): 0.3, (7, 8, 9): 0.5}, n
    )
    exact = to_interaction_values(
        function.to_moebius(), index="k-SII", max_order=2, min_order=0, estimation_budget=0
    )
    chosen = set()
    for seed in range(seeds):
        approx = ProxySPEX(n, max_order=2, index="k-SII", random_state=seed, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = approx.approximate(budget, _Sparse(function, 0.5, 100 + seed))
        chosen.add(approx.transform_.chosen)
        count_coverage(values, approx.uncertainty_, exact, hits, total)
    return hits[True] / total[True], hits[False] / total[False], chosen


def test_exact_results_have_zero_standard_errors():
    game = SOUM(8, n_basis_games=5, max_interaction_size=3, random_state=0)
    approx = ProxySPEX(8, max_order=2, random_state=0)
    values = approx.approximate(256, game)
    assert approx.faithfulness_method_ == "exact"
    assert approx.uncertainty_.interaction_lookup == values.interaction_lookup
    assert np.all(approx.uncertainty_.values == 0)


@pytest.mark.parametrize("index", ["SV", "BV", "k-SII", "STII", "FSII", "FBII", "SII", "Moebius"])
def test_index_weights_match_conversions_at_other_sizes(index):
    order = 1 if index in ("SV", "BV") else 2
    weights = index_weights(index, order, 0, 4)
    n = 9
    for t in range(5):
        term = tuple(range(2, 2 + t))
        values = to_interaction_values(
            SparseFourier.from_dict({term: 1.0}, n).to_moebius(),
            index=index,
            max_order=order,
            min_order=0,
            estimation_budget=0,
        )
        for interaction, position in values.interaction_lookup.items():
            inside = set(interaction) <= set(term)
            expected = weights[t, len(interaction)] if inside else 0.0
            assert values.values[position] == pytest.approx(expected, abs=1e-10)


class _Counted:
    def __init__(self, game) -> None:
        self.game = game
        self.masks: list[np.ndarray] = []

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        self.masks.append(np.asarray(masks, dtype=bool).copy())
        return self.game(masks)


def test_target_stops_early_and_reuses_every_query(tmp_path):
    n = 16
    game = _Counted(SOUM(n, n_basis_games=6, max_interaction_size=2, random_state=1))
    approx = ProxySPEX(n, max_order=2, random_state=0, target_faithfulness=0.9)
    approx.approximate(4000, game)
    queried = np.concatenate(game.masks)
    assert approx.budget_used_ == queried.shape[0] < 4000
    # No mask was paid twice (rounds only append).
    assert np.unique(queried, axis=0).shape[0] == queried.shape[0]
    assert approx.history_[-1][0] == approx.budget_used_
    assert approx.history_[-1][1] >= 0.9
    assert all(score < 0.9 for _, score in approx.history_[:-1])


def test_a_resumed_run_with_a_larger_cap_reuses_the_cache(tmp_path):
    n = 16
    soum = SOUM(n, n_basis_games=30, min_interaction_size=2, max_interaction_size=4, random_state=1)
    cache = QueryCache(tmp_path / "q.sqlite", game_id="soum", n_players=n)
    small = _Counted(soum)
    ProxySPEX(n, random_state=0, cache=cache).approximate(300, small)
    large = _Counted(soum)
    ProxySPEX(n, random_state=0, cache=cache).approximate(600, large)
    before = {row.tobytes() for m in small.masks for row in m}
    paid = [row.tobytes() for m in large.masks for row in m]
    # Nothing paid in the first run is paid again; the rest of the larger cap is new.
    assert not before.intersection(paid)
    assert 280 <= len(paid) <= 300


def test_standard_errors_of_the_shallow_trees_cover_the_exact_values(monkeypatch):
    """Forced to the shallow trees, nominal 90 % intervals still cover most non-zero values.

    Their spread across folds misses the shrunk trees' bias; the intervals are widened to the
    averaged function's left-out error (without that: 42 % at 128 queries).
    """
    import shapiq_spex.proxy.crossfit as crossfit

    best = crossfit._best
    monkeypatch.setattr(
        crossfit,
        "_best",
        lambda c, key, *context: "shallow" if "shallow" in c else best(c, key, *context),
    )
    nonzero, zero, chosen = _coverage(128, 12)
    assert chosen == {"shallow"}
    assert 0.75 <= nonzero <= 0.97, nonzero
    assert zero >= 0.9, zero


def test_shallow_trees_are_a_candidate_up_to_2048_queries_only():
    n = 14  # 2^n above both budgets: no exact transform
    game = _Sparse(SparseFourier.from_dict({(0,): 1.0, (1, 2): 0.5}, n), 0.3, 0)
    small, large = ProxySPEX(n, random_state=0), ProxySPEX(n, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small.approximate(300, game)
        large.approximate(2100, game)
    assert "shallow" in small.transform_.candidates
    assert "shallow" not in large.transform_.candidates


def test_a_blend_of_three_families_meets_the_endpoints_and_mixes_their_functions(monkeypatch):
    import shapiq_spex.proxy.crossfit as crossfit

    monkeypatch.setattr(crossfit, "_best", lambda c, key, *context: "blend")
    n = 30
    additive = _additive(n, 4)
    pairs = SparseFourier.from_dict({(0, 1): 0.4, (2, 3): -0.3, (4, 5, 6): 0.3}, n)
    game = _Sparse(SparseFourier(n, *_union(additive, pairs)), 0.1, 4)
    approx = ProxySPEX(n, max_order=2, random_state=4, exact_efficiency=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        approx.approximate(200, game)
    result = approx.transform_
    weights = result.candidates["blend"].weights
    assert result.chosen == "blend"
    assert set(weights) == {"first-order", "shallow", "trees"}
    assert sum(weights.values()) == pytest.approx(1.0)
    # Each family's function meets the queried endpoints, so their convex mix does too.
    assert result.anchored
    assert np.allclose(approx.endpoint_errors_, 0.0, atol=1e-9)


def _candidate(name: str, score: float, predictions: np.ndarray, **fields) -> object:
    from shapiq_spex.proxy.crossfit import Candidate

    return Candidate(name, score, score, predictions, predictions, **fields)


def test_the_blend_is_returned_when_it_beats_a_cross_validated_choice():
    from shapiq_spex.proxy.crossfit import _best

    # Two families off by +1 and -1 everywhere; their even blend is exact. The higher score
    # alone would pick the first-order fit; the cross-validated choice still errs by 1.
    y = np.zeros(30)
    half = {"first-order": 0.5, "trees": 0.5}
    candidates = {
        "first-order": _candidate("first-order", 0.9, y + 1.0),
        "trees": _candidate("trees", 0.8, y - 1.0),
        "blend": _candidate("blend", 0.5, y, weights=half, free_weights=half),
    }
    assert _best(candidates, "score", y, [10, 10, 10]) == "blend"
    assert _best(candidates, "free_score", y, [10, 10, 10]) == "blend"
    # With one fold nothing cross-validates the blend's weights: the best score stands.
    assert _best(candidates, "score", y, [30]) == "first-order"

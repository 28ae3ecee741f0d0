"""Few-call budgets: the ContextCite-style Lasso, budget bookkeeping, n/a below minimums."""

import numpy as np
import pytest

from shapiq_spex.bench import games
from shapiq_spex.bench.harness import CountedGame
from shapiq_spex.bench.methods import CONTEXTCITE_FOLDS, contextcite_lasso, get_method
from shapiq_spex.bench.metrics import moebius_predictor
from shapiq_spex.bench.runner import run_suite
from shapiq_spex.bench.suites import Entry, Suite, get_suite
from shapiq_spex.metrics import holdout_masks, holdout_r2


def sparse_additive(n, support, seed=0):
    """``v(S) = b + Σ_{i ∈ S} w_i`` with ``len(support)`` non-zero weights."""
    rng = np.random.default_rng(seed)
    weights = np.zeros(n)
    weights[list(support)] = rng.choice([-1.0, 1.0], len(support)) * rng.uniform(1, 3, len(support))
    return (lambda masks: 0.7 + np.asarray(masks, dtype=float) @ weights), weights


def test_the_lasso_recovers_a_sparse_additive_function():
    n, support = 60, (3, 11, 17, 40, 59)
    game, weights = sparse_additive(n, support)
    output = contextcite_lasso(game, n, 400, seed=1)
    masks = holdout_masks(n)
    assert holdout_r2(output.predictor, masks, game(masks)) > 0.99
    # its values are its model: the Möbius-form polynomial predicts the same
    np.testing.assert_allclose(moebius_predictor(output.values)(masks), output.predictor(masks))
    values = np.array([output.values.interactions.get((i,), 0.0) for i in range(n)])
    assert set(np.argsort(-np.abs(values))[: len(support)]) == set(support)
    np.testing.assert_allclose(values[list(support)], weights[list(support)], atol=0.15)
    assert output.values.interactions[()] == pytest.approx(0.7, abs=0.15)


def test_the_lasso_spends_exactly_its_budget_on_uniform_masks():
    n = 20
    game, _ = sparse_additive(n, (0, 1))
    seen = []

    def recording(masks):
        seen.append(np.asarray(masks))
        return game(masks)

    counted = CountedGame(recording)
    contextcite_lasso(counted, n, 3000, seed=0)
    assert counted.queries == 3000
    masks = np.concatenate(seen)
    # uniform on {0,1}^n: every player kept about half the time
    assert np.all(np.abs(masks.mean(axis=0) - 0.5) < 0.05)


def test_the_lasso_refuses_too_few_masks_to_cross_validate():
    game, _ = sparse_additive(10, (0,))
    with pytest.raises(ValueError, match="budget=9 is too small for the ContextCite Lasso"):
        contextcite_lasso(game, 10, 2 * CONTEXTCITE_FOLDS - 1, seed=0)


@pytest.fixture
def additive_40(monkeypatch):
    """A 40-player sparse additive game registered as ``additive-40``."""
    function, weights = sparse_additive(40, (1, 5, 9, 20, 33))

    def build(seed):
        truth = {(): 0.7} | {(i,): float(w) for i, w in enumerate(weights) if w}
        return games.GameInstance(40, "additive", lambda: function, function, truth)

    spec = games.GameSpec("additive-40", "additive", "additive, 40 players", build, 40, True)
    monkeypatch.setitem(games.GAMES, "additive-40", spec)
    return function


def low_suite(methods, budgets=(64, 128), **kwargs):
    return Suite(
        name="low",
        description="few calls",
        entries=(Entry("additive-40", budgets),),
        methods=tuple(methods),
        seeds=1,
        time_cap_s=60.0,
        memory_cap_gb=3.0,
        max_minutes=5.0,
        removal_k=(),
        **kwargs,
    )


def test_few_call_budgets_are_never_exceeded_as_counted_by_the_wrapper(additive_40):
    methods = ("proxyspex", "contextcite-lasso", "kernelshap", "banzhaf")
    result = run_suite(low_suite(methods))
    assert {(r.method, r.budget) for r in result.records} == {
        (m, b) for m in methods for b in (64, 128)
    }
    for record in result.records:
        assert record.status == "ok", (record.method, record.reason)
        assert 0 < record.queries <= record.budget and not record.over_budget
    lasso = {r.budget: r for r in result.records if r.method == "contextcite-lasso"}
    assert lasso[128].queries == 128 and lasso[128].r2 > 0.95


def test_methods_below_their_minimum_budget_are_n_a_not_errors(additive_40):
    result = run_suite(low_suite(("spex", "contextcite-lasso"), budgets=(8, 64)))
    status = {(r.method, r.budget): r for r in result.records}
    for key in (("spex", 8), ("spex", 64), ("contextcite-lasso", 8)):
        record = status[key]
        assert record.status == "n/a"
        assert record.reason.startswith("budget below the method's minimum"), record.reason
        assert record.queries is None
    assert status[("contextcite-lasso", 64)].status == "ok"


def test_first_order_regressions_run_underdetermined_where_higher_orders_are_skipped(
    additive_40,
):
    suite = low_suite(
        ("kernelshap", "faith-banzhaf-2"),
        budgets=(32,),
        skip_underdetermined=True,
        skip_underdetermined_from=2,
    )
    by_method = {r.method: r for r in run_suite(suite).records}
    assert by_method["kernelshap"].status == "ok"
    assert "underdetermined" in by_method["kernelshap"].note
    assert by_method["faith-banzhaf-2"].status == "n/a"
    assert "underdetermined" in by_method["faith-banzhaf-2"].reason


def test_the_real_suite_runs_every_game_at_the_few_call_budgets():
    suite = get_suite("real")
    for entry in suite.entries:
        assert {64, 128, 256} <= set(entry.budgets), entry.game
        if entry.game.startswith("llm-"):
            assert max(entry.budgets) >= 1000, entry.game
    assert "contextcite-lasso" in suite.methods
    low_baselines = ("contextcite-lasso", "kernelshap", "banzhaf", "shapiq-proxyspex-nohpo")
    for game in ("vader-40", "vader-400", "mlp-digits", "data-lgbm-200", "heads-270"):
        for budget in (64, 128, 256):
            for method in ("proxyspex", "spex", "proxyshap", *low_baselines):
                assert suite.excluded(method, game, budget) is None, (method, game, budget)
            for method in ("shapiq-spex", "faith-banzhaf-2", "shapiq-proxyspex"):
                assert suite.excluded(method, game, budget) is not None
    for method in ("proxyspex", "proxyshap", *low_baselines):
        assert suite.excluded(method, "llm-sentiment", 64) is None
    # the RAG game's queries cost 0.35-0.7 s: one method of each kind at the few calls
    for method in ("proxyspex", "contextcite-lasso", "kernelshap", "shapiq-proxyspex-nohpo"):
        assert suite.excluded(method, "llm-rag", 128) is None
    assert suite.excluded("banzhaf", "llm-rag", 128) is not None
    assert suite.excluded("contextcite-lasso", "llm-rag", 1000) is None
    assert suite.excluded("proxyspex", "llm-rag", 1000) is None
    assert suite.excluded("kernelshap", "llm-rag", 1000) is not None
    # the lead table's anchor at 4000 includes the Lasso
    assert suite.excluded("contextcite-lasso", "vader-120", 4000) is None


def test_the_lasso_is_registered_as_a_first_order_baseline():
    spec = get_method("contextcite-lasso")
    assert not spec.ours and spec.order == 1 and spec.dense_order is None
    assert "LassoCV" in spec.config

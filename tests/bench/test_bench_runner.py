"""The runner's n/a rules (memory cap, time cap, exclusions, availability) and error records."""

import math

import numpy as np
import pytest

from shapiq_spex.bench import methods as registry
from shapiq_spex.bench.games import get_game
from shapiq_spex.bench.methods import MethodSpec, dense_regression_cost, get_method, refusal
from shapiq_spex.bench.runner import _TimeCaps, _underdetermined, run_suite
from shapiq_spex.bench.suites import SUITES, Entry, Exclusion, Suite


def suite(methods, **kwargs):
    settings = {
        "name": "test",
        "description": "test suite",
        "entries": (Entry("soum-12", (256,)),),
        "methods": tuple(methods),
        "seeds": 1,
        "time_cap_s": 30.0,
        "memory_cap_gb": 3.0,
        "max_minutes": 5.0,
    }
    settings.update(kwargs)
    return Suite(**settings)


def test_dense_regression_cost_by_hand():
    # n=4, order 2: 1 + 4 + 6 = 11 terms; a budget above 2^4 samples 16 coalitions
    terms, memory, flops = dense_regression_cost(4, 100, 2)
    assert terms == 11
    assert memory == 8.0 * (3 * 16 * 11 + 2 * 11 * 11)
    assert flops == pytest.approx(2.0 * 16 * 121 + 2.0 / 3.0 * 11**3)
    assert dense_regression_cost(1000, 8000, 2)[0] == 1 + 1000 + 499_500


def test_memory_cap_refuses_dense_regressions_above_the_cap():
    fbii = get_method("faith-banzhaf-2")
    # n=256, order 2: 32,897 terms -> a 32,897^2 normal-equation matrix alone is 17 GB
    reason = refusal(fbii, 256, 4000, memory_cap_gb=3.0, time_cap_s=1e9)
    assert reason.startswith("memory: needs ~") and "> cap 3 GB" in reason
    assert refusal(fbii, 16, 512, memory_cap_gb=3.0, time_cap_s=60.0) is None
    assert "time: predicted" in refusal(fbii, 128, 4000, memory_cap_gb=3.0, time_cap_s=1.0)
    # methods that are not dense regressions are never refused by prediction
    assert refusal(get_method("spex"), 10**5, 10**6, memory_cap_gb=1e-9, time_cap_s=1e-9) is None


def test_memory_cap_gives_n_a_records_with_the_reason():
    result = run_suite(suite(["spex", "faith-banzhaf-2"]), memory_cap_gb=1e-6)
    by_method = {r.method: r for r in result.records}
    assert by_method["spex"].status == "ok" and by_method["spex"].queries == 256
    refused = by_method["faith-banzhaf-2"]
    assert refused.status == "n/a" and refused.reason.startswith("memory:")
    assert refused.r2 is None and refused.n == 12


def test_time_cap_extrapolates_linearly_in_budget_and_stops_larger_cells():
    caps = _TimeCaps(10.0)
    assert not caps.observe("m", "soum", 64, 100, 0.5)  # under a tenth of the cap: ignored
    assert caps.blocked("m", "soum", 64, 10**6) is None
    assert not caps.observe("m", "soum", 64, 1000, 4.0)
    assert caps.blocked("m", "soum", 64, 4000) is None  # predicted 16 s < 2 x cap
    assert "predicted >= 24 s > 2 x cap 10 s" in caps.blocked("m", "soum", 256, 6000)
    assert caps.blocked("m", "soum", 32, 4000) is None  # smaller n: no prediction
    assert caps.blocked("m", "fourier", 64, 4000) is None  # other family
    assert caps.observe("m", "soum", 64, 500, 11.0)  # over the cap
    assert "took 11 s > cap 10 s" in caps.blocked("m", "soum", 64, 500)


def test_a_failing_method_is_reported_with_its_error(monkeypatch):
    def run(game, n, budget, seed):
        raise RuntimeError("decoder exploded\nsecond line")

    spec = MethodSpec("boom", "Boom", False, "SV", 1, run)
    monkeypatch.setitem(registry.METHODS, "boom", spec)
    (record,) = run_suite(suite(["boom"])).records
    assert record.status == "error"
    assert record.reason == "RuntimeError: decoder exploded"


def test_unavailable_methods_and_exclusions_are_n_a(monkeypatch):
    def missing():
        raise ImportError("no module named 'colleague'")

    spec = MethodSpec("later", "Later", True, "FBII", 2, lambda *a: None, available=missing)
    monkeypatch.setitem(registry.METHODS, "later", spec)
    excluded = Exclusion("kernelshap", "too slow here", games=("soum-12",))
    result = run_suite(suite(["later", "kernelshap"], exclusions=(excluded,)))
    by_method = {r.method: r for r in result.records}
    assert by_method["later"].reason == "not available: ImportError: no module named 'colleague'"
    assert by_method["kernelshap"].status == "n/a"
    assert by_method["kernelshap"].reason == "too slow here"
    # naming a method explicitly lifts the suite's exclusions
    named = run_suite(suite(["spex"], exclusions=(excluded,)), methods=["kernelshap"])
    assert [r.status for r in named.records] == ["ok"]


def test_ok_records_carry_every_metric_for_known_truth():
    (record,) = run_suite(suite(["spex"])).records
    assert record.status == "ok" and not record.over_budget
    for name in ("r2", "r2_index", "precision", "rel_error", "precision_moebius"):
        assert math.isfinite(getattr(record, name)), name
    assert record.total_s >= record.overhead_s >= 0.0


def test_underdetermined_regressions_get_a_note():
    fbii = get_method("faith-banzhaf-2")
    assert "underdetermined" in _underdetermined(fbii, 64, 1000)  # 2,081 unknowns
    assert _underdetermined(fbii, 64, 4000) == ""
    assert _underdetermined(fbii, 8, 10**6) == ""  # 2^8 coalitions >= 37 unknowns
    assert _underdetermined(get_method("spex"), 64, 10) == ""


def test_a_budget_below_the_method_minimum_is_n_a():
    # SPEX needs at least 224 queries at n=12
    (record,) = run_suite(suite(["spex"], entries=(Entry("soum-12", (100,)),))).records
    assert record.status == "n/a"
    assert record.reason.startswith("budget below the method's minimum: ValueError: budget=100")


def test_extra_entries_and_unavailable_games_are_n_a(monkeypatch):
    from shapiq_spex.bench import games

    def broken(seed):
        raise ImportError("the llm extra is not installed")

    spec = games.GameSpec("llm-x", "llm-x", "LLM", broken)
    monkeypatch.setitem(games.GAMES, "llm-x", spec)
    result = run_suite(suite(["spex"]), extra=(Entry("llm-x", (256,)),))
    assert [r.status for r in result.records] == ["ok", "n/a"]
    assert result.records[1].reason == (
        "game not available: ImportError: the llm extra is not installed"
    )


def test_an_exclusion_from_a_seed_on_keeps_the_earlier_seeds():
    only_first = Exclusion("banzhaf", "seed 0 only", except_budgets=(512,), from_seed=1)
    entries = (Entry("soum-12", (256, 512)),)
    result = run_suite(suite(["banzhaf"], entries=entries, exclusions=(only_first,)), seeds=2)
    status = {(r.budget, r.seed): (r.status, r.reason) for r in result.records}
    assert status == {
        (256, 0): ("ok", ""),
        (256, 1): ("n/a", "seed 0 only"),
        (512, 0): ("ok", ""),
        (512, 1): ("ok", ""),
    }


def test_settings_name_the_holdout_seed_reference_and_pairs():
    result = run_suite(
        suite(["spex", "banzhaf"], reference="banzhaf", head_to_head=(("spex", "banzhaf"),)),
        time_cap_s=7.0,
    )
    settings = result.settings
    assert settings["holdout"] == {"size": 1000, "seed": "987654 + n"}
    assert settings["reference"] == "banzhaf"
    assert settings["head_to_head"] == [["spex", "banzhaf"]]
    assert settings["time_cap_s"] == 7.0 and settings["memory_cap_gb"] == 3.0


@pytest.mark.parametrize("name", sorted(SUITES))
def test_every_suite_names_registered_games_and_methods(name):
    spec = SUITES[name]
    for entry in spec.entries:
        assert get_game(entry.game).key == entry.game
    for key in spec.methods:
        assert get_method(key).key == key
    assert {e.method for e in spec.exclusions} <= set(spec.methods)
    assert {m for pair in spec.head_to_head for m in pair} <= set(spec.methods)
    assert spec.reference in spec.methods


def test_removal_of_exact_values_reaches_the_best_change_of_an_additive_game(monkeypatch):
    from itertools import combinations

    import numpy as np

    from shapiq_spex.bench import games

    weights = np.array([0.5, -2.0, 1.5, 3.0, -0.5, 1.0, -1.0, 2.0])

    def build(seed):
        function = lambda masks: np.asarray(masks, dtype=float) @ weights  # noqa: E731
        truth = {(i,): float(w) for i, w in enumerate(weights)}
        return games.GameInstance(8, "additive", lambda: function, function, truth)

    monkeypatch.setitem(games.GAMES, "additive-8", games.GameSpec("additive-8", "add", "A", build))
    # KernelSHAP with every one of the 2^8 coalitions returns the exact Shapley values = weights
    entries = (Entry("additive-8", (256,)),)
    (record,) = run_suite(suite(["kernelshap"], entries=entries, removal_k=(1, 3, 5))).records
    assert record.status == "ok" and record.r2 == pytest.approx(1.0)
    for k in (1, 3, 5):
        best = max(sum(weights[list(group)]) for group in combinations(range(8), k))
        assert record.removal[str(k)] == pytest.approx(best)


def test_underdetermined_regressions_are_skipped_where_the_suite_says_so():
    entries = (Entry("soum-12", (64,)),)  # 79 unknowns up to order 2 at n=12
    skipped = run_suite(suite(["faith-banzhaf-2"], entries=entries, skip_underdetermined=True))
    (record,) = skipped.records
    assert record.status == "n/a" and "underdetermined" in record.reason
    (ran,) = run_suite(suite(["faith-banzhaf-2"], entries=entries)).records
    assert ran.status == "ok" and "underdetermined" in ran.note


def test_a_game_with_a_smaller_holdout_is_scored_on_it(monkeypatch):
    from shapiq_spex.bench import games

    spec = games.get_game("soum-12")
    monkeypatch.setitem(games.GAMES, "soum-12", games.GameSpec(**{**vars(spec), "holdout_size": 7}))
    seen = []
    monkeypatch.setattr(
        "shapiq_spex.bench.runner.holdout_masks",
        lambda n, m: seen.append((n, m)) or np.ones((m, n), bool),
    )
    result = run_suite(suite(["banzhaf"]))
    assert seen == [(12, 7)]
    assert result.settings["holdout_sizes"] == {"soum-12": 7}


def test_shapiq_s_insufficient_budget_counts_as_below_the_minimum():
    from shapiq_spex.bench.runner import _below_minimum

    assert _below_minimum(ValueError("Insufficient budget to compute the transform."))
    assert not _below_minimum(ValueError("decoder diverged"))
    assert not _below_minimum(RuntimeError("Insufficient budget"))

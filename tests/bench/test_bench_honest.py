"""Issue 21: reported faithfulness beside the true R², the saturated games, resumable runs."""

import numpy as np
import pytest

from shapiq_spex.bench import games
from shapiq_spex.bench import methods as registry
from shapiq_spex.bench.games import get_game
from shapiq_spex.bench.honest import honest_section
from shapiq_spex.bench.methods import MethodOutput, MethodSpec, self_report
from shapiq_spex.bench.metrics import moebius_predictor
from shapiq_spex.bench.real_games import GLOWING_REVIEW
from shapiq_spex.bench.runner import Record, run_suite
from shapiq_spex.bench.suites import (
    HONEST_BUDGETS,
    HONEST_HOLDOUT,
    HONEST_SEED,
    Entry,
    Suite,
    get_suite,
)


@pytest.mark.parametrize("size", [12, 20, 40])
def test_the_saturated_game_is_zero_when_empty_and_near_one_otherwise(size):
    instance = get_game(f"vader-saturated-{size}").build(0)
    assert instance.n == size
    ends = np.zeros((2, size), dtype=bool)
    ends[1] = True
    empty, full = instance.target(ends)
    assert empty == 0.0
    assert 0.99 < full <= 1.0
    # one sentence alone is already clearly positive: the score saturates as an OR
    singles = instance.target(np.eye(size, dtype=bool))
    assert np.all(singles > 0.3)


def test_the_glowing_review_has_40_distinct_sentences():
    from shapiq_spex.games import split_text

    assert len(GLOWING_REVIEW) == 40 == len(set(GLOWING_REVIEW))
    assert len(split_text(" ".join(GLOWING_REVIEW), "sentence")) == 40


class Reporting:
    faithfulness_ = 0.8
    faithfulness_method_ = "validation"
    faithfulness_se_ = 0.04
    budget_used_ = 300


def test_self_report_reads_the_score_and_which_warnings_fired():
    messages = [
        "ProxySPEX's explanation fits the game poorly: R² 0.31 (validation) on ...",
        "faithfulness_ 0.31 is uncertain: its standard error is 0.040 ...",
        "something else",
    ]
    report = self_report(Reporting(), messages)
    assert report == {
        "faithfulness": 0.8,
        "faithfulness_method": "validation",
        "faithfulness_se": 0.04,
        "warned_poor_fit": True,
        "warned_saturated": False,
        "warned_uncertain": True,
        "warned_anchor_cost": False,
        "budget_used": 300,
    }
    assert self_report(object(), [])["faithfulness"] is None


def constant_game(seed):
    function = lambda masks: np.asarray(masks, dtype=float) @ np.arange(1.0, 7.0)  # noqa: E731
    return games.GameInstance(6, "linear", lambda: function, function)


def honest_stub(score, warn):
    """A method that reports ``score`` and predicts the game's mean 10.5 (true R² about 0)."""

    def run(game, n, budget, seed):
        from shapiq import InteractionValues

        game(np.ones((budget, n), dtype=bool))
        values = InteractionValues(
            {(): 10.5}, index="Moebius", n_players=n, min_order=0, max_order=0, baseline_value=10.5
        )
        messages = ["X's explanation fits the game poorly: ..."] if warn else []

        class Fitted:
            faithfulness_ = score
            faithfulness_method_ = "holdout"
            budget_used_ = budget

        return MethodOutput(
            values, moebius_predictor(values), diagnostics=self_report(Fitted(), messages)
        )

    return run


def suite(methods, **kwargs):
    settings = {
        "name": "t",
        "description": "t",
        "entries": (Entry("linear-6", (40,)),),
        "methods": tuple(methods),
        "seeds": 1,
        "time_cap_s": 30.0,
        "memory_cap_gb": 3.0,
        "max_minutes": 5.0,
        "removal_k": (),
    }
    return Suite(**{**settings, **kwargs})


@pytest.fixture
def stubs(monkeypatch):
    spec = games.GameSpec("linear-6", "linear", "linear", constant_game, 6)
    monkeypatch.setitem(games.GAMES, "linear-6", spec)
    for key, score, warn in (("liar", 0.9, False), ("honest", -0.2, True)):
        method = MethodSpec(key, key, True, "Moebius", 0, honest_stub(score, warn))
        monkeypatch.setitem(registry.METHODS, key, method)


def test_records_carry_the_reported_score_beside_the_true_r2(stubs):
    result = run_suite(suite(["liar", "honest"], honest=True))
    by_method = {r.method: r for r in result.records}
    liar, honest = by_method["liar"], by_method["honest"]
    assert liar.faithfulness == 0.9 and liar.faithfulness_method == "holdout"
    assert liar.r2 == pytest.approx(0.0, abs=0.02) and liar.warned_poor_fit is False
    assert honest.warned_poor_fit is True
    text = "\n".join(honest_section(result.records, full=True))
    gap = 0.9 - liar.r2
    row = f"| liar | 0.900 | — | holdout | {liar.r2:.3f} | {gap:+.3g} | {gap:.3g} | no | no | no"
    row += " | no |"
    assert row in text
    # The rule: within 0.05 of the truth or a warning fired; the liar breaks it.
    assert "Within 0.05 of the true R² in 0 of 2 calls" in text
    assert "fired in 1 and none in 1: linear-6 40 liar." in text
    assert "optimistic by more than 0.1 in 1." in text  # the liar; the honest one is within
    assert "True R² below 0.5 in 2 calls, of which the poor-fit warning missed 1" in text
    # without the suite's honest flag only the summary is printed
    short = honest_section(result.records, full=False)
    assert len(short) == 6 and "| game |" not in "\n".join(short)


def test_baselines_record_no_self_report(stubs):
    (record,) = run_suite(suite(["banzhaf"])).records
    assert record.status == "ok"
    assert record.faithfulness is None and record.warned_poor_fit is None
    assert honest_section([record], full=True) == []


def test_a_suite_holdout_replaces_size_and_seed(stubs, monkeypatch):
    seen = []

    def masks(n, m, seed=None):
        seen.append((n, m, seed))
        return np.ones((m, n), dtype=bool)

    monkeypatch.setattr("shapiq_spex.bench.runner.holdout_masks", masks)
    result = run_suite(suite(["banzhaf"], holdout_size=17, holdout_seed=5))
    assert seen == [(6, 17, 11)]
    assert result.settings["holdout"] == {"size": 17, "seed": "5 + n"}


def test_the_honest_suite_covers_every_real_game_and_the_saturated_ones():
    honest, real = get_suite("honest"), get_suite("real")
    budgets = {e.game: e.budgets for e in honest.entries}
    assert {e.game for e in real.entries} | {
        "vader-saturated-12",
        "vader-saturated-20",
        "vader-saturated-40",
    } == set(budgets)
    for game, entry_budgets in budgets.items():
        expected = HONEST_BUDGETS[:-1] if game == "llm-rag" else HONEST_BUDGETS
        assert entry_budgets == expected, game
    assert (
        (honest.holdout_size, honest.holdout_seed)
        == (HONEST_HOLDOUT, HONEST_SEED)
        == (
            2000,
            HONEST_SEED,
        )
    )
    assert HONEST_SEED != 987_654 and honest.honest
    assert all(registry.get_method(m).ours for m in honest.methods)
    assert honest.excluded("proxyspex-vader", "vader-saturated-20", 300) is None
    assert honest.excluded("proxyspex-logit", "vader-saturated-20", 300) is not None


class Counting:
    def __init__(self):
        self.calls = 0

    def __call__(self, game, n, budget, seed):
        self.calls += 1
        return registry.get_method("banzhaf").run(game, n, budget, seed)


def test_a_resumed_run_takes_over_measured_calls_and_reruns_the_rest(stubs, monkeypatch):
    counter = Counting()
    monkeypatch.setitem(
        registry.METHODS, "counted", MethodSpec("counted", "counted", False, "BV", 1, counter)
    )
    two = suite(["counted"], entries=(Entry("linear-6", (40, 50)),))
    saved = []
    first = run_suite(two, checkpoint=lambda run: saved.append(len(run.records)))
    assert counter.calls == 3 and saved[-1] == 2  # warm-up + 2 calls; a final checkpoint
    # pretend the second call was cut by the time limit
    cut = first.records[1]
    cut.status, cut.reason, cut.r2 = "n/a", "suite time limit (5 min) reached", None
    resumed = run_suite(two, previous=first)
    assert counter.calls == 5  # warm-up again + the cut call only
    assert [r.status for r in resumed.records] == ["ok", "ok"]
    assert resumed.records[0] is first.records[0]
    assert resumed.settings["resumed"][0]["records_taken"] == 1
    # a resume of only some games keeps the other records of the earlier run
    only_40 = run_suite(suite(["counted"]), previous=resumed)
    assert counter.calls == 5
    assert [(r.budget, r.status) for r in only_40.records] == [(40, "ok"), (50, "ok")]


def test_resuming_from_another_suite_is_refused(stubs):
    first = run_suite(suite(["banzhaf"]))
    with pytest.raises(ValueError, match="cannot resume suite 'other'"):
        run_suite(suite(["banzhaf"], name="other"), previous=first)


def test_records_of_old_results_without_the_new_fields_still_load():
    from shapiq_spex.bench.runner import RunResult

    row = {
        "game": "g",
        "family": "g",
        "title": "g",
        "instance": "",
        "n": 3,
        "budget": 8,
        "seed": 0,
        "method": "m",
        "label": "m",
        "ours": True,
        "index": "FBII",
        "order": 2,
        "status": "ok",
    }
    result = RunResult.from_dict(
        {
            "suite": "s",
            "description": "d",
            "settings": {},
            "environment": {},
            "records": [row],
        }
    )
    assert isinstance(result.records[0], Record) and result.records[0].faithfulness is None


def test_the_r2_plot_names_the_run_s_number_of_held_out_masks(stubs, monkeypatch, tmp_path):
    from shapiq_spex.bench import plots

    titles = []
    monkeypatch.setattr(plots, "_by_budget_panels", lambda cells, games, path, title, *a, **k: (
        titles.append(title)
    ))  # fmt: skip
    result = run_suite(suite(["banzhaf"], holdout_size=2000))
    plots.plot_run(result, tmp_path, "t")
    assert titles and titles[0].startswith("Faithfulness: R² on 2000 held-out uniform masks")

"""The real suite's bundled instances and their game builders (small, fast parts only)."""

import numpy as np
import pytest

from shapiq_spex.bench.games import get_game
from shapiq_spex.bench.real_games import attribution_rows, real_texts
from shapiq_spex.bench.suites import get_suite
from shapiq_spex.games import split_text


@pytest.mark.parametrize(
    ("group", "low", "high"),
    [("40", 35, 45), ("120", 110, 130), ("400", 370, 430), ("llm", 40, 60)],
)
def test_reviews_have_the_advertised_lengths(group, low, high):
    reviews = [r for r in real_texts()["reviews"] if r["group"] == group]
    assert reviews
    for review in reviews:
        assert low <= len(split_text(review["text"], "word")) <= high, review["id"]


def test_the_retrieval_context_has_20_to_40_sentences_and_the_answer_in_one():
    (item,) = real_texts()["rag"]
    sentences = split_text(item["context"], "sentence")
    assert 20 <= len(sentences) <= 40
    answer = item["answer"].strip()
    assert sum(answer in s for s in sentences) == 1
    assert item["question"].endswith("?")


def test_attribution_rows_start_with_the_most_borderline():
    order = attribution_rows(np.array([0.9, 0.75, 0.1, 0.25, 0.5]))
    np.testing.assert_array_equal(order, [4, 1, 3, 0, 2])  # ties (0.25, 0.75) by row order


def test_data_attribution_explains_a_borderline_test_point():
    game = get_game("data-lr-200").build(0)
    assert game.n == 200
    explained = game.target  # the DataAttributionGame; value_function is not normalized
    probability = explained.value_function(np.ones((1, 200), dtype=bool))[0]
    assert abs(probability - 0.5) < 0.1
    assert "P(class 1) = " in game.label


def test_the_real_suite_runs_every_budget_of_the_issue_where_it_fits():
    suite = get_suite("real")
    budgets = {e.game: e.budgets for e in suite.entries}
    for game in ("vader-120", "vader-400", "mlp-digits", "data-lr-200", "data-knn-1000"):
        assert {1000, 4000} <= set(budgets[game])
    assert suite.lead_budget == 4000 and suite.removal_k == (1, 5, 10)
    # the anchors skip only the half-budget cells on the cheap games
    assert suite.excluded("proxyshap", "vader-400", 2000) is not None
    assert suite.excluded("proxyshap", "vader-400", 4000) is None
    assert suite.excluded("proxyspex", "vader-400", 2000) is None

"""MaskedTextGame: masking semantics, batching, VADER negation, LLM scorers in the game."""

from __future__ import annotations

import numpy as np
import pytest

from shapiq_spex.games.language import MaskedTextGame, VaderScorer, split_text


class RecordingScorer:
    """Scores a text by a fixed function of it and records every call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([len(t) + 0.5 * t.count("b") for t in texts], dtype=float)


# ---------------------------------------------------------------- splitting
def test_split_words_and_sentences() -> None:
    assert split_text("  The food  was\nnot good. ") == ["The", "food", "was", "not", "good."]
    text = 'It rained. Did we care?! No... "Never." Then sun'
    assert split_text(text, "sentence") == [
        "It rained.",
        "Did we care?!",
        "No...",
        '"Never."',
        "Then sun",
    ]
    with pytest.raises(ValueError, match="unit"):
        split_text("a b", "clause")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text"):
        split_text(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------- masking semantics
def test_all_ones_is_the_original_text_and_all_zeros_the_empty_text() -> None:
    text = "a  b\tc\nd"
    scorer = RecordingScorer()
    game = MaskedTextGame(text, scorer, normalize=False)
    assert game.units == ["a", "b", "c", "d"]
    assert game.masked_text(np.ones(4, bool)) == text
    assert game.masked_text(np.zeros(4, bool)) == ""
    assert game.masked_text(np.array([1, 0, 1, 0], bool)) == "a  c"
    assert game.masked_text(np.array([0, 1, 0, 1], bool)) == "b\td"
    values = game(np.array([[1, 1, 1, 1], [0, 0, 0, 0]], bool))
    np.testing.assert_array_equal(values, scorer([text, ""]))
    assert game.empty_value == scorer([""])[0] == 0.0


def test_surrounding_whitespace_is_kept() -> None:
    game = MaskedTextGame("  x y \n", RecordingScorer(), normalize=False)
    assert game.masked_text(np.ones(2, bool)) == "  x y \n"
    assert game.masked_text(np.array([1, 0], bool)) == "  x \n"
    assert game.masked_text(np.zeros(2, bool)) == "   \n"


def test_mask_token_replaces_units() -> None:
    game = MaskedTextGame("a b c", RecordingScorer(), mask_token="[MASK]", normalize=False)
    assert game.masked_text(np.array([1, 0, 1], bool)) == "a [MASK] c"
    assert game.masked_text(np.zeros(3, bool)) == "[MASK] [MASK] [MASK]"
    assert game.masked_text(np.ones(3, bool)) == "a b c"


def test_units_given_as_documents() -> None:
    docs = ["first doc.", "second doc.", "third doc."]
    game = MaskedTextGame(docs, RecordingScorer(), separator="\n\n", normalize=False)
    assert game.units == docs and game.n_players == 3
    assert game.masked_text(np.ones(3, bool)) == "first doc.\n\nsecond doc.\n\nthird doc."
    assert game.masked_text(np.array([1, 0, 1], bool)) == "first doc.\n\nthird doc."


def test_sentence_units() -> None:
    game = MaskedTextGame("One. Two! Three?", RecordingScorer(), unit="sentence", normalize=False)
    assert game.units == ["One.", "Two!", "Three?"]
    assert game.masked_text(np.array([0, 1, 1], bool)) == "Two! Three?"


def test_normalization_subtracts_the_empty_value() -> None:
    game = MaskedTextGame("ab bb", RecordingScorer())
    assert game(np.zeros((1, 2), bool))[0] == 0.0
    assert game(np.ones((1, 2), bool))[0] == RecordingScorer()(["ab bb"])[0] - game.empty_value


# ---------------------------------------------------------------- batching
def test_one_scorer_call_per_batch_and_batched_equals_one_by_one() -> None:
    rng = np.random.default_rng(1)
    coalitions = rng.random((40, 6)) < 0.5
    coalitions[5] = coalitions[3]  # a duplicate is scored once
    scorer = RecordingScorer()
    game = MaskedTextGame("a b c d b a", scorer, normalize=False)
    scorer.calls.clear()
    values = game(coalitions)
    assert len(scorer.calls) == 1
    assert len(scorer.calls[0]) == len(np.unique(coalitions, axis=0))
    one_by_one = np.array([game(c[None])[0] for c in coalitions])
    np.testing.assert_array_equal(values, one_by_one)

    batched = MaskedTextGame("a b c d b a", scorer, batch_size=7, normalize=False)
    scorer.calls.clear()
    np.testing.assert_array_equal(batched(coalitions), values)
    assert [len(c) for c in scorer.calls][:-1] == [7] * (len(scorer.calls) - 1)


def test_deterministic() -> None:
    pytest.importorskip("vaderSentiment", reason="the text extra (vaderSentiment) is absent")
    game = MaskedTextGame("The food was not good.", VaderScorer())
    coalitions = np.random.default_rng(0).random((16, 5)) < 0.5
    np.testing.assert_array_equal(game(coalitions), game(coalitions))


# ---------------------------------------------------------------- validation
def test_argument_errors() -> None:
    with pytest.raises(TypeError, match="scorer"):
        MaskedTextGame("a b", "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unit"):
        MaskedTextGame("a b", RecordingScorer(), unit="letter")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no unit"):
        MaskedTextGame("   ", RecordingScorer())
    with pytest.raises(TypeError, match="text"):
        MaskedTextGame(42, RecordingScorer())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        MaskedTextGame("a", RecordingScorer(), batch_size=0)
    with pytest.raises(TypeError, match="mask_token"):
        MaskedTextGame("a", RecordingScorer(), mask_token=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scorer"):
        MaskedTextGame("a b", lambda texts: np.zeros(len(texts) + 1))
    with pytest.raises(ValueError, match="scorer"):
        MaskedTextGame("a b", lambda texts: np.full(len(texts), np.nan))
    game = MaskedTextGame("a b", RecordingScorer())
    with pytest.raises(ValueError, match="coalition"):
        game.masked_text(np.ones(3, bool))


# ---------------------------------------------------------------- VADER
def test_vader_negation() -> None:
    pytest.importorskip("vaderSentiment", reason="the text extra (vaderSentiment) is absent")
    vader = VaderScorer()
    good, not_good = vader(["The food was good.", "The food was not good."])
    assert not_good < good
    assert vader([""])[0] == 0.0
    game = MaskedTextGame("The food was not good.", vader, normalize=False)
    full = np.ones(5, bool)
    without_not = full.copy()
    without_not[game.units.index("not")] = False
    assert game(without_not[None])[0] > game(full[None])[0]
    # a real interaction: "not" flips the sign of "good.", so effects are not additive
    without_good = full.copy()
    without_good[game.units.index("good.")] = False
    neither = without_not & without_good
    v = game(np.stack([full, without_not, without_good, neither]))
    assert abs((v[0] - v[1]) - (v[2] - v[3])) > 0.3


def test_vader_rejects_a_single_string() -> None:
    pytest.importorskip("vaderSentiment", reason="the text extra (vaderSentiment) is absent")
    with pytest.raises(TypeError, match="texts"):
        VaderScorer()("good")


# ---------------------------------------------------------------- LLM scorers in the game


def test_llm_scorers_are_importable_from_the_games_module(lm) -> None:
    from shapiq_spex.engines.numpy import LLMAnswerScorer, LLMSentimentScorer
    from shapiq_spex.games import language

    assert language.LLMSentimentScorer is LLMSentimentScorer
    assert language.LLMAnswerScorer is LLMAnswerScorer
    with pytest.raises(AttributeError):
        _ = language.NoSuchScorer  # type: ignore[attr-defined]


def test_llm_sentiment_game(lm) -> None:
    from shapiq_spex.engines.numpy import LLMSentimentScorer

    scorer = LLMSentimentScorer(lm)
    text = "The acting was superb but the plot was not good."
    game = MaskedTextGame(text, scorer, normalize=False)
    n = game.n_players
    rng = np.random.default_rng(2)
    coalitions = np.vstack([np.ones(n, bool), np.zeros(n, bool), rng.random((6, n)) < 0.6])
    values = game(coalitions)
    assert abs(values[0] - scorer([text])[0]) < 1e-4
    assert abs(values[1] - scorer([""])[0]) < 1e-4
    assert abs(values[1] - game.empty_value) < 1e-4
    one_by_one = np.array([game(c[None])[0] for c in coalitions[2:5]])
    np.testing.assert_allclose(values[2:5], one_by_one, atol=1e-4)
    np.testing.assert_array_equal(game(coalitions), values)  # deterministic


def test_llm_answer_game_over_documents(lm) -> None:
    from shapiq_spex.engines.numpy import LLMAnswerScorer

    docs = [
        "Bananas are yellow and rich in potassium.",
        "The secret code of the vault is 4721.",
        "Mount Everest is the highest mountain on Earth.",
    ]
    scorer = LLMAnswerScorer("What is the secret code of the vault?", "4721", lm)
    game = MaskedTextGame(docs, scorer, normalize=False)
    values = game(np.array([[1, 1, 1], [1, 0, 1], [0, 1, 0]], bool))
    assert values[0] > values[1] + 3.0  # removing the document with the answer hurts
    assert values[2] > values[1] + 3.0

"""HeadAblationGame: all heads kept = the unablated model, ablations change the value."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

from shapiq_spex.engines.numpy import LanguageModel
from shapiq_spex.games.heads import CAPITALS_TASK, HeadAblationGame

TASK = CAPITALS_TASK[:3]


@pytest.fixture(scope="module")
def game(lm: LanguageModel) -> HeadAblationGame:
    return HeadAblationGame(lm, TASK, normalize=False, batch_size=4)


def _direct(lm: LanguageModel, head_mask: np.ndarray | None = None) -> float:
    prompts, answers = zip(*TASK, strict=True)
    return float(
        np.mean(lm.continuation_logprobs(list(prompts), list(answers), head_mask=head_mask))
    )


def test_players_are_all_heads(lm: LanguageModel, game: HeadAblationGame) -> None:
    assert game.n_players == lm.n_layers * lm.n_heads == 270
    assert game.player_head(0) == (0, 0)
    assert game.player_head(10) == (1, 1)
    assert game.player_head(269) == (29, 8)
    with pytest.raises(ValueError, match="player"):
        game.player_head(270)


def test_all_heads_kept_equals_the_unablated_model(
    lm: LanguageModel, game: HeadAblationGame
) -> None:
    value = game(np.ones((1, game.n_players), bool))[0]
    assert abs(value - _direct(lm)) < 1e-4
    # and the model gets the answers right: mean log-prob well above chance (log 1/49152 ≈ -10.8)
    assert value > -3.0


def test_zeroing_a_layer_changes_the_value(lm: LanguageModel, game: HeadAblationGame) -> None:
    full = game(np.ones((1, 270), bool))[0]
    coalition = np.ones(270, bool)
    coalition[:9] = False  # every head of layer 0
    ablated = game(coalition[None])[0]
    assert abs(ablated - full) > 1e-2
    mask = coalition.reshape(30, 9).astype(float)
    assert abs(ablated - _direct(lm, mask)) < 1e-4


def test_batched_coalitions_equal_one_by_one(lm: LanguageModel, game: HeadAblationGame) -> None:
    rng = np.random.default_rng(0)
    coalitions = rng.random((6, 270)) < 0.8
    coalitions[4] = coalitions[1]
    values = game(coalitions)
    assert values[4] == values[1]
    for c, v in zip(coalitions[:3], values[:3], strict=True):
        assert abs(v - game(c[None])[0]) < 1e-4
    assert abs(values[0] - _direct(lm, coalitions[0].reshape(30, 9).astype(float))) < 1e-4
    np.testing.assert_array_equal(game(coalitions), values)  # deterministic


def test_reduction_and_normalization(lm: LanguageModel, game: HeadAblationGame) -> None:
    summed = HeadAblationGame(lm, TASK, reduction="sum", normalize=False)
    full = np.ones((1, 270), bool)
    assert abs(summed(full)[0] - len(TASK) * game(full)[0]) < 1e-3
    normalized = HeadAblationGame(lm, TASK[:1])
    assert normalized(np.zeros((1, 270), bool))[0] == 0.0
    assert normalized.empty_value < normalized(full)[0] + normalized.empty_value


def test_prompts_without_a_shared_prefix(lm: LanguageModel) -> None:
    task = [("Paris is the capital of", " France"), ("Two plus two equals", " four")]
    game = HeadAblationGame(lm, task, normalize=False)
    assert game._cached == 0
    prompts, answers = zip(*task, strict=True)
    expected = np.mean(lm.continuation_logprobs(list(prompts), list(answers)))
    assert abs(game(np.ones((1, 270), bool))[0] - expected) < 1e-4


def test_argument_errors(lm: LanguageModel) -> None:
    with pytest.raises(TypeError, match="lm"):
        HeadAblationGame("model")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task"):
        HeadAblationGame(lm, [])
    with pytest.raises(ValueError, match="task"):  # a pair of the wrong length
        HeadAblationGame(lm, [("prompt",)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="task"):
        HeadAblationGame(lm, [("prompt", 1)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="reduction"):
        HeadAblationGame(lm, TASK, reduction="max")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        HeadAblationGame(lm, TASK, batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        HeadAblationGame(lm, [("The capital of France is", "")])


def test_layer_subset_players_map_onto_the_full_head_mask(
    lm: LanguageModel, game: HeadAblationGame
) -> None:
    sub = HeadAblationGame(lm, TASK, normalize=False, batch_size=4, layers=[29, 3])
    assert sub.n_players == 2 * lm.n_heads and sub.layers == [3, 29]
    assert sub.player_head(0) == (3, 0) and sub.player_head(lm.n_heads + 2) == (29, 2)
    coalitions = np.random.default_rng(3).integers(0, 2, (3, sub.n_players)).astype(bool)
    full = np.ones((3, lm.n_layers, lm.n_heads), dtype=bool)
    full[:, 3] = coalitions[:, : lm.n_heads]
    full[:, 29] = coalitions[:, lm.n_heads :]
    expected = game(full.reshape(3, -1))
    np.testing.assert_allclose(sub(coalitions), expected, rtol=1e-6, atol=1e-6)
    assert sub(np.ones((1, sub.n_players), dtype=bool))[0] == pytest.approx(_direct(lm), abs=1e-5)
    with pytest.raises(ValueError, match="layers"):
        HeadAblationGame(lm, TASK, layers=[0, 0])
    with pytest.raises(ValueError, match="layers"):
        HeadAblationGame(lm, TASK, layers=[lm.n_layers])


def test_top1_accuracy_is_the_ablated_models_argmax(
    lm: LanguageModel, game: HeadAblationGame
) -> None:
    prompts = [prompt for prompt, _ in TASK]
    firsts = np.array([lm.encode(answer)[0] for _, answer in TASK])
    assert game.top1_accuracy(np.ones(270, bool)) == 1.0  # the model knows these capitals
    coalition = np.random.default_rng(2).random(270) < 0.5
    log_probs = lm.next_token_logprobs(prompts, head_mask=coalition.reshape(30, 9))
    assert game.top1_accuracy(coalition) == np.mean(log_probs.argmax(axis=1) == firsts)
    with pytest.raises(ValueError, match="coalition"):
        game.top1_accuracy(np.ones(269, bool))

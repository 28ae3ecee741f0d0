"""Blockwise context encoding: the identities it must satisfy, against the full model."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

from shapiq_spex.engines.numpy import LanguageModel, LLMAnswerScorer, LLMSentimentScorer
from shapiq_spex.engines.numpy.blockwise import BlockwiseContext
from shapiq_spex.engines.numpy.model import KVCache
from shapiq_spex.games.language import MaskedTextGame

TEXT = "The food was cold. The waiter was rude!\n\nBut the dessert was wonderful. I'd come back."
ATOL = 2e-4  # float32 rounding of two different summation orders, in log-odds


@pytest.fixture(scope="module")
def scorers(lm: LanguageModel) -> tuple[LLMSentimentScorer, LLMSentimentScorer]:
    full = LLMSentimentScorer(lm, batch_size=4)
    return full, LLMSentimentScorer(lm, batch_size=4, context="blockwise")


@pytest.fixture(scope="module")
def game() -> MaskedTextGame:
    return MaskedTextGame(TEXT, lambda texts: np.zeros(len(texts)), unit="sentence")


def _masks(game: MaskedTextGame, rows: list[list[int]]) -> list[str]:
    masks = np.zeros((len(rows), game.n_players), dtype=bool)
    for r, kept in enumerate(rows):
        masks[r, kept] = True
    return [game.masked_text(m) for m in masks]


def test_one_kept_unit_is_the_full_model(scorers, game) -> None:
    # the only block sees the prefix and itself, exactly as in the full forward pass
    full, blockwise = scorers
    texts = _masks(game, [[i] for i in range(game.n_players)])
    np.testing.assert_allclose(blockwise(texts), full(texts), atol=ATOL)


def test_no_kept_unit_is_the_full_model_on_the_empty_document(scorers, game) -> None:
    full, blockwise = scorers
    empty = _masks(game, [[]])
    np.testing.assert_allclose(blockwise(empty), full([""]), atol=ATOL)


def test_a_plain_text_is_one_block_and_the_full_model(scorers) -> None:
    full, blockwise = scorers
    texts = [TEXT, "Great.", ""]
    np.testing.assert_allclose(blockwise(texts), full(texts), atol=ATOL)


def test_several_blocks_differ_from_full_attention(scorers, game) -> None:
    # a later block does not see the earlier ones: an approximation, not the full model
    full, blockwise = scorers
    texts = _masks(game, [list(range(game.n_players))])
    assert abs(blockwise(texts)[0] - full(texts)[0]) > 1e-3


def _run_from(lm: LanguageModel, ids: list[int], position: int) -> KVCache:
    """Keys/values of ``ids`` run alone from rotary position ``position``."""
    cfg = lm.model.config
    empty = np.zeros((1, cfg.n_kv_heads, 0, cfg.head_dim), dtype=np.float32)
    start = KVCache(
        [empty] * cfg.n_layers, [empty] * cfg.n_layers, np.zeros((1, 0), bool), [position]
    )
    return lm.model.forward(np.array([ids]), cache=start, return_cache=True).cache


def test_shift_keys_equals_encoding_at_the_shifted_position(lm: LanguageModel) -> None:
    # attention with rotary embeddings only sees relative positions, so the same tokens run
    # from position d have the same hidden states and keys rotated by d more: R(p+d) = R(d)R(p)
    ids = lm.encode("Review: a quiet, bright and sturdy bike.")
    shift = 37
    at_zero, shifted = _run_from(lm, ids, 0), _run_from(lm, ids, shift)
    offsets = np.full((1, len(ids)), shift)
    for layer in range(lm.model.config.n_layers):
        moved = lm.model.shift_keys(at_zero.keys[layer], offsets)
        np.testing.assert_allclose(moved, shifted.keys[layer], atol=2e-3, rtol=1e-3)
        np.testing.assert_allclose(at_zero.values[layer], shifted.values[layer], atol=2e-3)


def test_assembly_equals_blocks_encoded_at_their_own_positions(lm: LanguageModel) -> None:
    # independent construction with the forward pass alone (no re-rotation code): block B,
    # encoded after the prefix, sits n_a tokens further in the text; by translation
    # invariance its keys there are those of prefix + B run n_a positions later
    prefix, blocks, suffix = "Review:", [" Cold food.", " Lovely cake!"], "\nSentiment:"
    p_ids, a_ids, b_ids = (lm.encode(t) for t in (prefix, *blocks))
    n_p, n_a, n_b = len(p_ids), len(a_ids), len(b_ids)
    a = _run_from(lm, p_ids + a_ids, 0)
    b = _run_from(lm, p_ids + b_ids, n_a)

    def cat(xs, ys):
        return [np.concatenate([x, y[:, :, n_p:]], axis=2) for x, y in zip(xs, ys, strict=True)]

    joined = KVCache(
        keys=cat(a.keys, b.keys),
        values=cat(a.values, b.values),
        key_mask=np.ones((1, n_p + n_a + n_b), dtype=bool),
        next_position=np.array([n_p + n_a + n_b]),
    )
    hidden = lm.model.forward(np.array([lm.encode(suffix)]), cache=joined).hidden
    expected = lm.model.log_probs(hidden[:, -1])[0]
    got = BlockwiseContext(lm, prefix).next_token_logprobs([blocks], [suffix])[0]
    np.testing.assert_allclose(got, expected, atol=ATOL)


def test_batched_equals_one_by_one_and_is_deterministic(lm: LanguageModel, game) -> None:
    texts = _masks(game, [[0, 2], [1, 2, 3], [3], [], [0, 1, 2, 3]])
    scorer = LLMSentimentScorer(lm, batch_size=3, context="blockwise")
    batched = scorer(texts)
    single = np.array([scorer([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=ATOL)
    again = LLMSentimentScorer(lm, batch_size=3, context="blockwise")(texts)
    assert np.array_equal(again, batched)


def test_blocks_tokenize_like_the_whole_masked_text(lm: LanguageModel, scorers, game) -> None:
    _, blockwise = scorers
    rng = np.random.default_rng(0)
    texts = [game.masked_text(m) for m in rng.random((12, game.n_players)) < 0.5]
    blocks, suffixes = blockwise._blocks(texts)
    for text, row, suffix in zip(texts, blocks, suffixes, strict=True):
        whole = lm.encode(blockwise.prompt(text)[len(blockwise.head) :])
        assert blockwise.blockwise.block_ids(row) + lm.encode(suffix) == whole


def test_continuation_scores_one_kept_unit_like_the_full_model(lm: LanguageModel, game) -> None:
    texts = _masks(game, [[1], []])
    for make in (
        lambda c: LLMSentimentScorer(lm, labels=(" very positive", " very negative"), context=c),
        lambda c: LLMAnswerScorer("Was the waiter polite?", " No", lm, context=c),
    ):
        np.testing.assert_allclose(make("blockwise")(texts), make("full")(texts), atol=ATOL)


def test_arguments_are_validated(lm: LanguageModel) -> None:
    with pytest.raises(TypeError, match="context"):
        LLMSentimentScorer(lm, context=1)
    with pytest.raises(ValueError, match="context"):
        LLMSentimentScorer(lm, context="fast")
    with pytest.raises(ValueError, match="after '\\{text\\}'"):
        LLMSentimentScorer(lm, template="Review: {text}", context="blockwise")
    with pytest.raises(TypeError, match="lm"):
        BlockwiseContext("model", "Review:")
    with pytest.raises(ValueError, match="prefix"):
        BlockwiseContext(lm, "")
    ctx = BlockwiseContext(lm, "Review:")
    with pytest.raises(TypeError, match="blocks"):
        ctx.next_token_logprobs(" Good.", ["\nSentiment:"])
    with pytest.raises(TypeError, match="blocks"):
        ctx.next_token_logprobs([" Good."], ["\nSentiment:"])
    with pytest.raises(ValueError, match="suffix"):
        ctx.next_token_logprobs([[" Good."]], [""])
    with pytest.raises(ValueError, match="differ"):
        ctx.next_token_logprobs([[" Good."], []], ["\nSentiment:"])
    with pytest.raises(ValueError, match="continuation"):
        ctx.continuation_logprobs([[" Good."]], ["\nSentiment:"], [""])
    with pytest.raises(ValueError, match="shift"):
        lm.model.shift_keys(np.zeros((1, 3, 4, 64), np.float32), np.full((1, 4), -1))

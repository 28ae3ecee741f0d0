"""Masked texts carry their pieces (SegmentedText) for segment-aware scorers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from shapiq_spex.engines.segments import SegmentedText
from shapiq_spex.games.language import MaskedTextGame

TEXT = (
    "  The food was cold. The waiter was rude!\n\nBut the dessert was wonderful. I'd come back.\n"
)


def _game(**kwargs) -> MaskedTextGame:
    return MaskedTextGame(TEXT, lambda t: np.zeros(len(t)), unit="sentence", **kwargs)


@pytest.mark.parametrize("mask_token", [None, "..."])
def test_pieces_are_units_with_the_whitespace_before_them(mask_token) -> None:
    game = _game(mask_token=mask_token)
    rng = np.random.default_rng(0)
    for mask in rng.random((20, game.n_players)) < 0.5:
        text = game.masked_text(mask)
        assert "".join(text.segments) + text.end == text
        shown = [u if k else mask_token for u, k in zip(game.units, mask, strict=True)]
        shown = [u for u in shown if u is not None]
        assert [piece.strip() for piece in text.segments] == shown
        # the first piece starts with the text's leading whitespace, the end is the trailing
        if text.segments:
            assert text.segments[0].startswith("  ") and text.end == "\n"


def test_removal_pieces_take_the_separator_of_the_previous_kept_unit() -> None:
    game = _game()
    text = game.masked_text(np.array([False, True, False, True]))
    assert text.segments == ("  The waiter was rude!", "\n\nI'd come back.")
    assert text == "  The waiter was rude!\n\nI'd come back.\n"
    empty = game.masked_text(np.zeros(4, dtype=bool))
    assert empty.segments == () and empty == empty.end == "  \n"


def test_segmented_text_is_a_str_that_pickles_with_its_pieces() -> None:
    text = SegmentedText(["Good.", " Bad."], "\n")
    assert isinstance(text, str) and text == "Good. Bad.\n"
    copy = pickle.loads(pickle.dumps(text))
    assert copy == text and copy.segments == text.segments and copy.end == "\n"
    with pytest.raises(TypeError, match="segments"):
        SegmentedText("Good.")
    with pytest.raises(TypeError, match="segments"):
        SegmentedText(["Good.", 3])
    with pytest.raises(TypeError, match="end"):
        SegmentedText(["Good."], None)

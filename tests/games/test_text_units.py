"""Long documents: paragraph and chunk units, text from a file or a stream."""

from __future__ import annotations

import io

import numpy as np
import pytest

from shapiq_spex.games.language import UNITS, MaskedTextGame, read_text, split_text

PARAGRAPHS = ["First one.\nStill the first.", "Second!", "Third, with  spaces."]
DOCUMENT = "\n" + "\n\n".join(PARAGRAPHS[:2]) + "\n \t\n\n" + PARAGRAPHS[2] + "\n"


class LengthScorer:
    def __call__(self, texts):
        return np.array([float(len(t)) for t in texts])


def test_paragraphs_are_blocks_between_blank_lines() -> None:
    assert split_text(DOCUMENT, "paragraph") == PARAGRAPHS
    assert split_text("one line\nanother line", "paragraph") == ["one line\nanother line"]
    assert split_text("  \n\n  ", "paragraph") == []


@pytest.mark.parametrize("size", [1, 3, 4, 50])
def test_chunks_group_consecutive_words(size: int) -> None:
    words = [f"w{i}" for i in range(10)]
    text = "  " + "  ".join(words) + " "
    chunks = split_text(text, "chunk", chunk_size=size)
    assert chunks == ["  ".join(words[i : i + size]) for i in range(0, 10, size)]


def test_unit_and_chunk_size_are_checked() -> None:
    assert UNITS == ("word", "sentence", "paragraph", "chunk")
    with pytest.raises(ValueError, match="needs chunk_size"):
        split_text("a b", "chunk")
    with pytest.raises(ValueError, match="chunk_size applies to unit='chunk' only"):
        split_text("a b", "word", chunk_size=2)
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        split_text("a b", "chunk", chunk_size=0)
    with pytest.raises(TypeError, match="chunk_size must be an integer"):
        MaskedTextGame("a b", LengthScorer(), unit="chunk", chunk_size=2.5)
    with pytest.raises(ValueError, match="unit must be one of"):
        MaskedTextGame("a b", LengthScorer(), unit="page")


def test_paragraph_game_keeps_the_text_between_paragraphs() -> None:
    game = MaskedTextGame(DOCUMENT, LengthScorer(), unit="paragraph", normalize=False)
    assert game.units == PARAGRAPHS
    assert game.masked_text(np.ones(3, bool)) == DOCUMENT
    assert game.masked_text(np.array([1, 0, 1], bool)) == "\n" + PARAGRAPHS[0] + "\n\n" + (
        PARAGRAPHS[2] + "\n"
    )
    values = game(np.array([[1, 1, 1], [0, 1, 0]], bool))
    np.testing.assert_array_equal(values, [len(DOCUMENT), len("\n" + PARAGRAPHS[1] + "\n")])


def test_chunk_game_scores_the_original_text_when_all_are_kept() -> None:
    text = " ".join(f"word{i}" for i in range(23))
    game = MaskedTextGame(text, LengthScorer(), unit="chunk", chunk_size=5, normalize=False)
    assert game.n_players == 5
    assert game.masked_text(np.ones(5, bool)) == text
    assert game.masked_text(np.array([0, 0, 0, 0, 1], bool)) == "word20 word21 word22"


def test_from_file_drops_the_byte_order_mark(tmp_path) -> None:
    path = tmp_path / "doc.txt"
    path.write_text("\ufeff" + DOCUMENT, encoding="utf-8")
    game = MaskedTextGame.from_file(path, LengthScorer(), unit="paragraph")
    assert game.units == PARAGRAPHS and game.text == DOCUMENT
    assert read_text(str(path)) == DOCUMENT


def test_from_a_stream() -> None:
    game = MaskedTextGame.from_file(io.StringIO("\ufeffgood food"), LengthScorer())
    assert game.units == ["good", "food"]


def test_bad_sources() -> None:
    with pytest.raises(TypeError, match="path or a text stream"):
        read_text(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text stream"):
        read_text(io.BytesIO(b"abc"))  # type: ignore[arg-type]


class _Stdin(io.TextIOWrapper):
    name = "<stdin>"  # as sys.stdin's


@pytest.mark.parametrize("errors", ["surrogateescape", "strict"])
def test_a_stream_of_bytes_that_are_not_utf8_is_named_not_utf8(errors) -> None:
    # sys.stdin decodes with errors="surrogateescape": bytes that are not UTF-8 came out as
    # "'utf-8' codec can't encode ...: surrogates not allowed" when the text was scored.
    stdin = io.TextIOWrapper(io.BytesIO(b"good \xff\xfe movie"), encoding="utf-8", errors=errors)
    with pytest.raises(ValueError, match=r"the stream is not (UTF-8|utf-8) text"):
        read_text(stdin)
    stdin = _Stdin(io.BytesIO(b"good \xff movie"), encoding="utf-8", errors=errors)
    with pytest.raises(ValueError, match=r"standard input is not (UTF-8|utf-8) text"):
        read_text(stdin)


def test_bad_encoding_names_the_file(tmp_path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("café".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.txt is not utf-8-sig text"):
        MaskedTextGame.from_file(path, LengthScorer())
    game = MaskedTextGame.from_file(path, LengthScorer(), encoding="latin-1")
    assert game.units == ["café"]

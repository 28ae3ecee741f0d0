"""Tokenizer rebuilt from the GGUF vocabulary: round trips and known token ids."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

from shapiq_spex.engines.numpy import default_model_path, load_language_model
from shapiq_spex.engines.numpy.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    try:
        default_model_path()
    except ImportError as error:
        pytest.skip(str(error))
    return load_language_model(blas_threads=1).tokenizer


@pytest.mark.parametrize(
    "text",
    [
        "The capital of France is Paris.",
        "  leading and trailing  ",
        "tabs\tand\nnew\n\nlines\r\n",
        "numbers 1234567 and 3.14159, dates 2024-05-01",
        "don't won't I'm we'll they've",
        "héllo wörld — ünïcödé ✓ 😀 中文 日本語",
        "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
        "",
    ],
)
def test_round_trip(tok: Tokenizer, text: str) -> None:
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert all(0 <= i < tok.vocab_size for i in ids)


def _byte_alphabet() -> dict[int, str]:
    """GPT-2's byte -> printable character map (the alphabet of byte-level BPE vocabularies)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    table = {b: chr(b) for b in printable}
    extra = (b for b in range(256) if b not in table)
    for n, b in enumerate(extra):
        table[b] = chr(256 + n)
    return table


def _missing_bytes(tok: Tokenizer) -> set[int]:
    return {b for b, c in _byte_alphabet().items() if tok.token_to_id(c) is None}


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_round_trip_any_text(tok: Tokenizer, text: str) -> None:
    # exact for every text whose bytes all have a byte token in the vocabulary
    assume(not set(text.encode("utf-8")) & _missing_bytes(tok))
    assert tok.decode(tok.encode(text)) == text


def test_bytes_without_a_token_are_dropped(tok: Tokenizer) -> None:
    # SmolLM2's vocabulary lacks a few byte tokens (e.g. 0x16, and 0xC0/0xC1, never in UTF-8);
    # like llama.cpp and the Hugging Face tokenizer, such bytes are skipped
    missing = _missing_bytes(tok)
    assert 0x16 in missing and {0xC0, 0xC1} <= missing
    assert tok.encode("\x16") == []
    assert tok.decode(tok.encode("a\x16b")) == "ab"


def test_special_tokens_map_to_their_ids(tok: Tokenizer) -> None:
    spec = tok.spec
    for name in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        index = spec.tokens.index(name)
        assert spec.token_types[index] == 3  # llama.cpp CONTROL
        assert tok.encode(name) == [index]
        assert tok.encode(f"a{name}b")[1] == index
    assert tok.encode("<|im_start|>") == [1]
    assert tok.encode("<|im_end|>") == [2]
    ids = tok.encode("<|im_start|>user\nHi<|im_end|>")
    assert ids[0] == 1 and ids[-1] == 2
    assert tok.decode(ids, skip_special=True) == "user\nHi"


def test_byte_level_pieces(tok: Tokenizer) -> None:
    # GPT-2 byte alphabet: a space is "Ġ", a newline "Ċ"; words carry their leading space
    assert [tok.id_to_token(i) for i in tok.encode(" Paris")] == ["ĠParis"]
    assert [tok.id_to_token(i) for i in tok.encode("\n")] == ["Ċ"]
    pieces = [tok.id_to_token(i) for i in tok.encode("The capital of France is")]
    assert pieces == ["The", "Ġcapital", "Ġof", "ĠFrance", "Ġis"]
    # smollm pre-tokenizer (llama.cpp): every digit is its own piece
    assert [tok.id_to_token(i) for i in tok.encode("2024")] == ["2", "0", "2", "4"]
    # no BOS token is added (tokenizer.ggml.add_bos_token is false)
    assert tok.encode("Hi")[0] != tok.bos_id


def test_batch_encoding_equals_single(tok: Tokenizer) -> None:
    texts = ["one", " two three", "<|im_end|>four", ""]
    assert tok.encode_batch(texts) == [tok.encode(t) for t in texts]


def test_type_errors(tok: Tokenizer) -> None:
    with pytest.raises(TypeError, match="text"):
        tok.encode(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="texts"):
        tok.encode_batch(["a", None])  # type: ignore[list-item]

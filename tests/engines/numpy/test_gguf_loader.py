"""GGUF reading: dequantization against the ggml block layouts, metadata of SmolLM2-135M."""

from __future__ import annotations

import numpy as np
import pytest

gguf = pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

from shapiq_spex.engines.numpy._deps import default_model_path  # noqa: E402
from shapiq_spex.engines.numpy.gguf_loader import dequantize  # noqa: E402


def _f16_bytes(value: float) -> bytes:
    return np.array([value], dtype=np.float16).tobytes()


def _packed_nibbles(values: np.ndarray) -> bytes:
    # ggml: byte j holds value j in its low nibble and value j + 16 in its high nibble
    values = values.astype(np.uint8)
    return (values[:16] | (values[16:] << 4)).astype(np.uint8).tobytes()


@pytest.fixture(scope="module")
def quants() -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(0, 16, size=(3, 32))


@pytest.mark.parametrize("use_gguf", [False, True])
def test_q4_1_block_layout(quants: np.ndarray, use_gguf: bool) -> None:
    scales, mins = [0.5, -0.25, 2.0], [-1.0, 0.75, 0.0]
    raw = b"".join(
        _f16_bytes(d) + _f16_bytes(m) + _packed_nibbles(q)
        for d, m, q in zip(scales, mins, quants, strict=True)
    )
    data = np.frombuffer(raw, dtype=np.uint8).reshape(1, -1)
    out = dequantize(data, "Q4_1", (1, 96), use_gguf=use_gguf)
    expected = (np.array(scales)[:, None] * quants + np.array(mins)[:, None]).reshape(1, 96)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected.astype(np.float32))


@pytest.mark.parametrize("use_gguf", [False, True])
def test_q4_0_block_layout(quants: np.ndarray, use_gguf: bool) -> None:
    raw = b"".join(_f16_bytes(0.5) + _packed_nibbles(q) for q in quants)
    data = np.frombuffer(raw, dtype=np.uint8).reshape(3, -1)
    out = dequantize(data, "Q4_0", (3, 32), use_gguf=use_gguf)
    np.testing.assert_array_equal(out, (0.5 * (quants - 8)).astype(np.float32))


@pytest.mark.parametrize("use_gguf", [False, True])
def test_q8_0_block_layout(use_gguf: bool) -> None:
    q = np.arange(-16, 48, dtype=np.int8).reshape(2, 32)
    raw = b"".join(_f16_bytes(d) + row.tobytes() for d, row in zip([0.125, -3.0], q, strict=True))
    data = np.frombuffer(raw, dtype=np.uint8).reshape(2, -1)
    out = dequantize(data, "Q8_0", (2, 32), use_gguf=use_gguf)
    np.testing.assert_array_equal(out, (np.array([[0.125], [-3.0]]) * q).astype(np.float32))


def test_float_types() -> None:
    values = np.array([[1.5, -2.0], [0.0, 3.25]], dtype=np.float32)
    np.testing.assert_array_equal(dequantize(values, "F32", (2, 2)), values)
    np.testing.assert_array_equal(dequantize(values.astype(np.float16), "F16", (2, 2)), values)
    bf16 = (values.view(np.uint32) >> np.uint32(16)).astype(np.uint16)  # exact for these values
    np.testing.assert_array_equal(dequantize(bf16, "BF16", (2, 2)), values)


def test_bad_sizes_and_types() -> None:
    with pytest.raises(ValueError, match="Q4_1"):
        dequantize(np.zeros((1, 20), np.uint8), "Q4_1", (1, 64), use_gguf=False)
    with pytest.raises(NotImplementedError, match="Q2_K"):
        dequantize(np.zeros((1, 20), np.uint8), "Q2_K", (1, 32), use_gguf=False)


@pytest.mark.parametrize("type_name", ["Q4_0", "Q4_1", "Q8_0"])
def test_own_dequantizers_match_gguf_on_random_blocks(type_name: str) -> None:
    if not hasattr(gguf.quants, "dequantize"):
        pytest.skip("the installed gguf has no quants.dequantize")
    block_bytes = {"Q4_0": 18, "Q4_1": 20, "Q8_0": 34}[type_name]
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, size=(40, 5 * block_bytes), dtype=np.uint8)
    scales = rng.normal(size=(40, 5, 2)).astype(np.float16).view(np.uint8)  # finite f16 d, m
    blocks = data.reshape(40, 5, block_bytes)
    blocks[:, :, 0:2] = scales[:, :, 0:2]
    if type_name == "Q4_1":
        blocks[:, :, 2:4] = scales[:, :, 2:4]
    ours = dequantize(data, type_name, (40, 160), use_gguf=False)
    theirs = gguf.quants.dequantize(data, gguf.GGMLQuantizationType[type_name])
    np.testing.assert_array_equal(ours, theirs)


def test_smollm2_135m_hyperparameters() -> None:
    try:
        path = default_model_path()
    except ImportError as error:
        pytest.skip(str(error))
    from shapiq_spex.engines.numpy import load_language_model

    lm = load_language_model(blas_threads=1)
    config = lm.model.config
    assert path.suffix == ".gguf"
    # SmolLM2-135M: 30 layers, 9 query / 3 KV heads of dim 64, width 576, MLP 1536, 49152 tokens
    assert (config.n_layers, config.n_heads, config.n_kv_heads) == (30, 9, 3)
    assert (config.head_dim, config.hidden_size, config.ffn_size) == (64, 576, 1536)
    assert config.vocab_size == 49152
    assert config.rope_base == 100000.0
    # tied embeddings: the output projection is the token embedding
    np.testing.assert_array_equal(lm.model.lm_head, lm.model.embedding.T)
    assert lm.tokenizer.spec.model == "gpt2"

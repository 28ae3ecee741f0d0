"""The numpy engine and transformers agree on the same weights (a config-built tiny Llama).

The tiny Llama's weights are written as a GGUF file's tensors would be (llama.cpp permutes the
rows of the query/key projections so that rotated pairs are adjacent) and loaded through
``LlamaModel.from_gguf``, the path of the shipped SmolLM2 file. Tolerance: 1e-4 absolute on
logits of size ~1-10 (float32 in both engines); the real SmolLM2 file is compared in
``benchmarks/engines.py`` (loading it in transformers takes ~25 s).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import LlamaConfig as HFLlamaConfig
from transformers import LlamaForCausalLM

from shapiq_spex.engines.numpy.gguf_loader import GGUFModel, LlamaConfig
from shapiq_spex.engines.numpy.model import LlamaModel

TOL = 1e-4


def _to_gguf_rows(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """llama.cpp's permutation: per head, rows ``(i, i + d/2)`` become ``(2i, 2i + 1)``."""
    rows, cols = weight.shape
    half = rows // n_heads // 2
    return weight.reshape(n_heads, 2, half, cols).swapaxes(1, 2).reshape(rows, cols)


@pytest.fixture(scope="module")
def engines() -> tuple[LlamaForCausalLM, LlamaModel]:
    torch.manual_seed(3)
    hf_config = HFLlamaConfig(
        vocab_size=61, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        initializer_range=0.3, rms_norm_eps=1e-5, tie_word_embeddings=False,
    )  # fmt: skip
    hf = LlamaForCausalLM(hf_config).eval()
    weights = {k: v.detach().numpy().astype(np.float32) for k, v in hf.state_dict().items()}
    tensors = {
        "token_embd.weight": weights["model.embed_tokens.weight"],
        "output.weight": weights["lm_head.weight"],
        "output_norm.weight": weights["model.norm.weight"],
    }
    names = {"attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
             "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}  # fmt: skip
    for i in range(2):
        block = f"model.layers.{i}."
        for gguf_name, hf_name in names.items():
            tensors[f"blk.{i}.{gguf_name}.weight"] = weights[block + hf_name + ".weight"]
        q, k = (
            weights[block + "self_attn.q_proj.weight"],
            weights[block + "self_attn.k_proj.weight"],
        )
        tensors[f"blk.{i}.attn_q.weight"] = _to_gguf_rows(q, 4)
        tensors[f"blk.{i}.attn_k.weight"] = _to_gguf_rows(k, 2)
    config = LlamaConfig(
        n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, hidden_size=32, ffn_size=48,
        vocab_size=61, context_length=64, rope_base=10000.0, rope_dim=8, rms_eps=1e-5,
    )  # fmt: skip
    contents = GGUFModel(path=Path("tiny.gguf"), config=config, tensors=tensors, tokenizer=None)
    return hf, LlamaModel.from_gguf(contents)


def _hf_logits(model: LlamaForCausalLM, tokens: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return model(torch.from_numpy(tokens)).logits.numpy()


def test_logits_agree(engines) -> None:
    hf, ours = engines
    tokens = np.random.default_rng(0).integers(0, 61, size=(3, 17))
    expected = _hf_logits(hf, tokens)
    got = ours.logits(ours.forward(tokens).hidden)
    assert np.abs(expected).max() > 1.0  # logits of a useful size, not all near 0
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)


def test_head_mask_agrees_with_zeroed_projection_columns(engines) -> None:
    hf, ours = engines
    tokens = np.random.default_rng(1).integers(0, 61, size=(2, 11))
    head_mask = np.ones((2, 4), dtype=np.float32)
    head_mask[0, 1] = head_mask[1, [0, 3]] = 0.0
    ablated = LlamaForCausalLM(hf.config).eval()
    ablated.load_state_dict(hf.state_dict())
    with torch.no_grad():
        for layer, head in zip(*np.nonzero(head_mask == 0), strict=True):
            ablated.model.layers[layer].self_attn.o_proj.weight[:, 8 * head : 8 * head + 8] = 0
    expected = _hf_logits(ablated, tokens)
    got = ours.logits(ours.forward(tokens, head_mask=head_mask).hidden)
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)
    assert np.abs(expected - _hf_logits(hf, tokens)).max() > 1e-2

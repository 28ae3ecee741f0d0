"""The numpy Llama forward pass: known continuations, RoPE layout, self-consistency."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

from shapiq_spex.engines.numpy import LanguageModel, default_model_path
from shapiq_spex.engines.numpy.model import LlamaModel, _deinterleave_rows

PASSAGE = (
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was built for the "
    "1889 World's Fair and has become a global symbol of the city."
)


# ---------------------------------------------------------------- known behaviour
def test_greedy_continuation_names_paris(lm: LanguageModel) -> None:
    text = lm.generate("The capital of France is", max_new_tokens=6)
    assert text.startswith(" Paris")


def test_chat_answers_simple_questions(lm: LanguageModel) -> None:
    answer = lm.generate(lm.chat_prompt("What is the capital of France?"), max_new_tokens=16)
    assert "Paris" in answer
    answer = lm.generate(lm.chat_prompt("What is 2 + 2?"), max_new_tokens=16)
    assert "4" in answer


def test_paris_is_the_most_likely_next_token(lm: LanguageModel) -> None:
    log_probs = lm.next_token_logprobs(["The capital of France is"])[0]
    assert log_probs.dtype == np.float32  # float32 end to end (no float64 promotion)
    assert int(np.argmax(log_probs)) == lm.encode(" Paris")[0]
    # a distribution: probabilities sum to one
    assert abs(float(np.exp(log_probs.astype(np.float64)).sum()) - 1.0) < 1e-4


# ---------------------------------------------------------------- rotary embeddings
def test_rotary_matches_interleaved_pair_rope() -> None:
    # llama.cpp "normal" RoPE on a GGUF-layout head vector v: the pair (v[2i], v[2i+1]) read as
    # the complex number v[2i] + 1j v[2i+1] is multiplied by exp(1j * pos * base^(-2i/d))
    d, base = 64, 100000.0
    rng = np.random.default_rng(0)
    v = rng.normal(size=(2, 5, 3, d)).astype(np.float32)  # (B, T, heads, d) in GGUF layout
    pos = np.array([[0, 1, 2, 7, 300], [4, 5, 6, 8, 9]])
    angle = pos[:, :, None, None] * base ** (-np.arange(0, d, 2) / d)
    z = (v[..., 0::2] + 1j * v[..., 1::2]) * np.exp(1j * angle)
    expected = np.empty_like(v, dtype=np.float64)
    expected[..., 0::2], expected[..., 1::2] = z.real, z.imag

    config = dataclasses.make_dataclass("C", ["head_dim", "rope_dim", "rope_base"])(d, d, base)
    model = LlamaModel.__new__(LlamaModel)
    model.config, model._rope_cache = config, {}
    cos, sin = model._rotary(pos)
    halves = np.concatenate([np.arange(0, d, 2), np.arange(1, d, 2)])
    ours = model._apply_rotary(v[..., halves], cos, sin)
    np.testing.assert_allclose(ours, expected[..., halves], atol=2e-5)
    # and the weight reordering gives exactly that layout
    w = rng.normal(size=(3 * d, 10)).astype(np.float32)
    x = rng.normal(size=10).astype(np.float32)
    reordered = _deinterleave_rows(w, 3, d) @ x
    np.testing.assert_allclose(reordered, (w @ x).reshape(3, d)[:, halves].reshape(-1), rtol=1e-6)


def test_wrong_rope_layout_is_much_worse(lm: LanguageModel) -> None:
    # Rotating adjacent pairs of the GGUF rows with "rotate-half" (the other RoPE convention)
    # wrecks the model; the right convention gives a fluent model (known text is likely).
    cfg = lm.model.config
    d, n_q, n_kv = cfg.head_dim, cfg.n_heads * cfg.head_dim, cfg.n_kv_heads * cfg.head_dim
    back = np.argsort(np.concatenate([np.arange(0, d, 2), np.arange(1, d, 2)]))
    cols = np.concatenate(
        [
            (np.arange(n_q).reshape(-1, d)[:, back]).reshape(-1),
            n_q + (np.arange(n_kv).reshape(-1, d)[:, back]).reshape(-1),
            np.arange(n_q + n_kv, n_q + 2 * n_kv),
        ]
    )
    wrong_layers = [dataclasses.replace(layer, wqkv=layer.wqkv[cols]) for layer in lm.model.layers]
    wrong = LanguageModel(
        dataclasses.replace(lm.model, layers=wrong_layers, _rope_cache={}),
        lm.tokenizer,
        blas_threads=1,
    )
    right_mean = float(np.mean(lm.token_logprobs(PASSAGE)))
    wrong_mean = float(np.mean(wrong.token_logprobs(PASSAGE)))
    assert right_mean > -2.5
    assert right_mean > wrong_mean + 1.0


# ---------------------------------------------------------------- self-consistency
def test_continuation_equals_full_sequence_scoring(lm: LanguageModel) -> None:
    context, continuation = "The Eiffel Tower is in", " Paris, the capital of France."
    ctx, cont = lm.encode(context), lm.encode(continuation)
    per_token = lm.continuation_logprobs([context], [continuation], per_token=True)[0]
    full = lm.token_logprobs(ctx + cont)  # log p(token_t | tokens before t) for t >= 1
    np.testing.assert_allclose(per_token, full[len(ctx) - 1 :], atol=1e-4)
    total = lm.continuation_logprobs([context], [continuation])[0]
    assert abs(total - float(np.sum(full[len(ctx) - 1 :], dtype=np.float64))) < 1e-3
    # chain rule: log p(a b | c) = log p(a | c) + log p(b | c a)
    a, b = cont[:3], cont[3:]
    split = lm.continuation_logprobs([ctx], [a])[0] + lm.continuation_logprobs([ctx + a], [b])[0]
    assert abs(total - split) < 1e-3


def test_batched_equals_one_by_one(lm: LanguageModel) -> None:
    contexts = ["Hi", "The weather today is", "A long time ago in a galaxy far, far away", "I"]
    continuations = [" there", " sunny and warm.", " there lived", " am here"]
    batched = lm.continuation_logprobs(contexts, continuations, batch_size=4, per_token=True)
    for c, k, row in zip(contexts, continuations, batched, strict=True):
        single = lm.continuation_logprobs([c], [k], batch_size=1, per_token=True)[0]
        np.testing.assert_allclose(row, single, atol=1e-4)


def test_prefix_cache_equals_no_cache(lm: LanguageModel) -> None:
    prefix = "Question: which city is the capital of"
    bodies = [" France?\nAnswer:", " Italy?\nAnswer:", " Spain? Please answer.\nAnswer:"]
    answers = [" Paris", " Rome", " Madrid"]
    cache = lm.prefix_cache(prefix)
    cached = lm.continuation_logprobs(bodies, answers, prefix=cache, per_token=True)
    p = lm.encode(prefix)
    plain = lm.continuation_logprobs([p + lm.encode(b) for b in bodies], answers, per_token=True)
    for x, y in zip(cached, plain, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-4)
    nxt = lm.next_token_logprobs(bodies, candidates=[7042], prefix=cache)
    ref = lm.next_token_logprobs([p + lm.encode(b) for b in bodies], candidates=[7042])
    np.testing.assert_allclose(nxt, ref, atol=1e-4)


def test_left_padding_equals_unpadded(lm: LanguageModel) -> None:
    with lm.blas_context():
        ids = np.array(lm.encode("The capital of France is"))
        alone = lm.model.forward(ids[None]).hidden[0]
        tokens = np.concatenate([[lm.pad_id] * 3, ids])[None]
        mask = np.concatenate([[0] * 3, np.ones(ids.size)])[None]
        left = lm.model.forward(tokens, attention_mask=mask).hidden[0, 3:]
        right = lm.model.forward(
            np.concatenate([ids, [lm.pad_id] * 3])[None],
            attention_mask=np.concatenate([np.ones(ids.size), [0] * 3])[None],
        ).hidden[0, : ids.size]
        np.testing.assert_allclose(left, alone, atol=1e-4)
        np.testing.assert_allclose(right, alone, atol=1e-4)


def test_incremental_cache_equals_recompute(lm: LanguageModel) -> None:
    with lm.blas_context():
        ids = lm.encode("Once upon a time")
        out = lm.model.forward(np.array([ids[:2]]), return_cache=True)
        step = lm.model.forward(np.array([ids[2:]]), cache=out.cache).hidden[0]
        full = lm.model.forward(np.array([ids])).hidden[0, 2:]
        np.testing.assert_allclose(step, full, atol=1e-4)


def test_determinism(lm: LanguageModel) -> None:
    first = lm.continuation_logprobs(["Two plus two is"], [" four"])
    second = lm.continuation_logprobs(["Two plus two is"], [" four"])
    np.testing.assert_array_equal(first, second)


# ---------------------------------------------------------------- head masks
def test_head_mask_of_ones_is_the_unmasked_model(lm: LanguageModel) -> None:
    with lm.blas_context():
        ids = np.array([lm.encode("The capital of France is")])
        ones = np.ones((lm.n_layers, lm.n_heads))
        np.testing.assert_array_equal(
            lm.model.forward(ids, head_mask=ones).hidden, lm.model.forward(ids).hidden
        )


def test_zeroing_heads_changes_the_output(lm: LanguageModel) -> None:
    mask = np.ones((lm.n_layers, lm.n_heads))
    mask[0] = 0.0
    plain = lm.continuation_logprobs(["The capital of France is"], [" Paris"])[0]
    ablated = lm.continuation_logprobs(["The capital of France is"], [" Paris"], head_mask=mask)[0]
    assert abs(plain - ablated) > 1e-2
    # per-row masks: row 0 unablated, row 1 ablated, in one batch
    rows = lm.continuation_logprobs(
        ["The capital of France is"] * 2,
        [" Paris"] * 2,
        head_mask=np.stack([np.ones_like(mask), mask]),
    )
    np.testing.assert_allclose(rows, [plain, ablated], atol=1e-4)


def test_prefix_cache_head_mask_must_match(lm: LanguageModel) -> None:
    cache = lm.prefix_cache("The capital of")
    with pytest.raises(ValueError, match="head_mask"):
        lm.continuation_logprobs(
            [" France is"], [" Paris"], prefix=cache, head_mask=np.zeros((30, 9))
        )


# ---------------------------------------------------------------- validation
def test_input_validation(lm: LanguageModel) -> None:
    with pytest.raises(ValueError, match="tokens"):
        lm.model.forward(np.array([[49152]]))
    with pytest.raises(ValueError, match="attention_mask"):
        lm.model.forward(np.array([[1, 2]]), attention_mask=np.ones((1, 3)))
    with pytest.raises(ValueError, match="head_mask"):
        lm.model.forward(np.array([[1, 2]]), head_mask=np.ones((30, 8)))
    with pytest.raises(ValueError, match="continuations"):
        lm.continuation_logprobs(["a", "b"], [" c"])
    with pytest.raises(ValueError, match="continuation"):
        lm.continuation_logprobs(["a"], [""])
    with pytest.raises(ValueError, match="context"):
        lm.next_token_logprobs([""])
    with pytest.raises(TypeError, match="contexts"):
        lm.next_token_logprobs("a single string")
    with pytest.raises(ValueError, match="batch_size"):
        lm.next_token_logprobs(["a"], batch_size=0)
    with pytest.raises(ValueError, match="blas_threads"):
        LanguageModel(lm.model, lm.tokenizer, blas_threads=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        lm.generate("Hi", max_new_tokens=-1)
    with pytest.raises(ValueError, match="prompt"):
        lm.generate("")
    with pytest.raises(TypeError, match="sequence"):
        lm.token_logprobs([[1, 2]])


# ---------------------------------------------------------------- independent reference
def _reference_forward(tensors: dict, config, n_layers: int) -> np.ndarray:
    """Textbook Llama forward, one head at a time, on the GGUF tensors as stored in the file.

    RoPE is llama.cpp's "normal" mode on the file's layout: adjacent dimensions (2i, 2i+1) of a
    head form a complex number rotated by position * base^(-2i/d); query head h reads key/value
    head h // (n_heads / n_kv_heads). Float64 throughout.
    """
    d, n_h, n_kv = config.head_dim, config.n_heads, config.n_kv_heads
    eps = config.rms_eps

    def norm(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    def rope(x: np.ndarray) -> np.ndarray:  # x: (T, d)
        angle = np.arange(len(x))[:, None] * config.rope_base ** (-np.arange(0, d, 2) / d)
        z = (x[:, 0::2] + 1j * x[:, 1::2]) * np.exp(1j * angle)
        out = np.empty_like(x)
        out[:, 0::2], out[:, 1::2] = z.real, z.imag
        return out

    t = {k: v.astype(np.float64) for k, v in tensors.items()}
    x = t["embedded"]  # the embedding rows of the input ids
    n = len(x)
    causal = np.tril(np.ones((n, n), dtype=bool))
    for layer in range(n_layers):
        p = f"blk.{layer}."
        h = norm(x, t[p + "attn_norm.weight"])
        q, k, v = (
            h @ t[p + "attn_q.weight"].T,
            h @ t[p + "attn_k.weight"].T,
            h @ t[p + "attn_v.weight"].T,
        )
        heads = []
        for head in range(n_h):
            g = head // (n_h // n_kv)
            qh = rope(q[:, head * d : (head + 1) * d])
            kh = rope(k[:, g * d : (g + 1) * d])
            scores = np.where(causal, qh @ kh.T / np.sqrt(d), -np.inf)
            weights = np.exp(scores - scores.max(axis=1, keepdims=True))
            weights /= weights.sum(axis=1, keepdims=True)
            heads.append(weights @ v[:, g * d : (g + 1) * d])
        x = x + np.concatenate(heads, axis=1) @ t[p + "attn_output.weight"].T
        h = norm(x, t[p + "ffn_norm.weight"])
        gate, up = h @ t[p + "ffn_gate.weight"].T, h @ t[p + "ffn_up.weight"].T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ t[p + "ffn_down.weight"].T
    return norm(x, t["output_norm.weight"])


def test_forward_matches_a_textbook_reference(lm: LanguageModel) -> None:
    from shapiq_spex.engines.numpy.gguf_loader import _open_reader, dequantize

    n_layers = 3
    names = "attn_norm attn_q attn_k attn_v attn_output ffn_norm ffn_gate ffn_up ffn_down"
    wanted = {"output_norm.weight"} | {
        f"blk.{i}.{name}.weight" for i in range(n_layers) for name in names.split()
    }
    reader = _open_reader(default_model_path())
    tensors = {
        t.name: dequantize(t.data, t.tensor_type.name, tuple(int(n) for n in t.shape[::-1]))
        for t in reader.tensors
        if t.name in wanted
    }
    ids = lm.encode("The capital of France is")
    (embd,) = (t for t in reader.tensors if t.name == "token_embd.weight")
    tensors["embedded"] = dequantize(
        np.asarray(embd.data)[ids], embd.tensor_type.name, (len(ids), 576)
    )
    expected = _reference_forward(tensors, lm.model.config, n_layers)
    truncated = dataclasses.replace(lm.model, layers=lm.model.layers[:n_layers], _rope_cache={})
    with lm.blas_context():
        ours = truncated.forward(np.array([ids])).hidden[0]
    np.testing.assert_allclose(ours, expected, rtol=1e-3, atol=1e-3)

"""One Engine protocol, one set of scorers and one head game for the numpy and torch engines.

Both engines are tiny random Llamas with a character-level byte BPE (no merges: one token per
byte, so cutting a prompt into segments never changes its tokens); nothing is downloaded. The
ground truth is each engine's own model run on the whole token sequence: the log-softmax of its
logits, picked at the scored positions (with a head mask: the numpy forward pass's ``head_mask``,
and for torch a copy of the model whose attention output projection ignores the ablated heads).
"""

from __future__ import annotations

import copy
import inspect
from pathlib import Path

import numpy as np
import pytest
from scipy.special import log_softmax

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

import tokenizers

from shapiq_spex.engines.base import Engine, LogprobEngine
from shapiq_spex.engines.numpy import LanguageModel, LLMAnswerScorer, LLMSentimentScorer
from shapiq_spex.engines.numpy.gguf_loader import GGUFModel, LlamaConfig, TokenizerSpec
from shapiq_spex.engines.numpy.model import LlamaModel
from shapiq_spex.engines.numpy.tokenizer import Tokenizer
from shapiq_spex.engines.scorers import AnswerScorer, SentimentScorer
from shapiq_spex.games import HeadAblationGame

ALPHABET = tuple(sorted(tokenizers.pre_tokenizers.ByteLevel.alphabet()))
BOS = len(ALPHABET)  # "<s>", the torch tokenizer's leading special token
VOCAB = len(ALPHABET) + 1
TEMPLATE = "Review: a fine film. Sentiment: good\nReview: {text}\nSentiment:"
QA = "Notes: {text}\nQ: {question}\nA:"
TEXTS = ["great fun", "", "dull and slow, sadly", "ok"]
TASK = [
    ("The capital of Fr", " Paris"),
    ("The capital of It", " Rome"),
    ("The capital of Sp", " M"),
]
TOL = 1e-5  # float32 engines: absolute, or relative to the value's size


def _numpy_engine() -> LanguageModel:
    rng = np.random.default_rng(0)
    config = LlamaConfig(
        n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, hidden_size=32, ffn_size=48,
        vocab_size=VOCAB, context_length=256, rope_base=10000.0, rope_dim=8, rms_eps=1e-5,
    )  # fmt: skip
    shapes = {
        "attn_q": (32, 32), "attn_k": (16, 32), "attn_v": (16, 32), "attn_output": (32, 32),
        "ffn_gate": (48, 32), "ffn_up": (48, 32), "ffn_down": (32, 48),
    }  # fmt: skip
    tensors = {"token_embd.weight": rng.normal(0, 0.2, (VOCAB, 32)).astype(np.float32)}
    tensors["output_norm.weight"] = np.ones(32, np.float32)
    for i in range(2):
        for name, shape in shapes.items():
            tensors[f"blk.{i}.{name}.weight"] = rng.normal(0, 0.3, shape).astype(np.float32)
        tensors[f"blk.{i}.attn_norm.weight"] = np.ones(32, np.float32)
        tensors[f"blk.{i}.ffn_norm.weight"] = np.ones(32, np.float32)
    spec = TokenizerSpec(
        model="gpt2", pre="gpt2", tokens=(*ALPHABET, "<s>"), merges=(), bos_id=None,
        token_types=(1,) * len(ALPHABET) + (3,), eos_id=None, pad_id=None, add_bos=False,
        chat_template=None,
    )  # fmt: skip
    model = LlamaModel.from_gguf(GGUFModel(Path("tiny.gguf"), config, tensors, spec))
    return LanguageModel(model, Tokenizer(spec), batch_size=3)


def _torch_engine() -> LogprobEngine:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from shapiq_spex.engines.torch import TransformersEngine

    backend = tokenizers.Tokenizer(
        tokenizers.models.BPE({t: i for i, t in enumerate(ALPHABET)} | {"<s>": BOS}, [])
    )
    backend.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = tokenizers.decoders.ByteLevel()
    backend.post_processor = tokenizers.processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", BOS)]
    )
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>")
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        initializer_range=0.3, bos_token_id=BOS, pad_token_id=BOS,
    )  # fmt: skip
    model = transformers.LlamaForCausalLM(config).eval()
    return TransformersEngine(model, tokenizer, device="cpu", batch_size=3)


@pytest.fixture(scope="module", params=["numpy", "torch"])
def engine(request: pytest.FixtureRequest) -> LogprobEngine:
    return _numpy_engine() if request.param == "numpy" else _torch_engine()


def _ids(engine: LogprobEngine, text: str) -> list[int]:
    """The whole prompt's tokens: one per byte, after the torch tokenizer's BOS."""
    ids = [ALPHABET.index(c) for c in text.replace(" ", "Ġ").replace("\n", "Ċ")]
    return ids if isinstance(engine, LanguageModel) else [BOS, *ids]


def _close(got: float, expected: float) -> bool:
    return bool(np.isclose(got, expected, rtol=1e-6, atol=TOL))


def _log_softmax(engine: LogprobEngine, ids: list[int], head_mask=None) -> np.ndarray:
    """The model's own log-probabilities at every position of one sequence (float64)."""
    if isinstance(engine, LanguageModel):
        model = engine.model
        logits = model.logits(model.forward(np.array([ids]), head_mask=head_mask).hidden)[0]
    else:
        import torch

        model = engine.model if head_mask is None else _zeroed(engine.model, head_mask)
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].numpy()
    return log_softmax(np.asarray(logits, dtype=np.float64), axis=-1)


def _zeroed(model, head_mask: np.ndarray):
    """A copy of a torch Llama whose output projections ignore the masked heads."""
    import torch

    ablated = copy.deepcopy(model)
    with torch.no_grad():
        for layer, head in zip(*np.nonzero(np.asarray(head_mask) == 0), strict=True):
            ablated.model.layers[layer].self_attn.o_proj.weight[:, 8 * head : 8 * head + 8] = 0
    return ablated


def _continuation(engine, prompt: str, continuation: str, head_mask=None) -> np.ndarray:
    """Direct per-token log-probabilities of ``continuation`` after ``prompt``."""
    ids, target = _ids(engine, prompt), _ids(engine, continuation)
    target = target if isinstance(engine, LanguageModel) else target[1:]
    log_probs = _log_softmax(engine, ids + target, head_mask)
    return np.array([log_probs[len(ids) - 1 + j, t] for j, t in enumerate(target)])


# ---------------------------------------------------------------------- the protocol
def test_both_engines_satisfy_the_protocol(engine: LogprobEngine) -> None:
    assert isinstance(engine, Engine)
    assert not isinstance(object(), Engine) and not isinstance("model", Engine)
    assert (engine.n_layers, engine.n_heads, engine.vocab_size) == (2, 4, VOCAB)
    for name in ("prefix_cache", "next_token_logprobs", "continuation_logprobs", "chat_prompt"):
        wanted = inspect.signature(getattr(Engine, name)).parameters
        got = inspect.signature(getattr(type(engine), name)).parameters
        assert set(wanted) <= set(got), name  # the protocol's arguments, by name
    assert engine.encode("ab c") == _ids(engine, "ab c")[len(engine.leading_ids) :]
    assert engine.encode_batch(["ab", " c"]) == [engine.encode("ab"), engine.encode(" c")]


def test_next_token_and_continuations_equal_the_models_logits(engine: LogprobEngine) -> None:
    full = _log_softmax(engine, _ids(engine, "The cat sat"))
    prefix = engine.prefix_cache(_ids(engine, "The c"))
    got = engine.next_token_logprobs([engine.encode("at sat")], prefix=prefix)
    np.testing.assert_allclose(got[0], full[-1], atol=TOL)
    expected = _continuation(engine, "The cat", " sat")
    contexts = [_ids(engine, "The cat"), _ids(engine, "The dog")]  # ids as given, BOS too
    sums = engine.continuation_logprobs(contexts, [" sat", " ran"])
    assert _close(sums[0], expected.sum())
    assert _close(sums[1], _continuation(engine, "The dog", " ran").sum())


def test_per_row_masked_prefix_equals_the_ablated_model(engine: LogprobEngine) -> None:
    masks = np.ones((3, 2, 4), np.float32)
    masks[0, 0, [1, 2]] = masks[1, 1, 3] = masks[2, :, 0] = 0
    head = _ids(engine, "The capital")
    # one cache row per mask; rows of different lengths, batched 2 at a time out of order
    pairs = [(" of Italy", " Rome"), (" of Fr", " Paris"), (" of S", " Madrid")]
    contexts, answers = zip(*pairs, strict=True)
    got = engine.continuation_logprobs(
        contexts, answers, prefix=engine.prefix_cache(head, head_mask=masks),
        head_mask=masks, batch_size=2,
    )  # fmt: skip
    for r, (context, answer) in enumerate(pairs):
        expected = _continuation(engine, "The capital" + context, answer, masks[r])
        assert _close(got[r], expected.sum())
    # a cache row per mask repeated for two prompts: row = mask * 2 + prompt
    prefix = engine.prefix_cache(head, head_mask=masks[:2]).repeat(2)
    rows = np.repeat(masks[:2], 2, axis=0)
    got = engine.continuation_logprobs(
        [" of Fr", " of It"] * 2, [" Paris", " Rome"] * 2, prefix=prefix, head_mask=rows
    )
    for r, (context, answer) in enumerate([(" of Fr", " Paris"), (" of It", " Rome")] * 2):
        expected = _continuation(engine, "The capital" + context, answer, rows[r])
        assert _close(got[r], expected.sum())
    assert abs(got[0] - got[2]) > 1e-3  # the masks matter
    with pytest.raises(ValueError, match="head_mask differs"):
        engine.continuation_logprobs([" of Fr"] * 4, [" Paris"] * 4, prefix=prefix)


# ---------------------------------------------------------------------- the scorers
@pytest.mark.parametrize("labels", [(" good", " bad"), (" very good", " not good")])
def test_sentiment_scorer_equals_the_models_logits(engine: LogprobEngine, labels) -> None:
    scorer = SentimentScorer(engine, template=TEMPLATE, labels=labels, batch_size=2)
    got = scorer(TEXTS)
    for value, text in zip(got, TEXTS, strict=True):
        prompt = scorer.prompt(text)
        expected = _continuation(engine, prompt, labels[0]).sum()
        expected -= _continuation(engine, prompt, labels[1]).sum()
        assert _close(value, expected)
    assert np.ptp(got) > 1e-3
    if isinstance(engine, LanguageModel):  # the numpy name is the same scorer
        old = LLMSentimentScorer(engine, template=TEMPLATE, labels=labels, batch_size=2)
        np.testing.assert_array_equal(old(TEXTS), got)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_answer_scorer_equals_the_models_logits(engine: LogprobEngine, reduction) -> None:
    scorer = AnswerScorer(
        engine, " Paris", question="capital?", template=QA, reduction=reduction, batch_size=3
    )
    got = scorer(TEXTS)
    for value, text in zip(got, TEXTS, strict=True):
        per_token = _continuation(engine, scorer.prompt(text), " Paris")
        assert _close(value, per_token.sum() if reduction == "sum" else per_token.mean())
    if isinstance(engine, LanguageModel) and reduction == "sum":
        old = LLMAnswerScorer("capital?", " Paris", engine, template=QA, batch_size=3)
        np.testing.assert_array_equal(old(TEXTS), got)


def test_scorer_arguments(engine: LogprobEngine) -> None:
    with pytest.raises(TypeError, match="engine"):
        SentimentScorer("model")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="labels"):
        SentimentScorer(engine, template=TEMPLATE, labels=" good")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="labels"):
        SentimentScorer(engine, template=TEMPLATE, labels=(" good",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reduction"):
        AnswerScorer(engine, " Paris", template=QA, reduction="max")  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="same tokens"):
        SentimentScorer(engine, template=TEMPLATE, labels=(" good", " good"))
    blockwise = {"template": TEMPLATE, "context": "blockwise"}
    if isinstance(engine, LanguageModel):
        full = SentimentScorer(engine, template=TEMPLATE)
        assert SentimentScorer(engine, **blockwise)(["great fun"]) == pytest.approx(
            full(["great fun"]), abs=TOL
        )  # one block is the full model
    else:
        with pytest.raises(ValueError, match="numpy engine"):
            SentimentScorer(engine, **blockwise)


def test_a_wrong_type_is_a_type_error_and_a_wrong_value_a_value_error(
    engine: LogprobEngine,
) -> None:
    wrong = object()
    with pytest.raises(TypeError, match="batch_size"):
        SentimentScorer(engine, template=TEMPLATE, batch_size="2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        SentimentScorer(engine, template=TEMPLATE, batch_size=0)
    with pytest.raises(TypeError, match="engine"):  # not the default template's complaint
        AnswerScorer(wrong, " Paris")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reduction"):
        AnswerScorer(engine, " Paris", template=QA, reduction=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="batch_size"):
        engine.next_token_logprobs(["a"], batch_size="2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size"):
        engine.continuation_logprobs(["a"], [" b"], batch_size=0)
    with pytest.raises(TypeError, match="normalize"):
        HeadAblationGame(engine, TASK, normalize="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reduction"):
        HeadAblationGame(engine, TASK, reduction=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="layers"):
        HeadAblationGame(engine, TASK, layers=wrong)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="task"):
        HeadAblationGame(engine, wrong)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task"):  # a pair of the wrong length
        HeadAblationGame(engine, [("The capital of Fr",)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"\blm\b"):  # a wrong type, not "given twice"
        HeadAblationGame(engine, TASK, lm=wrong)  # type: ignore[arg-type]
    if isinstance(engine, LanguageModel):
        with pytest.raises(TypeError, match="blas_threads"):
            LanguageModel(engine.model, engine.tokenizer, blas_threads="2")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the head game
def test_head_game_equals_the_ablated_model(engine: LogprobEngine) -> None:
    game = HeadAblationGame(engine, TASK, normalize=False, batch_size=2, layers=[1, 0])
    assert game.n_players == 8 and game._cached > 0  # "The capital of " is shared
    coalitions = np.random.default_rng(1).random((3, 8)) < 0.5
    coalitions[0] = True
    for coalition, value in zip(coalitions, game(coalitions), strict=True):
        mask = coalition.reshape(2, 4).astype(np.float32)
        expected = np.mean([_continuation(engine, p, a, mask).sum() for p, a in TASK])
        assert _close(value, expected)
    assert game.lm is game.engine is engine
    with pytest.raises(TypeError, match="lm"):
        HeadAblationGame("model")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        HeadAblationGame(engine, TASK, lm=engine)

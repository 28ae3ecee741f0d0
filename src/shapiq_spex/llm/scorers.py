"""Text scorers backed by the numpy LLM: ``list[str] -> np.ndarray``, one value per text.

Both scorers put each text into a prompt template at ``{text}``; the part of the template before
the text is the same for every text, so its keys/values are computed once (a prefix cache) and
only the rest is run per text, in batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._prompts import ANSWER_USER_TEMPLATE, DEFAULT_ANSWER_SYSTEM, split_template
from .._validation import check_texts
from .lm import LanguageModel, PrefixCache, load_language_model

__all__ = [
    "DEFAULT_SENTIMENT_TEMPLATE",
    "LLMAnswerScorer",
    "LLMSentimentScorer",
]

DEFAULT_SENTIMENT_TEMPLATE = (
    "Classify the sentiment of each movie review as positive or negative.\n\n"
    "Review: An absolute delight, with a clever story and wonderful acting.\n"
    "Sentiment: positive\n\n"
    "Review: Boring, predictable and far too long. I want my money back.\n"
    "Sentiment: negative\n\n"
    "Review: I loved every minute of it and would happily watch it again.\n"
    "Sentiment: positive\n\n"
    "Review: The plot made no sense and the jokes fell flat.\n"
    "Sentiment: negative\n\n"
    "Review: {text}\n"
    "Sentiment:"
)
"""Few-shot prompt of :class:`LLMSentimentScorer`; the review goes at ``{text}``."""


class _TemplateScorer:
    """Shared machinery: a template with ``{text}``, its cached head and batched bodies."""

    def __init__(self, lm: LanguageModel | None, template: str, batch_size: int | None) -> None:
        if lm is None:
            lm = load_language_model()
        if not isinstance(lm, LanguageModel):
            msg = f"lm must be a LanguageModel or None, got {type(lm).__name__}."
            raise TypeError(msg)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            msg = f"batch_size must be a positive int or None, got {batch_size!r}."
            raise ValueError(msg)
        self.lm = lm
        self.template = template
        self.batch_size = batch_size
        self.head, self._tail = split_template(template)
        if not self.head:
            msg = "template must have text before '{text}'."
            raise ValueError(msg)
        self._prefix: PrefixCache | None = None

    @property
    def prefix(self) -> PrefixCache:
        """Cache of the template's head (computed at first use)."""
        if self._prefix is None:
            self._prefix = self.lm.prefix_cache(self.head)
        return self._prefix

    def prompt(self, text: str) -> str:
        """The full prompt for one text."""
        return self.head + self._body(text)

    def _body(self, text: str) -> str:
        return self._tail.replace("{text}", text)

    def _body_ids(self, texts: list[str]) -> list[list[int]]:
        return self.lm.tokenizer.encode_batch([self._body(t) for t in texts])


class LLMSentimentScorer(_TemplateScorer):
    """Few-shot sentiment: ``log p(" positive") - log p(" negative")`` after a review.

    The score is the log-odds of the next token after the prompt (``...Sentiment:``); it is
    positive for a positive review and negative for a negative one.

    Args:
        lm: The language model (default: the shared SmolLM2-135M-Instruct).
        template: Prompt with a ``{text}`` placeholder (default:
            :data:`DEFAULT_SENTIMENT_TEMPLATE`).
        labels: ``(positive, negative)`` continuations; each is tokenized on its own.
        batch_size: Texts per forward pass (default: the model's).

    Raises:
        ValueError: The template lacks ``{text}`` (once) or the labels are not two texts.
    """

    def __init__(
        self,
        lm: LanguageModel | None = None,
        *,
        template: str = DEFAULT_SENTIMENT_TEMPLATE,
        labels: tuple[str, str] = (" positive", " negative"),
        batch_size: int | None = None,
    ) -> None:
        super().__init__(lm, template, batch_size)
        if len(labels) != 2 or not all(isinstance(x, str) and x for x in labels):
            msg = f"labels must be two non-empty str, got {labels!r}."
            raise ValueError(msg)
        self.labels = tuple(labels)
        self._label_ids = [self.lm.encode(label) for label in labels]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Sentiment log-odds of each text, shape ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        bodies = self._body_ids(texts)
        if all(len(ids) == 1 for ids in self._label_ids):
            candidates = [ids[0] for ids in self._label_ids]
            log_probs = self.lm.next_token_logprobs(
                bodies, candidates=candidates, prefix=self.prefix, batch_size=self.batch_size
            ).astype(np.float64)
            return log_probs[:, 0] - log_probs[:, 1]
        scores = [
            self.lm.continuation_logprobs(
                bodies, [ids] * len(bodies), prefix=self.prefix, batch_size=self.batch_size
            )
            for ids in self._label_ids
        ]
        return np.asarray(scores[0] - scores[1], dtype=np.float64)


class LLMAnswerScorer(_TemplateScorer):
    r"""Log-probability of a given answer to a question about a text (e.g. retrieved documents).

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

    Raises:
        TypeError: ``question`` or ``answer`` is not a str.
        ValueError: ``answer`` is empty, or the template lacks ``{text}`` (once).
    """

    def __init__(
        self,
        question: str,
        answer: str,
        lm: LanguageModel | None = None,
        *,
        template: str | None = None,
        batch_size: int | None = None,
    ) -> None:
        if not isinstance(question, str):
            msg = f"question must be a str, got {type(question).__name__}."
            raise TypeError(msg)
        if not isinstance(answer, str):
            msg = f"answer must be a str, got {type(answer).__name__}."
            raise TypeError(msg)
        if not answer:
            msg = "answer must not be empty."
            raise ValueError(msg)
        if lm is None:
            lm = load_language_model()
        if template is None and isinstance(lm, LanguageModel):
            template = lm.chat_prompt(ANSWER_USER_TEMPLATE, system=DEFAULT_ANSWER_SYSTEM)
        if not isinstance(template, str):
            msg = f"template must be a str, got {type(template).__name__}."
            raise TypeError(msg)
        super().__init__(lm, template.replace("{question}", question), batch_size)
        self.question = question
        self.answer = answer
        self._answer_ids = self.lm.encode(answer)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """``log p(answer | prompt(text))`` of each text, shape ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        bodies = self._body_ids(texts)
        return self.lm.continuation_logprobs(
            bodies,
            [self._answer_ids] * len(bodies),
            prefix=self.prefix,
            batch_size=self.batch_size,
        )

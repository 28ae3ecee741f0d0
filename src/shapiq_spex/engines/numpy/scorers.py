"""Text scorers backed by the numpy LLM: ``list[str] -> np.ndarray``, one value per text.

Both scorers put each text into a prompt template at ``{text}``; the part of the template before
the text is the same for every text, so its keys/values are computed once (a prefix cache) and
only the rest is run per text, in batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..._validation import check_choice, check_int, check_str, check_texts
from ..prompts import (
    ANSWER_USER_TEMPLATE,
    DEFAULT_ANSWER_SYSTEM,
    DEFAULT_SENTIMENT_TEMPLATE,
    split_template,
)
from .blockwise import BlockwiseContext
from .lm import LanguageModel, PrefixCache, load_language_model

__all__ = [
    "CONTEXTS",
    "DEFAULT_SENTIMENT_TEMPLATE",
    "LLMAnswerScorer",
    "LLMSentimentScorer",
]


CONTEXTS = ("full", "blockwise")
"""How an LLM scorer reads a text: ``"full"`` attention, or ``"blockwise"`` (see the scorers)."""


class _TemplateScorer:
    """Shared machinery: a template with ``{text}``, its cached head and batched bodies."""

    def __init__(
        self, lm: LanguageModel | None, template: str, batch_size: int | None, context: str
    ) -> None:
        if lm is None:
            lm = load_language_model()
        if not isinstance(lm, LanguageModel):
            msg = f"lm must be a LanguageModel or None, got {type(lm).__name__}."
            raise TypeError(msg)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        check_str(template, "template")
        self.context = check_choice(context, "context", CONTEXTS)
        self.lm = lm
        self.template = template
        self.batch_size = batch_size
        self.head, self._tail = split_template(template)
        if not self.head:
            msg = "template must have text before '{text}'."
            raise ValueError(msg)
        self._before, self._after = self._tail.split("{text}")
        if context == "blockwise" and not self._after:
            msg = (
                "context='blockwise' needs text after '{text}' in the template (the scored "
                "position follows it)."
            )
            raise ValueError(msg)
        self._prefix: PrefixCache | None = None
        self._blockwise: BlockwiseContext | None = None

    @property
    def prefix(self) -> PrefixCache:
        """Cache of the template's head (computed at first use)."""
        if self._prefix is None:
            self._prefix = self.lm.prefix_cache(self.head)
        return self._prefix

    @property
    def blockwise(self) -> BlockwiseContext:
        """The head and every unit seen so far, encoded once (``context="blockwise"``)."""
        if self._blockwise is None:
            self._blockwise = BlockwiseContext(self.lm, self.head)
        return self._blockwise

    def prompt(self, text: str) -> str:
        """The full prompt for one text."""
        return self.head + self._body(text)

    def _body(self, text: str) -> str:
        return self._tail.replace("{text}", text)

    def _body_ids(self, texts: list[str]) -> list[list[int]]:
        return self.lm.tokenizer.encode_batch([self._body(t) for t in texts])

    def _blocks(self, texts: list[str]) -> tuple[list[list[str]], list[str]]:
        """Each text's blocks (its kept units) and the suffix after them.

        The template's text before ``{text}`` joins the first block, the text's end and the
        template's rest form the suffix. A plain str (not a masked text) is one block.
        """
        blocks, suffixes = [], []
        for text in texts:
            pieces = list(getattr(text, "segments", (text,) if text else ()))
            end = getattr(text, "end", "")
            if pieces:
                pieces[0] = self._before + pieces[0]
                suffixes.append(end + self._after)
            else:
                suffixes.append(self._before + end + self._after)
            blocks.append(pieces)
        return blocks, suffixes

    def _next_token(self, texts: list[str], candidates: list[int]) -> np.ndarray:
        """Log-probabilities of ``candidates`` after each prompt, ``(len(texts), k)``."""
        if self.context == "blockwise":
            blocks, suffixes = self._blocks(texts)
            return self.blockwise.next_token_logprobs(
                blocks, suffixes, candidates=candidates, batch_size=self.batch_size
            )
        return self.lm.next_token_logprobs(
            self._body_ids(texts),
            candidates=candidates,
            prefix=self.prefix,
            batch_size=self.batch_size,
        )

    def _continuation(self, texts: list[str], ids: list[int]) -> np.ndarray:
        """``log p(ids | prompt)`` of each text, ``(len(texts),)`` float64."""
        if self.context == "blockwise":
            blocks, suffixes = self._blocks(texts)
            return self.blockwise.continuation_logprobs(
                blocks, suffixes, [ids] * len(texts), batch_size=self.batch_size
            )
        bodies = self._body_ids(texts)
        return self.lm.continuation_logprobs(
            bodies, [ids] * len(bodies), prefix=self.prefix, batch_size=self.batch_size
        )


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
        context: ``"full"`` (default): every text is one forward pass with full attention.
            ``"blockwise"``: segment-cached context encoding for long documents (see below).

    Raises:
        TypeError: ``context`` is not a str.
        ValueError: The template lacks ``{text}`` (once), the labels are not two texts, or
            ``context`` is unknown (or ``"blockwise"`` with nothing after ``{text}``).

    Long documents: ``context="blockwise"`` encodes the template's head once and each unit of a
    masked text (a :class:`~shapiq_spex.engines.segments.SegmentedText` from
    :class:`~shapiq_spex.games.MaskedTextGame`: a sentence, paragraph or chunk, with the whitespace
    before it) once, as its own block after the head; a masked text then costs only the forward pass
    of the template's end (``Sentiment:``), attending to the head, the kept blocks (re-positioned,
    see :mod:`shapiq_spex.engines.numpy.blockwise`) and itself. A block does not see the blocks
    before it, so scores differ from full attention. Measured on the bundled 2,000-word review (145
    sentences, 30 uniform random masks, ``python -m benchmarks.blockwise``): Pearson r 0.78 (R²
    0.15) between blockwise and full scores, 143 ms instead of 5-25 s per masked text (about 40-180×
    faster); on a 252-word review (16 sentences) r 0.82 (R² 0.64). A plain str is one block, which
    is the full model exactly.
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
        super().__init__(lm, template, batch_size, context)
        pair = isinstance(labels, Sequence) and not isinstance(labels, str)
        if not pair or not all(isinstance(x, str) for x in labels):
            msg = f"labels must be a pair of str (positive, negative), got {labels!r}."
            raise TypeError(msg)
        if len(labels) != 2 or not all(labels):
            msg = f"labels must be two non-empty str, got {labels!r}."
            raise ValueError(msg)
        self.labels = tuple(labels)
        self._label_ids = [self.lm.encode(label) for label in labels]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Sentiment log-odds of each text, shape ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        if all(len(ids) == 1 for ids in self._label_ids):
            log_probs = self._next_token(texts, [ids[0] for ids in self._label_ids])
            return log_probs[:, 0].astype(np.float64) - log_probs[:, 1]
        positive, negative = (self._continuation(texts, ids) for ids in self._label_ids)
        return np.asarray(positive - negative, dtype=np.float64)


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
        context: ``"full"`` (default): every text is one forward pass with full attention.
            ``"blockwise"``: segment-cached context encoding for long documents (as in
            :class:`LLMSentimentScorer`; the template must go on after ``{text}``).

    Raises:
        TypeError: ``question``, ``answer`` or ``context`` is not a str.
        ValueError: ``answer`` is empty, the template lacks ``{text}`` (once), or ``context``
            is unknown.
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
        super().__init__(lm, template.replace("{question}", question), batch_size, context)
        self.question = question
        self.answer = answer
        self._answer_ids = self.lm.encode(answer)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """``log p(answer | prompt(text))`` of each text, shape ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        return self._continuation(texts, self._answer_ids)

r"""Text scorers under any :class:`~shapiq_spex.engines.base.Engine`: ``list[str] -> np.ndarray``.

Each scorer puts a text into a prompt template at ``{text}`` and scores what follows the prompt:
:class:`SentimentScorer` the log-odds of two labels, :class:`AnswerScorer` the log-probability
of a given answer. The template's head (before ``{text}``, after the tokenizer's leading special
tokens), the rest of the prompt and the scored continuation are tokenized separately and their
ids concatenated; the head's keys/values are computed once (a
:class:`~shapiq_spex.engines.base.PrefixCache`) and only the rest is run per text, in batches.

The engine decides where the model runs: the numpy engine
(:class:`~shapiq_spex.engines.numpy.LanguageModel`, whose scorers are also
:class:`~shapiq_spex.engines.numpy.LLMSentimentScorer` and
:class:`~shapiq_spex.engines.numpy.LLMAnswerScorer`) or a ``transformers`` model
(:class:`~shapiq_spex.engines.torch.TransformersEngine`, also wrapped as
:class:`~shapiq_spex.engines.torch.TransformersSentimentScorer` and
:class:`~shapiq_spex.engines.torch.TransformersAnswerScorer`).

Example:
    >>> from shapiq_spex.engines.numpy import load_language_model
    >>> scorer = SentimentScorer(load_language_model())  # doctest: +SKIP
    >>> scorer(["A wonderful film.", "A dull film."])  # doctest: +SKIP
    array([ 2.9, -1.7])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .._validation import check_choice, check_int, check_str, check_texts
from .base import Engine, PrefixCache, check_engine, check_length
from .prompts import (
    ANSWER_USER_TEMPLATE,
    DEFAULT_ANSWER_SYSTEM,
    DEFAULT_SENTIMENT_TEMPLATE,
    split_template,
)

__all__ = ["CONTEXTS", "AnswerScorer", "PromptScorer", "SentimentScorer"]

CONTEXTS = ("full", "blockwise")
"""How a scorer reads a text: ``"full"`` attention, or ``"blockwise"`` (see the scorers)."""


class PromptScorer:
    """A template with ``{text}``: its head cached once, the texts' bodies scored in batches.

    Args:
        engine: The language model (an :class:`~shapiq_spex.engines.base.Engine`).
        template: Prompt with a ``{text}`` placeholder.
        batch_size: Texts per forward pass (default: the engine's).
        context: ``"full"`` (default): every text is one forward pass with full attention.
            ``"blockwise"``: segment-cached context encoding for long documents (with
            the numpy engine only; see below).

    Raises:
        TypeError: ``engine`` is not an Engine, ``template`` or ``context`` not a str, or
            ``batch_size`` not an integer (or None).
        ValueError: The template lacks ``{text}`` (once), its head is longer than the model
            takes, ``batch_size`` is not positive, or ``context`` is unknown (or
            ``"blockwise"`` with nothing after ``{text}`` or an engine without it).

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
        engine: Engine,
        template: str,
        *,
        batch_size: int | None = None,
        context: Literal["full", "blockwise"] = "full",
    ) -> None:
        check_engine(engine)
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        self.context = check_choice(context, "context", CONTEXTS)
        check_str(template, "template")
        self.engine = engine
        self.batch_size = batch_size
        self.template = template
        self.head, self._tail = split_template(template)
        self._before, self._after = self._tail.split("{text}")
        if context == "blockwise":
            if not self._after:
                msg = (
                    "context='blockwise' needs text after '{text}' in the template (the scored "
                    "position follows it)."
                )
                raise ValueError(msg)
            from .numpy.lm import LanguageModel  # only the numpy model shifts cached keys

            if not isinstance(engine, LanguageModel):
                msg = f"context='blockwise' needs the numpy engine, got {type(engine).__name__}."
                raise ValueError(msg)
        head_ids = engine.encode(self.head)
        leading = list(engine.leading_ids)
        if leading and head_ids[: len(leading)] != leading:
            head_ids = leading + head_ids
        if context == "blockwise" and not head_ids:
            msg = "context='blockwise' needs text before '{text}' in the template."
            raise ValueError(msg)
        check_length(len(head_ids), engine.max_length)
        self._head_ids = head_ids
        self._prefix: PrefixCache | None = None
        self._blockwise: Any = None

    @property
    def prefix(self) -> PrefixCache | None:
        """Cache of the template's head (computed at first use; ``None`` for an empty head)."""
        if self._prefix is None and self._head_ids:
            self._prefix = self.engine.prefix_cache(self._head_ids)
        return self._prefix

    @property
    def blockwise(self) -> Any:
        """The head and every unit seen so far, encoded once (``context="blockwise"``)."""
        if self._blockwise is None:
            from .numpy.blockwise import BlockwiseContext

            self._blockwise = BlockwiseContext(self.engine, self._head_ids)  # type: ignore[arg-type]
        return self._blockwise

    def prompt(self, text: str) -> str:
        """The full prompt for one text (the scored continuation follows it)."""
        return self.head + self._body(text)

    def _body(self, text: str) -> str:
        return self._tail.replace("{text}", text)

    def _body_ids(self, texts: list[str]) -> list[list[int]]:
        return self.engine.encode_batch([self._body(t) for t in texts])

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
        return self.engine.next_token_logprobs(
            self._body_ids(texts),
            candidates=candidates,
            prefix=self.prefix,
            batch_size=self.batch_size,
        )

    def _continuation(self, texts: list[str], ids: list[int]) -> list[np.ndarray]:
        """Per text, the log-probabilities of the tokens ``ids`` after its prompt."""
        if self.context == "blockwise":
            blocks, suffixes = self._blocks(texts)
            sums = self.blockwise.continuation_logprobs(
                blocks, suffixes, [ids] * len(texts), batch_size=self.batch_size
            )
            return [np.array([value]) for value in sums]
        bodies = self._body_ids(texts)
        return self.engine.continuation_logprobs(
            bodies,
            [ids] * len(bodies),
            prefix=self.prefix,
            batch_size=self.batch_size,
            per_token=True,
        )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The score of each text, shape ``(len(texts),)`` float64."""
        texts = check_texts(texts)
        return self._score(texts) if texts else np.zeros(0)

    def _score(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - each scorer says what it scores

    def _tokens(self, text: str, name: str) -> list[int]:
        """Token ids of a scored continuation; a ``ValueError`` when it has none."""
        ids = self.engine.encode(text)
        if not ids:
            msg = f"{name} {text!r} has no token."
            raise ValueError(msg)
        return ids


class SentimentScorer(PromptScorer):
    """Few-shot sentiment: ``log p(positive) - log p(negative)`` after a review.

    The review fills ``{text}`` in a few-shot prompt ending in ``"Sentiment:"``; the score is the
    log-odds of the two label continuations (each label's token log-probabilities summed; one
    forward pass gives both when each label is one token). It is positive for a positive review
    and negative for a negative one.

    Args:
        engine: The language model (an :class:`~shapiq_spex.engines.base.Engine`).
        template: Prompt with a ``{text}`` placeholder (default:
            :data:`~shapiq_spex.engines.prompts.DEFAULT_SENTIMENT_TEMPLATE`).
        labels: ``(positive, negative)`` continuations; each is tokenized on its own.
        batch_size: Texts per forward pass (default: the engine's).
        context: ``"full"`` (default) or ``"blockwise"`` (see :class:`PromptScorer`).

    Raises:
        TypeError: ``labels`` is not a pair of str, or another argument has the wrong type.
        ValueError: ``labels`` are not two, a label is empty or has no token, or the template
            or ``context`` is invalid (see :class:`PromptScorer`).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        template: str = DEFAULT_SENTIMENT_TEMPLATE,
        labels: tuple[str, str] = (" positive", " negative"),
        batch_size: int | None = None,
        context: Literal["full", "blockwise"] = "full",
    ) -> None:
        labels = check_texts(labels, "labels")
        if len(labels) != 2 or not all(labels):
            msg = f"labels must be two non-empty str, got {labels!r}."
            raise ValueError(msg)
        super().__init__(engine, template, batch_size=batch_size, context=context)
        self.labels = (labels[0], labels[1])
        self._label_ids = [self._tokens(label, "label") for label in self.labels]
        if self._label_ids[0] == self._label_ids[1]:
            warnings.warn(
                f"the labels {self.labels[0]!r} and {self.labels[1]!r} give the same tokens "
                f"{self._label_ids[0]}, so every sentiment log-odds is 0; choose labels the "
                "tokenizer tells apart.",
                UserWarning,
                stacklevel=3,
            )

    def _score(self, texts: list[str]) -> np.ndarray:
        """Sentiment log-odds of each text."""
        positive, negative = self._label_ids
        if len(positive) == len(negative) == 1:  # one forward pass gives both labels
            log_probs = self._next_token(texts, [positive[0], negative[0]])
            return log_probs[:, 0].astype(np.float64) - log_probs[:, 1]
        sums = [_reduce(self._continuation(texts, ids), "sum") for ids in self._label_ids]
        return sums[0] - sums[1]


class AnswerScorer(PromptScorer):
    r"""Log-probability of a given answer to a question about a text (e.g. retrieved documents).

    This is the retrieval-augmented generation (RAG) value of the SPEX/ProxySPEX papers: the
    text holds several documents, and ``score(text)`` is the sum (or mean) over the answer's
    tokens of ``log p(token | prompt(text, question), earlier answer tokens)``.

    Args:
        engine: The language model (an :class:`~shapiq_spex.engines.base.Engine`).
        answer: The answer whose log-probability is the score.
        question: Fills ``{question}`` in the template.
        template: Prompt with ``{text}`` and optionally ``{question}``, ending where the answer
            starts. Default: the engine's chat prompt with system message
            :data:`~shapiq_spex.engines.prompts.DEFAULT_ANSWER_SYSTEM` and user message
            ``"Documents:\n{text}\n\nQuestion: {question}"`` (for a model without a chat
            format: those lines followed by ``"\nAnswer:"``).
        reduction: ``"sum"`` (default: the answer's log-probability) or ``"mean"`` over its
            tokens.
        batch_size: Texts per forward pass (default: the engine's).
        context: ``"full"`` (default) or ``"blockwise"`` (see :class:`PromptScorer`; with
            ``"blockwise"`` only ``"sum"`` is available).

    Raises:
        TypeError: ``engine`` is not an Engine, ``answer``, ``question``, ``template`` or
            ``reduction`` is not a str, or another argument has the wrong type.
        ValueError: ``answer`` is empty or has no token, ``reduction`` is unknown, or the
            template or ``context`` is invalid (see :class:`PromptScorer`).
    """

    def __init__(
        self,
        engine: Engine,
        answer: str,
        *,
        question: str = "",
        template: str | None = None,
        reduction: Literal["sum", "mean"] = "sum",
        batch_size: int | None = None,
        context: Literal["full", "blockwise"] = "full",
    ) -> None:
        check_engine(engine)
        check_str(answer, "answer")
        check_str(question, "question")
        if not answer:
            msg = "answer must not be empty."
            raise ValueError(msg)
        reduction = check_choice(reduction, "reduction", ("mean", "sum"))
        if reduction == "mean" and context == "blockwise":
            msg = "context='blockwise' scores the answer's summed log-probability: use 'sum'."
            raise ValueError(msg)
        if template is None:
            template = default_answer_template(engine)
        check_str(template, "template")
        super().__init__(
            engine, template.replace("{question}", question), batch_size=batch_size, context=context
        )
        self.question = question
        self.answer = answer
        self.reduction = reduction
        self._answer_ids = self._tokens(answer, "answer")

    def _score(self, texts: list[str]) -> np.ndarray:
        """The answer's summed (or mean) log-probability for each text."""
        return _reduce(self._continuation(texts, self._answer_ids), self.reduction)


def default_answer_template(engine: Engine) -> str:
    """The engine's chat prompt for the default question, or a plain prompt without one."""
    prompt = engine.chat_prompt(ANSWER_USER_TEMPLATE, system=DEFAULT_ANSWER_SYSTEM)
    if prompt is None:
        return f"{DEFAULT_ANSWER_SYSTEM}\n\n{ANSWER_USER_TEMPLATE}\nAnswer:"
    return prompt


def _reduce(rows: list[np.ndarray], reduction: str) -> np.ndarray:
    """Each row's token log-probabilities summed (or averaged) in float64."""
    reduce = np.sum if reduction == "sum" else np.mean
    return np.array([float(reduce(row, dtype=np.float64)) for row in rows])

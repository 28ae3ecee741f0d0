r"""Text scorers for the user's own Hugging Face ``transformers`` models.

The scorers map a list of texts to an array of values, the protocol of
:class:`~shapiq_spex.games.MaskedTextGame`: a sequence classifier's class score
(:class:`TransformersClassifierScorer`), and under a causal LM an answer's log-probability (the
RAG game, :class:`TransformersAnswerScorer`) or few-shot sentiment log-odds
(:class:`TransformersSentimentScorer`). Their :meth:`~_TransformersScorer.game` method builds
that game with the scorer's masking (``mask_mode``):

* ``"remove"``: masked units are left out of the text;
* ``"mask"``: each masked unit is replaced by the tokenizer's mask token (or, without one, its
  pad token), which the tokenizer maps to that special token's id.

They need the ``transformers`` extra (``pip install "shapiq-spex[transformers]"``); torch is
imported when a scorer is built, never when this module is imported. Models are put in eval mode
and run under ``torch.inference_mode()`` on ``device`` (default: CUDA when present), ``batch_size``
texts at a time, sorted by length and padded with an attention mask.

Example:
    >>> from transformers import AutoModelForSequenceClassification, AutoTokenizer
    >>> name = "distilbert-base-uncased-finetuned-sst-2-english"
    >>> model = AutoModelForSequenceClassification.from_pretrained(name)  # doctest: +SKIP
    >>> tokenizer = AutoTokenizer.from_pretrained(name)  # doctest: +SKIP
    >>> scorer = TransformersClassifierScorer(model, tokenizer, target="POSITIVE")  # doctest: +SKIP
    >>> game = scorer.game("A gripping, beautifully shot film.")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy.special import expit, logsumexp

from ..._validation import check_choice, check_int, check_texts
from ...games.language import MaskedTextGame
from ..prompts import (
    ANSWER_USER_TEMPLATE,
    DEFAULT_ANSWER_SYSTEM,
    DEFAULT_SENTIMENT_TEMPLATE,
    split_template,
)
from ._runtime import (
    PrefixCache,
    continuation_logprobs,
    encode,
    import_torch,
    leading_special_ids,
    next_token_logprobs,
    pad_id_of,
    prepare_model,
    require_tokenizer,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "TransformersAnswerScorer",
    "TransformersClassifierScorer",
    "TransformersSentimentScorer",
]

_OUTPUTS = ("log_odds", "probability", "logit")


class _TransformersScorer:
    """Shared set-up: model on its device, tokenizer, masking mode and batch size."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        mask_mode: str,
        device: str | torch.device | None,
        batch_size: int,
    ) -> None:
        import_torch()
        require_tokenizer(tokenizer)
        check_choice(mask_mode, "mask_mode", ("remove", "mask"))
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.device = prepare_model(model, device)
        self.model = model
        self.tokenizer = tokenizer
        self.mask_mode = mask_mode
        self.mask_token: str | None = None
        if mask_mode == "mask":
            self.mask_token = tokenizer.mask_token or tokenizer.pad_token
            if self.mask_token is None:
                msg = "mask_mode='mask' needs a tokenizer with a mask or pad token; it has neither."
                raise ValueError(msg)
        self.pad_id = pad_id_of(tokenizer, model)

    def game(
        self,
        text: str | Sequence[str],
        *,
        unit: Literal["word", "sentence"] = "word",
        **kwargs: Any,
    ) -> MaskedTextGame:
        """The :class:`~shapiq_spex.games.MaskedTextGame` of ``text`` with this scorer.

        Args:
            text: The explained text (or a sequence of units, see ``MaskedTextGame``).
            unit: How the text is cut into players.
            **kwargs: Other arguments of ``MaskedTextGame`` (``separator``, ``batch_size``,
                ``normalize``); the mask token is this scorer's.

        Returns:
            The game.
        """
        return MaskedTextGame(text, self, unit=unit, mask_token=self.mask_token, **kwargs)

    def _max_length(self) -> int | None:
        config = self.model.config
        for name in ("max_position_embeddings", "n_positions"):
            value = getattr(config, name, None)
            if isinstance(value, int):
                return value
        return None

    def _check_lengths(self, lengths: Sequence[int]) -> None:
        longest, limit = max(lengths, default=0), self._max_length()
        if limit is not None and longest > limit:
            msg = (
                f"a text is {longest} tokens long, more than the model's {limit} positions; "
                "explain shorter texts (or fewer, larger units)."
            )
            raise ValueError(msg)


class TransformersClassifierScorer(_TransformersScorer):
    """One class's score under a sequence classifier (``AutoModelForSequenceClassification``).

    Args:
        model: A ``transformers`` sequence-classification model (its output has ``.logits`` of
            shape ``(batch, num_labels)``). It is put in eval mode and moved to ``device``.
        tokenizer: Its tokenizer (special tokens such as CLS/SEP are added as usual). A text
            that gives no token at all (the empty text, with a tokenizer that adds no special
            tokens, like GPT-2's) is scored as the tokenizer's BOS token alone, else its EOS
            token: the model's input for "no text" (GPT-2's ``<|endoftext|>``).
        target: The explained class: an index, or a label name from ``model.config.label2id``.
        output: ``"log_odds"`` (default): ``log p / (1 - p)`` of the target class;
            ``"probability"``: ``p``; ``"logit"``: the raw logit. ``p`` is the softmax over
            the classes (a sigmoid for a one-logit or multi-label model).
        mask_mode: ``"remove"`` (default) or ``"mask"`` (see the module docstring).
        device: Torch device (default: CUDA when present, else the CPU).
        batch_size: Texts per forward pass.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: ``model`` is not a torch module, ``tokenizer`` not a transformers tokenizer,
            or ``target`` neither an int nor a str.
        ValueError: ``target``, ``output``, ``mask_mode`` or ``batch_size`` is invalid.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        target: int | str,
        output: Literal["log_odds", "probability", "logit"] = "log_odds",
        mask_mode: Literal["remove", "mask"] = "remove",
        device: str | torch.device | None = None,
        batch_size: int = 32,
    ) -> None:
        super().__init__(model, tokenizer, mask_mode, device, batch_size)
        check_choice(output, "output", _OUTPUTS)
        self.output = output
        self.target = self._target_index(target)
        config = model.config
        self._sigmoid = (
            config.num_labels == 1 or config.problem_type == "multi_label_classification"
        )

    def _target_index(self, target: int | str) -> int:
        config = self.model.config
        if isinstance(target, str):
            if target not in (config.label2id or {}):
                msg = f"target {target!r} is not a label of the model; its labels: "
                msg += f"{sorted(config.label2id or {})}."
                raise ValueError(msg)
            return int(config.label2id[target])
        if isinstance(target, bool) or not isinstance(target, int | np.integer):
            msg = f"target must be a class index or a label name, got {type(target).__name__}."
            raise TypeError(msg)
        if not 0 <= int(target) < config.num_labels:
            msg = f"target must lie in [0, {config.num_labels}), got {target}."
            raise ValueError(msg)
        return int(target)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The target class's score for each text, shape ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        torch = import_torch()
        encoded = self.tokenizer(texts)["input_ids"]
        if any(len(ids) == 0 for ids in encoded):
            empty = self._empty_ids()
            encoded = [list(ids) if len(ids) else empty for ids in encoded]
        lengths = np.array([len(ids) for ids in encoded])
        self._check_lengths(lengths)
        order = np.argsort(lengths, kind="stable")
        logits = np.empty((len(texts), self.model.config.num_labels))
        with torch.inference_mode():
            for lo in range(0, len(order), self.batch_size):
                rows = order[lo : lo + self.batch_size]
                width = int(lengths[rows].max())
                ids = np.full((rows.size, width), self.pad_id, dtype=np.int64)
                mask = np.zeros((rows.size, width), dtype=np.int64)
                for i, r in enumerate(rows):  # right padding: positions start at 0 everywhere
                    ids[i, : lengths[r]] = encoded[r]
                    mask[i, : lengths[r]] = 1
                out = self.model(
                    input_ids=torch.from_numpy(ids).to(self.device),
                    attention_mask=torch.from_numpy(mask).to(self.device),
                )
                logits[rows] = out.logits.double().cpu().numpy()
        return self._transform(logits)

    def _empty_ids(self) -> list[int]:
        """The input of a text without tokens: the BOS token, else the EOS token, alone."""
        for token_id in (self.tokenizer.bos_token_id, self.tokenizer.eos_token_id):
            if isinstance(token_id, int):
                return [token_id]
        msg = (
            "the tokenizer gives no token for an (empty) text and has no BOS or EOS token to "
            "stand for it; use mask_mode='mask' or a tokenizer that adds special tokens."
        )
        raise ValueError(msg)

    def _transform(self, logits: np.ndarray) -> np.ndarray:
        z = logits[:, self.target]
        if self.output == "logit":
            return z
        if self._sigmoid:  # the log-odds of a sigmoid output is its logit
            return z if self.output == "log_odds" else expit(z)
        if self.output == "probability":
            return np.exp(z - logsumexp(logits, axis=1))
        return z - logsumexp(np.delete(logits, self.target, axis=1), axis=1)


class _PromptScorer(_TransformersScorer):
    """A causal LM scoring continuations of a prompt template holding ``{text}``.

    The template's head (before ``{text}``), the rest of the prompt and the continuation are
    tokenized separately and their ids concatenated (as the numpy LLM scorers do); the head's
    keys/values are computed once and reused for every text.
    """

    def _set_template(self, template: object) -> None:
        if not isinstance(template, str):
            msg = f"template must be a str, got {type(template).__name__}."
            raise TypeError(msg)
        self.template = template
        self.head, self._tail = split_template(template)
        head_ids = encode(self.tokenizer, self.head)
        special = leading_special_ids(self.tokenizer)
        if special and head_ids[: len(special)] != special:
            head_ids = special + head_ids
        self._check_lengths([len(head_ids)])
        self._head_ids = head_ids
        # the head minus its last token is cached; that token starts every row so that its
        # position predicts the first token of the text
        self._prefix = (
            PrefixCache(self.model, head_ids[:-1], self.device) if len(head_ids) > 1 else None
        )

    def prompt(self, text: str) -> str:
        """The full prompt for one text (the scored continuation follows it)."""
        return self.head + self._tail.replace("{text}", text)

    def _rows(self, texts: list[str], continuation: list[int]) -> list[list[int]]:
        """Input ids per text: the head's last token, the body, the continuation but its last."""
        start = self._head_ids[-1:]
        bodies = [encode(self.tokenizer, self._tail.replace("{text}", t)) for t in texts]
        inputs = [start + body + continuation[:-1] for body in bodies]
        if any(not row for row in inputs):
            msg = "the prompt has no token; give a template with some text."
            raise ValueError(msg)
        past = 0 if self._prefix is None else self._prefix.length
        self._check_lengths([past + len(row) for row in inputs])
        return inputs

    def _continuation(self, texts: list[str], continuation: list[int]) -> list[np.ndarray]:
        """Per text, the log-probabilities of the continuation's tokens after its prompt."""
        return continuation_logprobs(
            self.model,
            self._rows(texts, continuation),
            [continuation] * len(texts),
            pad_id=self.pad_id,
            device=self.device,
            batch_size=self.batch_size,
            prefix=self._prefix,
        )


class TransformersAnswerScorer(_PromptScorer):
    r"""Mean log-probability of a given answer under a causal LM, after a prompt with the text.

    The RAG value of the SPEX/ProxySPEX papers with the user's own model: the text holds
    documents, and ``score(text)`` is the mean (or sum) over the answer's tokens of
    ``log p(token | prompt(text, question), earlier answer tokens)``. As in
    :class:`~shapiq_spex.engines.numpy.LLMAnswerScorer`, the prompt's head (before ``{text}``), the
    rest of the prompt and the answer are tokenized separately and their ids concatenated; the
    head's keys/values are computed once and reused for every text.

    Args:
        model: A ``transformers`` causal LM (``AutoModelForCausalLM``). It is put in eval mode
            and moved to ``device``.
        tokenizer: Its tokenizer. Leading special tokens it adds (e.g. BOS) start the prompt.
        answer: The answer whose log-probability is the score.
        question: Fills ``{question}`` in the template.
        template: Prompt with ``{text}`` and optionally ``{question}``, ending where the answer
            starts. Default: the tokenizer's chat template with system message
            ``DEFAULT_ANSWER_SYSTEM`` and user message ``"Documents:\n{text}\n\nQuestion:
            {question}"`` (without a chat template: those lines followed by ``"\nAnswer:"``).
        reduction: ``"mean"`` (default) or ``"sum"`` over the answer's tokens.
        mask_mode: ``"remove"`` (default) or ``"mask"`` (see the module docstring).
        device: Torch device (default: CUDA when present, else the CPU).
        batch_size: Texts per forward pass.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: A model/tokenizer/str argument has the wrong type.
        ValueError: ``answer`` is empty, the template lacks ``{text}`` (once), or another
            argument is out of range.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        answer: str,
        question: str = "",
        template: str | None = None,
        reduction: Literal["mean", "sum"] = "mean",
        mask_mode: Literal["remove", "mask"] = "remove",
        device: str | torch.device | None = None,
        batch_size: int = 16,
    ) -> None:
        for name, value in (("answer", answer), ("question", question)):
            if not isinstance(value, str):
                msg = f"{name} must be a str, got {type(value).__name__}."
                raise TypeError(msg)
        if not answer:
            msg = "answer must not be empty."
            raise ValueError(msg)
        check_choice(reduction, "reduction", ("mean", "sum"))
        super().__init__(model, tokenizer, mask_mode, device, batch_size)
        if template is None:
            template = _default_answer_template(tokenizer)
        if not isinstance(template, str):
            msg = f"template must be a str, got {type(template).__name__}."
            raise TypeError(msg)
        self.question = question
        self.answer = answer
        self.reduction = reduction
        self._answer_ids = encode(self.tokenizer, answer)
        if not self._answer_ids:
            msg = f"answer {answer!r} has no token."
            raise ValueError(msg)
        _warn_unknown(tokenizer, {"answer": (answer, self._answer_ids)})
        self._set_template(template.replace("{question}", question))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The answer's mean (or summed) log-probability for each text, ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        log_probs = self._continuation(texts, self._answer_ids)
        reduce = np.mean if self.reduction == "mean" else np.sum
        return np.array([reduce(row) for row in log_probs])


class TransformersSentimentScorer(_PromptScorer):
    """Few-shot sentiment under a causal LM: ``log p(positive) - log p(negative)`` after a review.

    The game of :class:`~shapiq_spex.engines.numpy.LLMSentimentScorer` with the user's own model:
    the review fills ``{text}`` in a few-shot prompt ending in ``"Sentiment:"``, and the score is
    the log-odds of the two label continuations (each label's token log-probabilities summed). For a
    sequence classifier fine-tuned on sentiment, use :class:`TransformersClassifierScorer`.

    Args:
        model: A ``transformers`` causal LM (``AutoModelForCausalLM``). It is put in eval mode
            and moved to ``device``.
        tokenizer: Its tokenizer. Leading special tokens it adds (e.g. BOS) start the prompt.
        template: Prompt with ``{text}`` (default: ``DEFAULT_SENTIMENT_TEMPLATE``, the numpy
            scorer's few-shot prompt).
        labels: ``(positive, negative)`` continuations, each tokenized on its own.
        mask_mode: ``"remove"`` (default) or ``"mask"`` (see the module docstring).
        device: Torch device (default: CUDA when present, else the CPU).
        batch_size: Texts per forward pass.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: A model/tokenizer/str argument has the wrong type.
        ValueError: The template lacks ``{text}`` (once), a label is empty or has no token, or
            another argument is out of range.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        template: str = DEFAULT_SENTIMENT_TEMPLATE,
        labels: tuple[str, str] = (" positive", " negative"),
        mask_mode: Literal["remove", "mask"] = "remove",
        device: str | torch.device | None = None,
        batch_size: int = 16,
    ) -> None:
        pair = isinstance(labels, Sequence) and not isinstance(labels, str) and len(labels) == 2
        if not pair or not all(isinstance(label, str) for label in labels):
            msg = f"labels must be a pair of str (positive, negative), got {labels!r}."
            raise TypeError(msg)
        super().__init__(model, tokenizer, mask_mode, device, batch_size)
        self.labels = (labels[0], labels[1])
        self._label_ids = [encode(tokenizer, label) for label in self.labels]
        if not all(self._label_ids):
            msg = f"labels must each have at least one token, got {labels!r}."
            raise ValueError(msg)
        _warn_unknown(tokenizer, {"label": (self.labels[0], self._label_ids[0])})
        _warn_unknown(tokenizer, {"label": (self.labels[1], self._label_ids[1])})
        if self._label_ids[0] == self._label_ids[1]:
            warnings.warn(
                f"the labels {self.labels[0]!r} and {self.labels[1]!r} give the same tokens "
                f"{self._label_ids[0]}, so every sentiment log-odds is 0; choose labels the "
                "tokenizer tells apart.",
                UserWarning,
                stacklevel=2,
            )
        self._set_template(template)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Sentiment log-odds of each text, shape ``(len(texts),)``."""
        texts = check_texts(texts)
        if not texts:
            return np.zeros(0)
        positive, negative = self._label_ids
        if len(positive) == len(negative) == 1:  # one forward pass gives both labels
            log_probs = next_token_logprobs(
                self.model,
                self._rows(texts, positive),
                candidates=[positive[0], negative[0]],
                pad_id=self.pad_id,
                device=self.device,
                batch_size=self.batch_size,
                prefix=self._prefix,
            )
            return log_probs[:, 0] - log_probs[:, 1]
        sums = [
            np.array([row.sum() for row in self._continuation(texts, ids)])
            for ids in self._label_ids
        ]
        return sums[0] - sums[1]


def _warn_unknown(tokenizer: Any, items: dict[str, tuple[str, list[int]]]) -> None:
    """Warn when a scored continuation holds the tokenizer's unknown token.

    Its probability is that of the unknown token, not of the words asked for, so the scores
    mean little (two unknown labels even give the same tokens, and every log-odds 0).
    """
    unknown = getattr(tokenizer, "unk_token_id", None)
    if not isinstance(unknown, int):
        return
    for what, (text, ids) in items.items():
        if unknown in ids:
            warnings.warn(
                f"the {what} {text!r} holds the tokenizer's unknown token "
                f"{tokenizer.unk_token!r} (ids {ids}): its log-probability is that of the "
                "unknown token, not of these words; choose words in the tokenizer's vocabulary.",
                UserWarning,
                stacklevel=3,
            )


def _default_answer_template(tokenizer: Any) -> str:
    """The tokenizer's chat prompt for the default question, or a plain prompt without one."""
    if getattr(tokenizer, "chat_template", None):
        messages = [
            {"role": "system", "content": DEFAULT_ANSWER_SYSTEM},
            {"role": "user", "content": ANSWER_USER_TEMPLATE},
        ]
        try:
            return tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        except Exception:  # some chat templates reject a system message (a jinja2 error)
            merged = f"{DEFAULT_ANSWER_SYSTEM}\n\n{ANSWER_USER_TEMPLATE}"
            return tokenizer.apply_chat_template(
                [{"role": "user", "content": merged}], tokenize=False, add_generation_prompt=True
            )
    return f"{DEFAULT_ANSWER_SYSTEM}\n\n{ANSWER_USER_TEMPLATE}\nAnswer:"

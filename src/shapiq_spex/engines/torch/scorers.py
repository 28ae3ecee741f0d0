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

from ..._validation import check_choice, check_texts
from ...games.language import MaskedTextGame
from ..base import check_length
from ..prompts import DEFAULT_SENTIMENT_TEMPLATE
from ..scorers import AnswerScorer, SentimentScorer
from ._runtime import import_torch
from .engine import TransformersEngine

if TYPE_CHECKING:
    import torch

__all__ = [
    "TransformersAnswerScorer",
    "TransformersClassifierScorer",
    "TransformersSentimentScorer",
]

_OUTPUTS = ("log_odds", "probability", "logit")


class _TransformersScorer:
    """Shared set-up: the engine (model on its device, tokenizer, batch size) and the masking."""

    def _setup(
        self,
        model: Any,
        tokenizer: Any,
        mask_mode: str,
        device: str | torch.device | None,
        batch_size: int,
    ) -> TransformersEngine:
        check_choice(mask_mode, "mask_mode", ("remove", "mask"))
        engine = TransformersEngine(model, tokenizer, device=device, batch_size=batch_size)
        self.batch_size = engine.batch_size
        self.device = engine.device
        self.model = model
        self.tokenizer = tokenizer
        self.pad_id = engine.pad_id
        self.mask_mode = mask_mode
        self.mask_token: str | None = None
        if mask_mode == "mask":
            self.mask_token = tokenizer.mask_token or tokenizer.pad_token
            if self.mask_token is None:
                msg = "mask_mode='mask' needs a tokenizer with a mask or pad token; it has neither."
                raise ValueError(msg)
        return engine

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
            ``target`` neither an int nor a str, ``output`` or ``mask_mode`` not a str, or
            ``batch_size`` not an integer.
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
        self.engine = self._setup(model, tokenizer, mask_mode, device, batch_size)
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
        check_length(int(lengths.max(initial=0)), self.engine.max_length)
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


class TransformersAnswerScorer(_TransformersScorer, AnswerScorer):
    r"""Mean log-probability of a given answer under a causal LM, after a prompt with the text.

    :class:`~shapiq_spex.engines.scorers.AnswerScorer` (the RAG value of the SPEX/ProxySPEX
    papers) on a :class:`~shapiq_spex.engines.torch.TransformersEngine` of the user's own model,
    with ``reduction="mean"`` by default and the masking of the module docstring.

    Args:
        model: A ``transformers`` causal LM (``AutoModelForCausalLM``). It is put in eval mode
            and moved to ``device``.
        tokenizer: Its tokenizer. Leading special tokens it adds (e.g. BOS) start the prompt.
        answer, question, template, reduction: As in ``AnswerScorer`` (default template: the
            tokenizer's chat template, without one a plain ``"...\nAnswer:"`` prompt).
        mask_mode, device, batch_size: As in :class:`TransformersClassifierScorer`.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: A model/tokenizer/str argument has the wrong type.
        ValueError: As ``AnswerScorer``, or another argument is out of range.
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
        engine = self._setup(model, tokenizer, mask_mode, device, batch_size)
        super().__init__(
            engine,
            answer,
            question=question,
            template=template,
            reduction=reduction,
            batch_size=self.batch_size,
        )
        _warn_unknown(tokenizer, {"answer": (answer, self._answer_ids)})


class TransformersSentimentScorer(_TransformersScorer, SentimentScorer):
    """Few-shot sentiment under a causal LM: ``log p(positive) - log p(negative)`` after a review.

    :class:`~shapiq_spex.engines.scorers.SentimentScorer` (the game of
    :class:`~shapiq_spex.engines.numpy.LLMSentimentScorer`) on a
    :class:`~shapiq_spex.engines.torch.TransformersEngine` of the user's own model, with the
    masking of the module docstring. For a sequence classifier fine-tuned on sentiment, use
    :class:`TransformersClassifierScorer`.

    Args:
        model: A ``transformers`` causal LM (``AutoModelForCausalLM``). It is put in eval mode
            and moved to ``device``.
        tokenizer: Its tokenizer. Leading special tokens it adds (e.g. BOS) start the prompt.
        template, labels: As in ``SentimentScorer`` (default: ``DEFAULT_SENTIMENT_TEMPLATE``,
            the numpy scorer's few-shot prompt).
        mask_mode, device, batch_size: As in :class:`TransformersClassifierScorer`.

    Raises:
        ImportError: torch or transformers is missing.
        TypeError: A model/tokenizer/str argument has the wrong type.
        ValueError: As ``SentimentScorer``, or another argument is out of range.
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
        engine = self._setup(model, tokenizer, mask_mode, device, batch_size)
        super().__init__(engine, template=template, labels=labels, batch_size=self.batch_size)
        for label, ids in zip(self.labels, self._label_ids, strict=True):
            _warn_unknown(tokenizer, {"label": (label, ids)})


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
